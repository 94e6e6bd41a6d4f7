package io.vpanel.driver.sysfs;

import io.vpanel.spi.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** A scheduler on the wall clock with one owner thread, for tests of reattaching in real time. */
public final class RealScheduler implements Scheduler, AutoCloseable {
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "test-scheduler");
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
    return Thread.currentThread().getName().equals("test-scheduler");
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
