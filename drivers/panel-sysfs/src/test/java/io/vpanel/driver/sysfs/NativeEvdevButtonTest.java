package io.vpanel.driver.sysfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.spi.panel.ButtonEvent;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every test of {@link EvdevButtonTest} again, read through the native path of {@code grab: true}
 * (JNA: {@code open}, {@code poll}, {@code read}, {@code close}) with only the {@code EVIOCGRAB}
 * step skipped, since a FIFO cannot be grabbed ({@link EvdevGrabTest} tests that refusal). Plus
 * what only this path has: a close that stops a reader waiting in {@code poll(2)} and closes its
 * descriptor (which is what releases a grab) before it returns.
 */
class NativeEvdevButtonTest extends EvdevButtonTest {

  @Override
  EvdevReader.Access access() {
    return EvdevReader.Access.NATIVE_WITHOUT_GRAB;
  }

  @Test
  void closeStopsAReaderWaitingInPollPromptlyAndClosesTheDescriptor() throws Exception {
    startStepped();
    Thread reader = panel.input().orElseThrow().thread();
    // the writer's descriptor and the reader's
    await().until(() -> descriptorsOf(device()) == 2);
    await().until(() -> waitsInPoll(reader));

    long started = System.nanoTime();
    panel.close();
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(took).isLessThan(EvdevReader.NATIVE_CLOSE_WAIT);
    assertThat(reader.isAlive()).isFalse();
    assertThat(descriptorsOf(device())).isEqualTo(1);
    fifo.write(FifoInput.key(kernel(0), KEY, 1));
    await().during(Duration.ofMillis(300)).until(events::isEmpty);
  }

  @Test
  void aReleaseSplitAcrossTwoWritesIsPutTogether() throws Exception {
    startStepped();
    byte[] press = FifoInput.key(kernel(0), KEY, 1);
    byte[] release = FifoInput.key(kernel(1), KEY, 0);
    fifo.write(press, Arrays.copyOf(release, 30));
    await().until(() -> events.size() == 1);
    fifo.write(Arrays.copyOfRange(release, 30, release.length));
    await().until(() -> events.size() == 2);
    assertThat(events)
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly("Pressed", "Released");
    assertThat(events.get(1)).isInstanceOf(ButtonEvent.Released.class);
  }

  /** True while {@code thread} is inside libc's {@code poll}, called by {@link NativeEvdev}. */
  private static boolean waitsInPoll(Thread thread) {
    StackTraceElement[] stack = thread.getStackTrace();
    return Stream.of(stack).anyMatch(f -> f.getMethodName().equals("poll"))
        && Stream.of(stack)
            .anyMatch(
                f ->
                    f.getClassName().equals(NativeEvdev.class.getName())
                        && f.getMethodName().equals("read"));
  }
}
