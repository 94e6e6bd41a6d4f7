package io.vpanel.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Waits on the real clock until a condition holds, for tests against real peers and processes (a
 * test on the {@link VirtualScheduler} runs the clock itself instead). A thin layer over Awaitility
 * that gives every wait a name, checks at once and then every interval, can ignore the exceptions
 * of a peer that is not up yet, and says on time-out what it waited for and what it last saw:
 *
 * <pre>{@code
 * JsonNode host = Poll.atMost(Duration.ofSeconds(60))
 *     .ignoring(IOException.class)
 *     .until("sim-01 to report its guests", () -> api.host("sim-01"), h -> h.runningVms() > 0);
 * }</pre>
 *
 * <p>Use it instead of {@code Thread.sleep}: a wait for a condition ends as soon as it holds. A
 * check that something stays true (or never happens) for a while is {@link #holdsFor}.
 */
public final class Poll {
  private final Duration atMost;
  private final Duration interval;
  private final List<Class<? extends Throwable>> ignored;
  private final Supplier<String> context;

  private Poll(
      Duration atMost,
      Duration interval,
      List<Class<? extends Throwable>> ignored,
      Supplier<String> context) {
    this.atMost = atMost;
    this.interval = interval;
    this.ignored = ignored;
    this.context = context;
  }

  /** A wait of at most {@code timeout}, checking every 100 ms. */
  public static Poll atMost(Duration timeout) {
    return new Poll(Objects.requireNonNull(timeout), Duration.ofMillis(100), List.of(), () -> "");
  }

  /** Checks every {@code pollInterval} instead. */
  public Poll every(Duration pollInterval) {
    return new Poll(atMost, pollInterval, ignored, context);
  }

  /** Treats an exception of this type from the condition as "not yet" (a peer still starting). */
  public Poll ignoring(Class<? extends Throwable> type) {
    List<Class<? extends Throwable>> more = new ArrayList<>(ignored);
    more.add(type);
    return new Poll(atMost, interval, List.copyOf(more), context);
  }

  /** Adds what {@code explanation} says (a log tail, a peer's state) to a time-out's message. */
  public Poll explainedBy(Supplier<String> explanation) {
    return new Poll(atMost, interval, ignored, explanation);
  }

  /** Waits until {@code condition} is true. */
  public void until(String what, Callable<Boolean> condition) {
    until(what, condition, Boolean.TRUE::equals);
  }

  /**
   * Reads {@code probe} until {@code done} accepts what it returns, and returns that value.
   *
   * @throws AssertionError naming {@code what} and the last value read, when time runs out
   */
  public <T> T until(String what, Callable<T> probe, Predicate<? super T> done) {
    AtomicReference<Object> last = new AtomicReference<>("(nothing read yet)");
    Callable<T> recording =
        () -> {
          T value = probe.call();
          last.set(value);
          return value;
        };
    try {
      return factory(what).atMost(atMost).until(recording, done);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "waited " + atMost.toMillis() + " ms for " + what + "; last: " + last.get() + explain(),
          e);
    }
  }

  /**
   * Checks that {@code condition} stays true for the whole of {@code duration}: for "nothing more
   * happens" after an end, where a test would otherwise sleep and look once.
   */
  public void holdsFor(Duration duration, String what, Callable<Boolean> condition) {
    try {
      factory(what).during(duration).atMost(duration.plus(atMost)).until(condition);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          what + " did not hold for " + duration.toMillis() + " ms" + explain(), e);
    }
  }

  private ConditionFactory factory(String what) {
    ConditionFactory factory =
        Awaitility.await(what).pollDelay(Duration.ZERO).pollInterval(interval);
    if (!ignored.isEmpty()) {
      factory =
          factory.ignoreExceptionsMatching(e -> ignored.stream().anyMatch(t -> t.isInstance(e)));
    }
    return factory;
  }

  private String explain() {
    String text = context.get();
    return text == null || text.isEmpty() ? "" : "\n" + text;
  }
}
