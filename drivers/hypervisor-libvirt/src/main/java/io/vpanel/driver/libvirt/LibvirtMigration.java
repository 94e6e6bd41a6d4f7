package io.vpanel.driver.libvirt;

import io.vpanel.driver.libvirt.ConnectionSlot.Live;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.TypedIntParameter;
import org.libvirt.TypedParameter;
import org.libvirt.TypedUlongParameter;

/**
 * One peer-to-peer live migration: the source daemon dials the destination's {@code migrationUri}
 * itself ({@code VIR_MIGRATE_LIVE | PEER2PEER | PERSIST_DEST | UNDEFINE_SOURCE}). Runs on its own
 * thread; a poller reads the job statistics every {@code progressIntervalMillis}; the listener gets
 * exactly one {@code onFinished}, after which it gets nothing more.
 */
final class LibvirtMigration {
  private static final System.Logger log = System.getLogger(LibvirtMigration.class.getName());
  private static final int GET_JOB_STATS_COMPLETED = 1;
  private static final int GET_JOB_STATS_KEEP_COMPLETED = 2;

  private final LibvirtConnection source;
  private final String uuid;
  private final HostEndpoint destination;
  private final MigrationOptions options;
  private final LibvirtSettings settings;
  private final MigrationListener listener;

  private final Object lock = new Object();
  private boolean finished;
  private volatile boolean abortRequested;
  private volatile Domain domain;
  private volatile boolean jobSeen;
  private volatile boolean postCopyStarted;
  private MigrationProgress last;
  private String name;
  private volatile long memoryBytes;

  LibvirtMigration(
      LibvirtConnection source,
      String uuid,
      HostEndpoint destination,
      MigrationOptions options,
      LibvirtSettings settings,
      MigrationListener listener) {
    this.source = source;
    this.uuid = uuid;
    this.destination = destination;
    this.options = options;
    this.settings = settings;
    this.listener = listener;
    this.name = uuid;
  }

  void run() {
    String from = source.endpoint().name();
    Live<Connect> live; // used for the whole migration: a failure names this connection
    try {
      live = source.live();
      domain = source.lookup(live, uuid);
    } catch (DriverException e) {
      finish(MigrationOutcome.failure(e.getMessage(), 0, 0));
      return;
    }
    Domain dom = domain;
    try {
      name = dom.getName();
      memoryBytes = dom.getInfo().maxMem * 1024;
      if (dom.isActive() == 0) {
        finish(MigrationOutcome.failure(name + " is not running on " + from, 0, 0));
        return;
      }
      if (destination.migrationUri().isBlank()) {
        finish(
            MigrationOutcome.failure(
                "host " + destination.name() + " has no migrationUri to send " + name + " to",
                0,
                0));
        return;
      }
      dom.migrateSetMaxDowntime(Math.max(1, options.maxDowntime().toMillis()));
    } catch (LibvirtException e) {
      finish(
          MigrationOutcome.failure(
              source
                  .failure(
                      "cannot prepare "
                          + name
                          + " on "
                          + from
                          + " for migration to "
                          + destination.name(),
                      e,
                      live)
                  .getMessage(),
              0,
              0));
      return;
    }
    if (abortRequested) {
      finish(MigrationOutcome.failure("aborted before " + name + " started to move", 0, 0));
      return;
    }
    Thread poller =
        Thread.ofPlatform().daemon().name("libvirt-jobstats-" + name).start(() -> poll(dom));
    long started = System.nanoTime();
    try {
      dom.migrateToURI(destination.migrationUri(), parameters(), flags());
    } catch (LibvirtException e) {
      poller.interrupt();
      String reason = LibvirtErrors.message(e);
      String text =
          (abortRequested ? "aborted: " : "")
              + "migration of "
              + name
              + " from "
              + from
              + " to "
              + destination.name()
              + " failed: "
              + reason;
      MigrationProgress seen = lastProgress();
      finish(
          MigrationOutcome.failure(
              text, seen == null ? 0 : seen.processedBytes(), seen == null ? 0 : seen.round() + 1));
      return;
    } catch (RuntimeException e) {
      poller.interrupt();
      finish(MigrationOutcome.failure("migration of " + name + " failed: " + e, 0, 0));
      return;
    }
    poller.interrupt();
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    finish(completed(tookMillis));
  }

  private int flags() {
    int flags =
        Domain.MigrateFlags.LIVE
            | Domain.MigrateFlags.PEER2PEER
            | Domain.MigrateFlags.PERSIST_DEST
            | Domain.MigrateFlags.UNDEFINE_SOURCE;
    if (options.autoConverge()) {
      flags |= Domain.MigrateFlags.AUTO_CONVERGE;
    }
    if (options.postCopy()) {
      flags |= Domain.MigrateFlags.POSTCOPY;
    }
    return flags;
  }

  private TypedParameter[] parameters() {
    List<TypedParameter> params = new ArrayList<>();
    long bandwidthMiB =
        options.bandwidthBytesPerSec() > 0
            ? Math.max(1, options.bandwidthBytesPerSec() / (1024 * 1024))
            : settings.migrationBandwidthMiBps();
    if (bandwidthMiB > 0) {
      params.add(
          new TypedUlongParameter(
              Domain.DomainMigrateParameters.VIR_MIGRATE_PARAM_BANDWIDTH, bandwidthMiB));
    }
    if (options.autoConverge()) {
      params.add(
          new TypedIntParameter(
              Domain.DomainMigrateParameters.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL,
              settings.autoConvergeInitialPercent()));
      params.add(
          new TypedIntParameter(
              Domain.DomainMigrateParameters.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT,
              settings.autoConvergeIncrementPercent()));
    }
    return params.toArray(TypedParameter[]::new);
  }

  /** Reads the job statistics until interrupted; the end is reported by run(), not here. */
  private void poll(Domain dom) {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(settings.progressIntervalMillis());
      } catch (InterruptedException e) {
        return;
      }
      JobStats stats;
      try {
        stats = JobStats.of(dom.getJobStats(0));
      } catch (LibvirtException | RuntimeException e) {
        continue; // the job just ended, or the guest already left
      }
      if (!stats.active()) {
        continue;
      }
      jobSeen = true;
      if (abortRequested) {
        abortJob(dom);
      }
      if (options.postCopy()
          && !postCopyStarted
          && stats.iteration() > settings.postCopyAfterRounds()) {
        postCopyStarted = NativeDomain.startPostCopy(dom);
      }
      MigrationProgress progress = stats.progress(Instant.now(), memoryBytes);
      synchronized (lock) {
        if (finished || Thread.currentThread().isInterrupted()) {
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

  private MigrationProgress lastProgress() {
    synchronized (lock) {
      return last;
    }
  }

  /** The end of a successful migration, with the numbers the destination keeps. */
  private MigrationOutcome completed(long tookMillis) {
    MigrationProgress seen = lastProgress();
    long bytes = seen == null ? 0 : seen.processedBytes();
    int rounds = seen == null ? 0 : seen.round() + 1;
    Duration downtime = Duration.ZERO;
    Optional<JobStats> done = completedStats();
    if (done.isPresent()) {
      JobStats stats = done.get();
      bytes = Math.max(bytes, stats.processed());
      rounds = Math.max(rounds, stats.iteration());
      long ms = stats.number("downtime");
      if (ms >= 0) {
        downtime = Duration.ofMillis(ms);
      }
    }
    log.log(
        System.Logger.Level.DEBUG,
        name + " -> " + destination.name() + " in " + tookMillis + " ms, " + bytes + " bytes");
    return MigrationOutcome.success(Math.max(1, bytes), Math.max(1, rounds), downtime);
  }

  /**
   * The destination's record of the finished job (the source's is gone with the undefined domain).
   * Read through this driver's own connection to the destination when it has one, else through a
   * short-lived connection to the destination's {@code uri}.
   */
  private Optional<JobStats> completedStats() {
    Optional<LibvirtConnection> known = source.driver().connectionTo(destination.name());
    Connect temporary = null;
    try {
      Connect c;
      if (known.isPresent()) {
        c = known.get().live().connection();
      } else if (!destination.uri().isBlank()) {
        temporary = new Connect(destination.uri());
        c = temporary;
      } else {
        return Optional.empty();
      }
      Domain arrived = c.domainLookupByUUIDString(uuid);
      return Optional.of(
          JobStats.of(arrived.getJobStats(GET_JOB_STATS_COMPLETED | GET_JOB_STATS_KEEP_COMPLETED)));
    } catch (LibvirtException | DriverException e) {
      return Optional.empty();
    } finally {
      if (temporary != null) {
        try {
          temporary.close();
        } catch (LibvirtException e) {
          // nothing to do
        }
      }
    }
  }

  private void finish(MigrationOutcome outcome) {
    synchronized (lock) {
      if (finished) {
        return;
      }
      finished = true;
      listener.onFinished(outcome);
    }
  }

  /**
   * Asks libvirt to cancel; run() then reports the failure (or the success, if it was too late).
   */
  void abort() {
    synchronized (lock) {
      if (finished) {
        return;
      }
    }
    abortRequested = true;
    Domain dom = domain;
    if (dom != null) {
      abortJob(dom);
    }
  }

  private void abortJob(Domain dom) {
    try {
      dom.abortJob();
    } catch (LibvirtException | RuntimeException e) {
      // no job yet (the poller tries again once it sees one) or already over
      log.log(System.Logger.Level.DEBUG, "abortJob of " + name + ": " + e.getMessage());
    }
  }
}
