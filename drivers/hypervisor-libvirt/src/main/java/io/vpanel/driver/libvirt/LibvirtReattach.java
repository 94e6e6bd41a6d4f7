package io.vpanel.driver.libvirt;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.MigrationStats;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * A peer-to-peer migration that an earlier run of the agent started and the source daemon still
 * runs (libvirtd keeps a p2p job going when the client that started it dies: see the README). A
 * poller thread reads the job statistics every {@code progressIntervalMillis} through the source
 * connection as it is now (so it survives a reconnect), reports progress, and once the job has
 * ended tells the listener exactly once what really happened: success when the guest is no longer
 * active here and runs on the destination, failure otherwise. A job that does not converge gets the
 * same downtime steps as one this run started ({@link DowntimeStepper}), counted from the round and
 * the limit it has when it is taken over.
 */
final class LibvirtReattach {
  private static final System.Logger log = System.getLogger(LibvirtReattach.class.getName());
  private static final int GET_JOB_STATS_COMPLETED = 1;
  private static final int GET_JOB_STATS_KEEP_COMPLETED = 2;

  /** QEMU's {@code downtime-limit} default, for a libvirt that cannot report the job's own. */
  private static final long QEMU_DEFAULT_DOWNTIME_MILLIS = 300;

  private final LibvirtConnection source;
  private final String uuid;
  private final String name;
  private final LibvirtConnection destination;
  private final long memoryBytes;
  private final LibvirtSettings settings;
  private final MigrationListener listener;

  private final Object lock = new Object();
  private boolean finished;
  private volatile long highestDirtyRate;
  private volatile long firstProcessed = -1;
  private volatile boolean abortRequested;
  private MigrationProgress last;
  private final long started = System.nanoTime();

  LibvirtReattach(
      LibvirtConnection source,
      String uuid,
      String name,
      LibvirtConnection destination,
      long memoryBytes,
      LibvirtSettings settings,
      MigrationListener listener) {
    this.source = source;
    this.uuid = uuid;
    this.name = name;
    this.destination = destination;
    this.memoryBytes = memoryBytes;
    this.settings = settings;
    this.listener = listener;
  }

  void start() {
    Thread.ofPlatform()
        .daemon()
        .name("libvirt-reattached-" + source.endpoint().name() + "-" + name)
        .start(this::poll);
  }

  private void poll() {
    DowntimeStepper downtime = null; // made at the first poll of the running job
    while (true) {
      try {
        Thread.sleep(settings.progressIntervalMillis());
      } catch (InterruptedException e) {
        return;
      }
      if (source.isClosed()) {
        return; // the agent is stopping: the job is left to the hypervisor again
      }
      Connect c;
      try {
        c = source.live().connection();
      } catch (DriverException e) {
        continue; // reconnecting; the job goes on in the daemon meanwhile
      }
      Domain dom;
      try {
        dom = c.domainLookupByUUIDString(uuid);
      } catch (LibvirtException e) {
        if (LibvirtErrors.noDomain(e)) {
          finish(ended(false)); // undefined here: it left (UNDEFINE_SOURCE)
          return;
        }
        continue; // a broken call; the connection reconnects
      }
      JobStats stats;
      boolean active;
      try {
        stats = JobStats.of(dom.getJobStats(0));
        active = dom.isActive() == 1;
      } catch (LibvirtException e) {
        if (LibvirtErrors.noDomain(e)) {
          finish(ended(false));
          return;
        }
        continue;
      }
      if (!stats.outgoingMigration()) {
        finish(ended(active));
        return;
      }
      if (abortRequested) {
        abortJob(dom);
      }
      if (!stats.active()) {
        continue;
      }
      highestDirtyRate = Math.max(highestDirtyRate, stats.dirtyRateBytesPerSec());
      if (downtime == null) {
        downtime =
            new DowntimeStepper(
                name,
                NativeDomain.maxDowntimeMillis(dom).orElse(QEMU_DEFAULT_DOWNTIME_MILLIS),
                stats.iteration(),
                settings);
      } else {
        downtime.onRound(dom, stats.iteration());
      }
      if (firstProcessed < 0) {
        firstProcessed = stats.processed();
      }
      MigrationProgress progress = stats.progress(Instant.now(), memoryBytes);
      synchronized (lock) {
        if (finished) {
          return;
        }
        if (last != null && progress.processedBytes() < last.processedBytes()) {
          continue; // never report going backwards
        }
        last = progress;
        listener.onProgress(progress);
      }
    }
  }

  /** The job has ended; {@code activeHere}: the guest still runs (or is paused) on the source. */
  private MigrationOutcome ended(boolean activeHere) {
    MigrationProgress seen;
    synchronized (lock) {
      seen = last;
    }
    long bytes = seen == null ? 0 : seen.processedBytes();
    int rounds = seen == null ? 0 : seen.round() + 1;
    String from = source.endpoint().name();
    String to = destination.endpoint().name();
    if (activeHere) {
      return MigrationOutcome.failure(
          (abortRequested ? "aborted: " : "")
              + "migration of "
              + name
              + " from "
              + from
              + " to "
              + to
              + " (taken over after a restart) ended and "
              + name
              + " still runs on "
              + from,
          bytes,
          rounds);
    }
    Optional<Boolean> there = runningOn(destination);
    if (there.isPresent() && !there.get()) {
      return MigrationOutcome.failure(
          "migration of "
              + name
              + " from "
              + from
              + " to "
              + to
              + " (taken over after a restart) ended, but "
              + name
              + " is neither active on "
              + from
              + " nor running on "
              + to,
          bytes,
          rounds);
    }
    // running on the destination (or it cannot be asked now: it left the source, which libvirt
    // only undefines once the destination has confirmed)
    Duration downtime = Duration.ZERO;
    Optional<JobStats> done = completedStats();
    if (done.isPresent()) {
      bytes = Math.max(bytes, done.get().processed());
      rounds = Math.max(rounds, done.get().iteration());
      long ms = done.get().number("downtime");
      if (ms >= 0) {
        downtime = Duration.ofMillis(ms);
      }
    }
    log.log(
        System.Logger.Level.DEBUG,
        name
            + " -> "
            + to
            + " (reattached) ended after "
            + (System.nanoTime() - started) / 1_000_000
            + " ms");
    return MigrationOutcome.success(Math.max(1, bytes), Math.max(1, rounds), downtime)
        .withStats(stats(done, bytes));
  }

  /**
   * What can be measured of a migration another agent started: with the destination's completed
   * record, libvirt's own split ({@code setup_time}, {@code time_elapsed} minus it) and bytes over
   * that; without it, the time and bytes since the takeover. {@code used} stays empty: libvirt's
   * job statistics do not say which features the earlier agent chose.
   */
  private MigrationStats stats(Optional<JobStats> done, long bytes) {
    Duration setup = Duration.ZERO;
    Duration transfer;
    long sent;
    if (done.isPresent() && done.get().number("time_elapsed") > 0) {
      long setupMs = Math.max(0, done.get().number("setup_time"));
      setup = Duration.ofMillis(setupMs);
      transfer = Duration.ofMillis(Math.max(0, done.get().number("time_elapsed") - setupMs));
      sent = bytes;
    } else {
      transfer = Duration.ofNanos(System.nanoTime() - started);
      sent = Math.max(0, bytes - Math.max(0, firstProcessed));
    }
    long bandwidth = transfer.isZero() ? 0 : (long) (sent * 1e9 / transfer.toNanos());
    return new MigrationStats(setup, transfer, bandwidth, highestDirtyRate, Set.of(), "");
  }

  /** Whether the guest runs on {@code host}; empty when that host cannot be asked. */
  private Optional<Boolean> runningOn(LibvirtConnection host) {
    try {
      Domain there = host.live().connection().domainLookupByUUIDString(uuid);
      return Optional.of(
          there.getInfo().state == org.libvirt.DomainInfo.DomainState.VIR_DOMAIN_RUNNING);
    } catch (LibvirtException e) {
      return LibvirtErrors.noDomain(e) ? Optional.of(false) : Optional.empty();
    } catch (DriverException e) {
      return Optional.empty();
    }
  }

  private Optional<JobStats> completedStats() {
    try {
      Domain arrived = destination.live().connection().domainLookupByUUIDString(uuid);
      return Optional.of(
          JobStats.of(arrived.getJobStats(GET_JOB_STATS_COMPLETED | GET_JOB_STATS_KEEP_COMPLETED)));
    } catch (LibvirtException | DriverException e) {
      return Optional.empty();
    }
  }

  private void finish(MigrationOutcome outcome) {
    MigrationOutcome measured =
        outcome.stats() == MigrationStats.NONE
            ? outcome.withStats(stats(Optional.empty(), outcome.bytesSent()))
            : outcome;
    synchronized (lock) {
      if (finished) {
        return;
      }
      finished = true;
      listener.onFinished(measured);
    }
  }

  /** Asks libvirt to cancel (through a fresh lookup); the poller then reports the end. */
  void abort() {
    synchronized (lock) {
      if (finished) {
        return;
      }
    }
    abortRequested = true;
    try {
      abortJob(source.live().connection().domainLookupByUUIDString(uuid));
    } catch (LibvirtException | DriverException e) {
      // the poller tries again on its next read
    }
  }

  private void abortJob(Domain dom) {
    try {
      dom.abortJob();
    } catch (LibvirtException | RuntimeException e) {
      log.log(System.Logger.Level.DEBUG, "abortJob of " + name + ": " + e.getMessage());
    }
  }
}
