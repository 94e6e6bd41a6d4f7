package io.vpanel.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Poll: the value it returns, what a time-out says, ignored exceptions, a check that holds. */
class PollTest {
  private static final Poll QUICK = Poll.atMost(Duration.ofSeconds(2)).every(Duration.ofMillis(5));

  @Test
  void returnsTheFirstValueTheConditionAccepts() {
    AtomicInteger reads = new AtomicInteger();

    int value = QUICK.until("the third read", reads::incrementAndGet, n -> n >= 3);

    assertThat(value).isEqualTo(3);
  }

  @Test
  void aTimeOutNamesWhatItWaitedForTheLastValueAndTheExplanation() {
    Poll brief = Poll.atMost(Duration.ofMillis(50)).every(Duration.ofMillis(5));

    assertThatThrownBy(
            () ->
                brief.explainedBy(() -> "peer log: nothing").until("a seven", () -> 6, n -> n == 7))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("a seven")
        .hasMessageContaining("last: 6")
        .hasMessageContaining("peer log: nothing");
  }

  @Test
  void ignoredExceptionsMeanNotYet() {
    AtomicInteger reads = new AtomicInteger();

    boolean up =
        QUICK
            .ignoring(IOException.class)
            .until(
                "the peer to answer",
                () -> {
                  if (reads.incrementAndGet() < 3) {
                    throw new IOException("connection refused");
                  }
                  return true;
                },
                ok -> ok);

    assertThat(up).isTrue();
  }

  @Test
  void holdsForFailsWhenTheConditionStopsHolding() {
    long start = System.nanoTime();
    Poll patient = Poll.atMost(Duration.ofMillis(200)).every(Duration.ofMillis(5));

    patient.holdsFor(Duration.ofMillis(100), "a constant", () -> true);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(100));
    long second = System.nanoTime();
    assertThatThrownBy(
            () ->
                patient.holdsFor(
                    Duration.ofMillis(100),
                    "nothing new",
                    () -> System.nanoTime() - second < Duration.ofMillis(50).toNanos()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("nothing new did not hold");
  }
}
