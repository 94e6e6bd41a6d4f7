package io.vpanel.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;

/**
 * The clock and the single thread that owns mutable state. Everything that reads time takes a
 * scheduler, so tests and benchmarks can run hours of evacuation on a virtual clock.
 *
 * <p>{@link #execute(Runnable)} runs a task on the owning thread, after the tasks already queued.
 * Peer callbacks hand their work over with it and never block.
 */
public interface Scheduler extends Executor {

  /** The current time of this scheduler's clock. */
  Instant now();

  /** Runs {@code task} on the owning thread once {@code delay} has passed on this clock. */
  Cancellable schedule(Duration delay, Runnable task);

  /** True when called from the thread that runs this scheduler's tasks. */
  boolean inOwnerThread();

  /** A scheduled task that can be called off. */
  interface Cancellable {
    /** Calls the task off; does nothing when it already ran. */
    void cancel();
  }
}
