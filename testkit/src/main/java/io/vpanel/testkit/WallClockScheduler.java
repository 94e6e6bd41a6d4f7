package io.vpanel.testkit;

import io.vpanel.spi.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler on the wall clock with one owner thread, as core gives drivers, for driver tests that
 * run in real time (a peer that reconnects, a device that comes back). Close it after the test.
 */
public final class WallClockScheduler implements Scheduler, AutoCloseable {
  private static final String THREAD = "test-scheduler";

  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, THREAD);
            t.setDaemon(true);
            return t;
          });

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    var future = thread.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public boolean inOwnerThread() {
    return Thread.currentThread().getName().equals(THREAD);
  }

  @Override
  public void execute(Runnable command) {
    thread.execute(command);
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
