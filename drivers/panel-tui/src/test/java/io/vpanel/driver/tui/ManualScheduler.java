package io.vpanel.driver.tui;

import io.vpanel.spi.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A scheduler whose clock moves only when the test says ({@link #advance}), safe to call from the
 * driver's threads (the testkit's VirtualScheduler is for one thread). Tasks run on the thread that
 * advances the clock.
 */
public final class ManualScheduler implements Scheduler {
  private record Task(Instant due, Runnable body, boolean[] cancelled) {}

  private final List<Task> tasks = new ArrayList<>();
  private Instant now;

  /** A clock at a whole second, so a flashing lamp starts lit. */
  public ManualScheduler() {
    this.now = Instant.parse("2026-01-01T00:00:00Z");
  }

  @Override
  public synchronized Instant now() {
    return now;
  }

  @Override
  public void execute(Runnable command) {
    command.run();
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    Task queued = new Task(now.plus(delay), task, new boolean[1]);
    tasks.add(queued);
    return () -> {
      synchronized (ManualScheduler.this) {
        queued.cancelled()[0] = true;
      }
    };
  }

  @Override
  public boolean inOwnerThread() {
    return true;
  }

  /** Moves the clock on by {@code duration} and runs every task that came due. */
  public void advance(Duration duration) {
    List<Runnable> due = new ArrayList<>();
    synchronized (this) {
      now = now.plus(duration);
      tasks.removeIf(
          task -> {
            if (task.cancelled()[0]) {
              return true;
            }
            if (!task.due().isAfter(now)) {
              due.add(task.body());
              return true;
            }
            return false;
          });
    }
    due.forEach(Runnable::run);
  }
}
