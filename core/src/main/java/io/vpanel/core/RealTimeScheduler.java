package io.vpanel.core;

import io.vpanel.spi.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The production scheduler: one platform thread owns all mutable state of the agent; the wall clock
 * gives the time. A task that throws is logged and the thread goes on.
 */
public final class RealTimeScheduler implements Scheduler, AutoCloseable {
  private static final System.Logger log = System.getLogger(RealTimeScheduler.class.getName());

  private final Clock clock;
  private final ScheduledThreadPoolExecutor executor;
  private volatile Thread owner;

  public RealTimeScheduler() {
    this(Clock.systemUTC());
  }

  public RealTimeScheduler(Clock clock) {
    this.clock = clock;
    this.executor =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "vpanel-owner");
              thread.setDaemon(true);
              owner = thread;
              return thread;
            });
    executor.setRemoveOnCancelPolicy(true);
  }

  @Override
  public Instant now() {
    return clock.instant();
  }

  /**
   * Runs {@code command} on the owner thread. After {@link #close} the work is dropped: a peer's
   * late answer (an inventory read that returns while the agent stops) has no one left to act on
   * it, and must not fail the thread that brings it.
   */
  @Override
  public void execute(Runnable command) {
    try {
      executor.execute(guarded(command));
    } catch (RejectedExecutionException stopped) {
      log.log(System.Logger.Level.DEBUG, "owner thread stopped; dropped a task");
    }
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    try {
      ScheduledFuture<?> future =
          executor.schedule(guarded(task), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
      return () -> future.cancel(false);
    } catch (RejectedExecutionException stopped) {
      log.log(System.Logger.Level.DEBUG, "owner thread stopped; dropped a timer");
      return () -> {};
    }
  }

  @Override
  public boolean inOwnerThread() {
    return Thread.currentThread() == owner;
  }

  private static Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        log.log(System.Logger.Level.ERROR, "task on the owner thread failed", e);
      }
    };
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
