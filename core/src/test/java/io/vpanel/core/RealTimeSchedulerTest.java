package io.vpanel.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.spi.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RealTimeSchedulerTest {
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  private RealTimeScheduler scheduler;

  @BeforeEach
  void start() {
    scheduler = new RealTimeScheduler();
  }

  @AfterEach
  void stop() {
    scheduler.close();
  }

  /** Runs {@code probe} on the owner thread and waits for it. */
  private void onOwner(Runnable probe) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    scheduler.execute(
        () -> {
          probe.run();
          done.countDown();
        });
    assertThat(done.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void tasksRunInOrderOnOneOwnerThread() throws InterruptedException {
    List<Integer> order = Collections.synchronizedList(new ArrayList<>());
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 200; i++) {
      int n = i;
      scheduler.execute(
          () -> {
            order.add(n);
            threads.add(Thread.currentThread());
          });
    }
    onOwner(() -> threads.add(Thread.currentThread()));

    assertThat(order).hasSize(200).isSorted();
    assertThat(threads).hasSize(1).doesNotContain(Thread.currentThread());
  }

  @Test
  void tasksFromManyThreadsAllRunOnTheOwner() throws InterruptedException {
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    AtomicInteger ran = new AtomicInteger();
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread caller =
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < 50; i++) {
                      scheduler.execute(
                          () -> {
                            threads.add(Thread.currentThread());
                            ran.incrementAndGet();
                          });
                    }
                  });
      callers.add(caller);
    }
    for (Thread caller : callers) {
      caller.join(PATIENCE.toMillis());
    }

    await().atMost(PATIENCE).until(() -> ran.get() == 200);
    assertThat(threads).hasSize(1);
  }

  @Test
  void inOwnerThreadIsTrueOnlyInsideTasks() throws InterruptedException {
    AtomicBoolean inside = new AtomicBoolean();
    onOwner(() -> inside.set(scheduler.inOwnerThread()));

    assertThat(inside).isTrue();
    assertThat(scheduler.inOwnerThread()).isFalse();

    AtomicBoolean otherThread = new AtomicBoolean(true);
    Thread other = Thread.ofPlatform().start(() -> otherThread.set(scheduler.inOwnerThread()));
    other.join(PATIENCE.toMillis());
    assertThat(otherThread).isFalse();
  }

  @Test
  void inOwnerThreadIsFalseBeforeAnyTaskRan() {
    assertThat(scheduler.inOwnerThread()).isFalse();
  }

  @Test
  void aThrowingTaskDoesNotStopLaterOnes() throws InterruptedException {
    AtomicBoolean before = new AtomicBoolean();
    AtomicBoolean after = new AtomicBoolean();
    List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
    scheduler.execute(() -> threads.add(Thread.currentThread()));
    scheduler.execute(
        () -> {
          throw new IllegalStateException("boom (expected by the test)");
        });
    scheduler.schedule(
        Duration.ZERO,
        () -> {
          throw new IllegalStateException("boom from a scheduled task (expected by the test)");
        });
    onOwner(
        () -> {
          threads.add(Thread.currentThread());
          after.set(scheduler.inOwnerThread());
        });
    onOwner(() -> before.set(true));

    assertThat(after).isTrue();
    assertThat(before).isTrue();
    // The same thread goes on: state owned by it is not handed to a fresh thread.
    assertThat(threads).hasSize(2);
    assertThat(threads.get(1)).isSameAs(threads.get(0));
  }

  @Test
  void scheduledTaskRunsOnTheOwnerAfterItsDelay() {
    Duration delay = Duration.ofMillis(100);
    AtomicLong elapsedNanos = new AtomicLong(-1);
    AtomicBoolean onOwner = new AtomicBoolean();
    long scheduledAt = System.nanoTime();

    scheduler.schedule(
        delay,
        () -> {
          elapsedNanos.set(System.nanoTime() - scheduledAt);
          onOwner.set(scheduler.inOwnerThread());
        });

    await().atMost(PATIENCE).until(() -> elapsedNanos.get() >= 0);
    assertThat(elapsedNanos.get()).isGreaterThanOrEqualTo(delay.toNanos());
    assertThat(onOwner).isTrue();
  }

  @Test
  void scheduledTasksRunInOrderOfTheirDelays() {
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    scheduler.schedule(Duration.ofMillis(300), () -> order.add("late"));
    scheduler.schedule(Duration.ofMillis(50), () -> order.add("early"));
    scheduler.execute(() -> order.add("now"));

    await().atMost(PATIENCE).until(() -> order.size() == 3);
    assertThat(order).containsExactly("now", "early", "late");
  }

  @Test
  void negativeDelayRunsAtOnce() {
    AtomicBoolean ran = new AtomicBoolean();
    scheduler.schedule(Duration.ofSeconds(-5), () -> ran.set(true));

    await().atMost(PATIENCE).untilTrue(ran);
  }

  @Test
  void cancelledTaskNeverRuns() {
    AtomicBoolean cancelledRan = new AtomicBoolean();
    AtomicBoolean laterRan = new AtomicBoolean();
    Scheduler.Cancellable cancellable =
        scheduler.schedule(Duration.ofMillis(200), () -> cancelledRan.set(true));
    cancellable.cancel();
    scheduler.schedule(Duration.ofMillis(400), () -> laterRan.set(true));

    await().atMost(PATIENCE).untilTrue(laterRan);
    assertThat(cancelledRan).isFalse();
    cancellable.cancel(); // calling off twice is harmless
  }

  @Test
  void nowComesFromTheClock() {
    Instant fixed = Instant.parse("2026-03-04T05:06:07Z");
    try (RealTimeScheduler fixedClock = new RealTimeScheduler(Clock.fixed(fixed, ZoneOffset.UTC))) {
      assertThat(fixedClock.now()).isEqualTo(fixed);
    }
  }

  @Test
  void defaultClockIsTheWallClock() {
    Instant before = Instant.now();
    Instant now = scheduler.now();
    Instant after = Instant.now();

    assertThat(now).isBetween(before, after);
  }

  @Test
  void workHandedOverAfterCloseIsDroppedNotThrownAtTheCaller() {
    RealTimeScheduler closed = new RealTimeScheduler();
    closed.close();
    boolean[] ran = {false};
    // A peer's late answer arrives on its own thread after the agent stopped.
    closed.execute(() -> ran[0] = true);
    Scheduler.Cancellable timer = closed.schedule(Duration.ofMillis(1), () -> ran[0] = true);
    timer.cancel();
    assertThat(ran[0]).isFalse();
  }
}
