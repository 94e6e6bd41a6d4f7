package io.vpanel.driver.sysfs;

import io.vpanel.spi.Scheduler;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.time.Instant;

/**
 * testkit's {@link VirtualScheduler} made safe for the driver's own threads: they schedule and read
 * the clock while the test steps it. Tasks run on the stepping thread.
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

  public synchronized int pendingTasks() {
    return clock.pendingTasks();
  }
}
