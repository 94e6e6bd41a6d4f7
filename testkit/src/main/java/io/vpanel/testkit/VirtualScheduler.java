package io.vpanel.testkit;

import io.vpanel.spi.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * A scheduler on a virtual clock, run by the calling thread. Time jumps to the next task, so an
 * hour of evacuation runs in milliseconds and every run with the same inputs is the same.
 *
 * <p>Not thread-safe: one thread creates it and drives it with {@link #runUntil}, {@link #advance}
 * or {@link #runUntilIdle}.
 */
public final class VirtualScheduler implements Scheduler {

  private record Task(long dueNanos, long sequence, Runnable body, boolean[] cancelled)
      implements Comparable<Task> {
    @Override
    public int compareTo(Task other) {
      int byTime = Long.compare(dueNanos, other.dueNanos);
      return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
    }
  }

  private final Instant epoch;
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private final Thread owner = Thread.currentThread();
  private long nowNanos;
  private long sequence;
  private long executed;

  public VirtualScheduler() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  public VirtualScheduler(Instant epoch) {
    this.epoch = epoch;
  }

  @Override
  public Instant now() {
    return epoch.plusNanos(nowNanos);
  }

  /** This scheduler's time as a {@link Clock} in UTC, for code that takes a clock. */
  public Clock clock() {
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return now();
      }
    };
  }

  /** Time passed on this clock since it was created. */
  public Duration elapsed() {
    return Duration.ofNanos(nowNanos);
  }

  @Override
  public void execute(Runnable command) {
    enqueue(nowNanos, command);
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    long due = nowNanos + Math.max(0, delay.toNanos());
    Task queued = enqueue(due, task);
    return () -> queued.cancelled()[0] = true;
  }

  @Override
  public boolean inOwnerThread() {
    return Thread.currentThread() == owner;
  }

  private Task enqueue(long due, Runnable body) {
    Task task = new Task(due, sequence++, body, new boolean[1]);
    queue.add(task);
    return task;
  }

  /** Runs one due task, moving the clock to it. Returns false when nothing is queued. */
  public boolean runNext() {
    Task task = queue.poll();
    if (task == null) {
      return false;
    }
    if (!task.cancelled()[0]) {
      nowNanos = Math.max(nowNanos, task.dueNanos());
      executed++;
      task.body().run();
    }
    return true;
  }

  /** Runs tasks until {@code condition} holds; fails when the queue empties or time runs out. */
  public void runUntil(BooleanSupplier condition, Duration limit) {
    long deadline = nowNanos + limit.toNanos();
    while (!condition.getAsBoolean()) {
      Task next = queue.peek();
      if (next == null) {
        throw new IllegalStateException("nothing left to run and the condition still fails");
      }
      if (next.dueNanos() > deadline) {
        nowNanos = deadline;
        throw new IllegalStateException("condition still fails after " + limit + " virtual time");
      }
      runNext();
    }
  }

  /** Runs every task due within {@code duration} and moves the clock to its end. */
  public void advance(Duration duration) {
    long until = nowNanos + duration.toNanos();
    while (!queue.isEmpty() && queue.peek().dueNanos() <= until) {
      runNext();
    }
    nowNanos = until;
  }

  /** Runs tasks until none are left, or fails after {@code limit} virtual time. */
  public void runUntilIdle(Duration limit) {
    runUntil(queue::isEmpty, limit);
  }

  /** How many tasks have run. */
  public long executedTasks() {
    return executed;
  }

  /** How many tasks wait to run (cancelled ones included until their time). */
  public int pendingTasks() {
    return queue.size();
  }
}
