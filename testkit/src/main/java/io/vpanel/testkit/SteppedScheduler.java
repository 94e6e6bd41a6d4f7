package io.vpanel.testkit;

import io.vpanel.spi.Scheduler;
import java.time.Duration;
import java.time.Instant;

/**
 * {@link VirtualScheduler} made safe for a driver's own threads: they read the clock and schedule
 * while the test steps it with {@link #advance}. Tasks run on the stepping thread; {@link
 * #inOwnerThread} is false everywhere, as for any thread of a driver.
 */
public final class SteppedScheduler implements Scheduler {
  private final VirtualScheduler clock = new VirtualScheduler();

  @Override
  public synchronized Instant now() {
    return clock.now();
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    Cancellable inner = clock.schedule(delay, task);
    return () -> {
      synchronized (SteppedScheduler.this) {
        inner.cancel();
      }
    };
  }

  @Override
  public synchronized void execute(Runnable command) {
    clock.execute(command);
  }

  @Override
  public boolean inOwnerThread() {
    return false;
  }

  /** Runs what is due within {@code duration} and moves the clock to its end. */
  public synchronized void advance(Duration duration) {
    clock.advance(duration);
  }

  /** Tasks waiting to run. */
  public synchronized int pendingTasks() {
    return clock.pendingTasks();
  }
}
