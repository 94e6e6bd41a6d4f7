package io.vpanel.driver.libvirt;

import io.vpanel.driver.libvirt.ConnectionSlot.Live;
import io.vpanel.spi.DriverException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * Samples the dirty rate of every running guest of one host in the background, so that {@link
 * LibvirtConnection#inventory()} never waits for a calculation: every {@code
 * dirtyRateSampleSeconds} it starts libvirt's dirty-rate calculation ({@code
 * virDomainStartDirtyRateCalc}, one second, page sampling) on each running guest that has no job,
 * waits for it to finish (up to {@link #CALC_GRACE} beyond its period), and keeps the result
 * ({@code dirtyrate.megabytes_per_second} of {@code
 * virDomainListGetStats(VIR_DOMAIN_STATS_DIRTYRATE)}). The inventory reports the latest finished
 * sample (its own, or one another client of the daemon started); a guest never sampled yet reports
 * 0 (unknown). Runs on one daemon thread per connection; a connection that is down or being
 * re-established only skips a round.
 *
 * <p>No calculation runs beside a migration this connection starts: a migration waits for a round
 * in progress to end ({@link #migrationStarting()}), and no round starts while one runs or for
 * {@link #QUIET_AFTER_MIGRATION} after the last one ended, so the short gap between one migration
 * and the next of an evacuation is not taken for a quiet host (QEMU 7.2 with TCG was seen to hang a
 * switch-over, or never converge, when a calculation ran beside the migration of its guest: on the
 * real-QEMU bench, one-at-a-time evacuations that take 33 s took 178 s and 240 s).
 */
final class DirtyRateSampler {
  private static final System.Logger log = System.getLogger(DirtyRateSampler.class.getName());
  private static final int CALC_SECONDS = 1;
  private static final long MIB = 1024 * 1024;

  private final String host;
  private final int everySeconds;
  private final Supplier<Live<Connect>> connection;
  private final Map<String, Long> latest = new ConcurrentHashMap<>();

  /**
   * How long a round waits beyond a calculation's period for QEMU to finish it. On a host whose
   * CPUs are busy (five TCG guests booting on two cores, on the real-QEMU bench) a one-second
   * calculation was still measuring when read 1.3 s after its start, round after round, and the
   * next round's start began it again: no guest got a sample for as long as the load lasted. A
   * migration about to start cuts the wait short.
   */
  static final Duration CALC_GRACE = Duration.ofSeconds(10);

  private static final long CALC_POLL_MILLIS = 250;

  /** How long after a migration ended no round starts. */
  static final Duration QUIET_AFTER_MIGRATION = Duration.ofSeconds(5);

  /** Held by a round from its check to its last read; a migration about to start takes it too. */
  private final ReentrantLock round = new ReentrantLock();

  private final AtomicInteger migrations = new AtomicInteger();

  /** Migrations waiting for a round to end: a round waiting for QEMU stops waiting for them. */
  private final AtomicInteger migrationWaiting = new AtomicInteger();

  private final LongSupplier nanoTime;
  private volatile long quietUntilNanos;
  private volatile Thread thread;

  DirtyRateSampler(String host, int everySeconds, Supplier<Live<Connect>> connection) {
    this(host, everySeconds, connection, System::nanoTime);
  }

  /** The same with its own monotonic clock (tests). */
  DirtyRateSampler(
      String host, int everySeconds, Supplier<Live<Connect>> connection, LongSupplier nanoTime) {
    this.host = host;
    this.everySeconds = everySeconds;
    this.connection = connection;
    this.nanoTime = nanoTime;
    this.quietUntilNanos = nanoTime.getAsLong();
  }

  /** Starts the sampling thread (nothing when sampling is off). */
  void start() {
    if (everySeconds <= 0) {
      return;
    }
    thread =
        Thread.ofPlatform().daemon().name("libvirt-dirtyrate-" + host).start(this::sampleForever);
  }

  /** The latest finished sample of guest {@code uuid} in bytes/s, 0 when there is none. */
  long bytesPerSec(String uuid) {
    return latest.getOrDefault(uuid, 0L);
  }

  /**
   * A migration from this host is about to start (its own thread, never the caller's): waits for a
   * round in progress to end (at most about {@code CALC_SECONDS}: a round waiting for a slow
   * calculation stops at its next poll) and keeps the next ones off until {@link
   * #migrationEnded()}.
   */
  void migrationStarting() {
    migrationWaiting.incrementAndGet();
    round.lock();
    try {
      migrations.incrementAndGet();
    } finally {
      migrationWaiting.decrementAndGet();
      round.unlock();
    }
  }

  /** A migration {@link #migrationStarting() started} ended, however it ended. */
  void migrationEnded() {
    quietUntilNanos = nanoTime.getAsLong() + QUIET_AFTER_MIGRATION.toNanos();
    migrations.decrementAndGet();
  }

  void stop() {
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  private void sampleForever() {
    while (!Thread.currentThread().isInterrupted()) {
      long began = System.nanoTime();
      try {
        sampleOnce();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.DEBUG, host + ": dirty-rate sample failed: " + e);
      }
      long waitMillis = everySeconds * 1000L - (System.nanoTime() - began) / 1_000_000;
      try {
        Thread.sleep(Math.max(100, waitMillis));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** A job runs on the guest, or it is an incoming migration (whose statistics libvirt refuses). */
  private static boolean migrating(Domain domain) {
    try {
      return JobStats.of(domain.getJobStats(0)).active();
    } catch (LibvirtException | RuntimeException e) {
      return true;
    }
  }

  /** One round: start a calculation on every running guest without a job, then read them all. */
  void sampleOnce() throws InterruptedException {
    round.lockInterruptibly();
    try {
      if (migrations.get() > 0 || nanoTime.getAsLong() - quietUntilNanos < 0) {
        return;
      }
      sampleRound();
    } finally {
      round.unlock();
    }
  }

  private void sampleRound() throws InterruptedException {
    Connect c;
    try {
      c = connection.get().connection();
    } catch (DriverException e) {
      return; // down or reconnecting: next round
    }
    List<Domain> started = new ArrayList<>();
    List<String> running = new ArrayList<>();
    try {
      Domain[] domains = c.listAllDomains(1 /* VIR_CONNECT_LIST_DOMAINS_ACTIVE */);
      boolean anyMigrating = false;
      for (Domain domain : domains) {
        running.add(domain.getUUIDString());
        anyMigrating |= migrating(domain);
      }
      if (anyMigrating) {
        // No calculation on this host while a guest migrates to or from it: a migration's
        // switch-over was seen to hang on QEMU 7.2 (TCG) with calculations running beside it, and
        // the migration's own job statistics say how fast its guest dirties.
        latest.keySet().retainAll(running);
        return;
      }
      for (Domain domain : domains) {
        // Read it afterwards even when the start was refused: another client (a second agent, an
        // operator's virsh domdirtyrate-calc) may be calculating it already, and its result serves
        // as well as ours.
        NativeDomain.startDirtyRateCalc(domain, CALC_SECONDS);
        started.add(domain);
      }
    } catch (LibvirtException e) {
      return;
    }
    latest.keySet().retainAll(running);
    if (started.isEmpty()) {
      return;
    }
    Thread.sleep(CALC_SECONDS * 1000L + 300);
    long deadline = System.nanoTime() + CALC_GRACE.toNanos();
    List<Domain> pending = new ArrayList<>(started);
    while (true) {
      for (Iterator<Domain> it = pending.iterator(); it.hasNext(); ) {
        Domain domain = it.next();
        try {
          String uuid = domain.getUUIDString();
          Optional<NativeDomain.DirtyRate> rate = NativeDomain.dirtyRate(domain);
          if (rate.isPresent() && rate.get().status() == NativeDomain.DIRTYRATE_MEASURING) {
            continue; // still measuring: read again
          }
          if (rate.isPresent() && rate.get().measured()) {
            latest.put(uuid, rate.get().megabytesPerSecond() * MIB);
          }
        } catch (LibvirtException | RuntimeException e) {
          // gone meanwhile
        }
        it.remove();
      }
      if (pending.isEmpty() || migrationWaiting.get() > 0 || System.nanoTime() > deadline) {
        return;
      }
      Thread.sleep(CALC_POLL_MILLIS);
    }
  }

  /** Whether guest {@code uuid} has a finished sample (0 for a guest that wrote nothing). */
  boolean sampled(String uuid) {
    return latest.containsKey(uuid);
  }
}
