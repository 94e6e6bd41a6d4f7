package io.vpanel.journal;

import io.vpanel.spi.Scheduler;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.time.Instant;

/**
 * One life of an agent on a shared virtual clock. {@link #kill()} is kill -9: every task the agent
 * queued or scheduled is dropped, and whatever it hands over later (driver callbacks) is ignored.
 */
final class KillableScheduler implements Scheduler {
  private final VirtualScheduler clock;
  private volatile boolean dead;

  KillableScheduler(VirtualScheduler clock) {
    this.clock = clock;
  }

  void kill() {
    dead = true;
  }

  boolean dead() {
    return dead;
  }

  @Override
  public Instant now() {
    return clock.now();
  }

  @Override
  public void execute(Runnable command) {
    if (!dead) {
      clock.execute(
          () -> {
            if (!dead) {
              command.run();
            }
          });
    }
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    if (dead) {
      return () -> {};
    }
    return clock.schedule(
        delay,
        () -> {
          if (!dead) {
            task.run();
          }
        });
  }

  @Override
  public boolean inOwnerThread() {
    return clock.inOwnerThread();
  }
}
