package io.vpanel.driver.libvirt;

import io.vpanel.driver.libvirt.ConnectionSlot.Live;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.MigrationStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.TypedIntParameter;
import org.libvirt.TypedParameter;
import org.libvirt.TypedStringParameter;
import org.libvirt.TypedUlongParameter;

/**
 * One peer-to-peer live migration: the source daemon dials the destination's {@code migrationUri}
 * itself ({@code VIR_MIGRATE_LIVE | PEER2PEER | PERSIST_DEST | UNDEFINE_SOURCE}), with the features
 * the options ask for (multifd, XBZRLE, zstd, auto-converge, post-copy). When libvirt or QEMU
 * refuses one before the guest moved ({@link FeatureRefusal}) it runs again without it, at most
 * once per feature, and says so in {@link MigrationStats#fallback()}. Runs on its own thread; a
 * poller reads the job statistics every {@code progressIntervalMillis}; the listener gets exactly
 * one {@code onFinished}, with the {@link MigrationStats}, after which it gets nothing more.
 */
final class LibvirtMigration {
  private static final System.Logger log = System.getLogger(LibvirtMigration.class.getName());
  private static final int GET_JOB_STATS_COMPLETED = 1;
  private static final int GET_JOB_STATS_KEEP_COMPLETED = 2;

  private final LibvirtConnection source;
  private final String uuid;
  private final HostEndpoint destination;
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

  /** The options of the attempt that runs now: the requested ones minus what was refused. */
  private volatile MigrationOptions current;

  /** When migrate() was called; when a poll first saw processed bytes (0: not yet). */
  private final long requestedAt = System.nanoTime();

  private volatile long firstBytesAt;
  private volatile long highestDirtyRate;

  private final List<String> fallbacks = new ArrayList<>();

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
    this.current = options;
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
      dom.migrateSetMaxDowntime(Math.max(1, current.maxDowntime().toMillis()));
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
    Set<MigrationFeature> dropped = EnumSet.noneOf(MigrationFeature.class);
    while (true) {
      MigrationOptions attempt = current;
      try {
        TypedParameter[] params = parameters(attempt);
        if (params.length == 0) {
          // the binding's virDomainMigrateToURI3 fails on an empty array: the v1 call, unlimited
          dom.migrateToURI(destination.migrationUri(), flags(attempt), null, 0);
        } else {
          dom.migrateToURI(destination.migrationUri(), params, flags(attempt));
        }
        break;
      } catch (LibvirtException e) {
        Optional<MigrationFeature> refused =
            abortRequested ? Optional.empty() : FeatureRefusal.refused(e, attempt.features());
        if (refused.isPresent() && dropped.add(refused.get()) && nothingMoved(dom)) {
          MigrationFeature feature = refused.get();
          String note =
              feature.label()
                  + " refused by "
                  + FeatureRefusal.refuser(e)
                  + " migrating "
                  + name
                  + " from "
                  + from
                  + " to "
                  + destination.name()
                  + " ("
                  + LibvirtErrors.message(e)
                  + "); ran without it";
          log.log(System.Logger.Level.WARNING, note);
          synchronized (lock) {
            fallbacks.add(note);
          }
          current = attempt.without(feature);
          continue;
        }
        poller.interrupt();
        failed(e, from);
        return;
      } catch (RuntimeException e) {
        poller.interrupt();
        finish(MigrationOutcome.failure("migration of " + name + " failed: " + e, 0, 0));
        return;
      }
    }
    poller.interrupt();
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    finish(completed(tookMillis));
  }

  /** No byte of the guest was seen on the wire and it still runs here: it can run again. */
  private boolean nothingMoved(Domain dom) {
    MigrationProgress seen = lastProgress();
    if (firstBytesAt != 0 || (seen != null && seen.processedBytes() > 0)) {
      return false;
    }
    try {
      return dom.isActive() == 1 && !JobStats.of(dom.getJobStats(0)).active();
    } catch (LibvirtException | RuntimeException e) {
      return false;
    }
  }

  private void failed(LibvirtException e, String from) {
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
    long bytes = seen == null ? 0 : seen.processedBytes();
    finish(MigrationOutcome.failure(text, bytes, seen == null ? 0 : seen.round() + 1));
  }

  /**
   * The flags for {@code options}. {@code VIR_MIGRATE_PARALLEL} (1 << 17) for multifd, {@code
   * VIR_MIGRATE_COMPRESSED} (1 << 11) for XBZRLE and for zstd (which also needs PARALLEL: QEMU
   * compresses multifd channels only), {@code VIR_MIGRATE_AUTO_CONVERGE} (1 << 13), {@code
   * VIR_MIGRATE_POSTCOPY} (1 << 15): all named by the 0.5.4 binding.
   */
  static int flags(MigrationOptions options) {
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
    if (options.parallelConnections() > 1) {
      flags |= Domain.MigrateFlags.PARALLEL;
    }
    if (options.compression() != MigrationOptions.Compression.NONE) {
      flags |= Domain.MigrateFlags.COMPRESSED;
    }
    return flags;
  }

  /**
   * The typed parameters for {@code options}: bandwidth, auto-converge steps, {@code
   * parallel.connections} for multifd and {@code compression} ({@code xbzrle}, or {@code zstd} over
   * multifd).
   */
  private TypedParameter[] parameters(MigrationOptions options) {
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
    if (options.parallelConnections() > 1) {
      params.add(
          new TypedIntParameter(
              Domain.DomainMigrateParameters.VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS,
              options.parallelConnections()));
    }
    switch (options.compression()) {
      case XBZRLE ->
          params.add(
              new TypedStringParameter(
                  Domain.DomainMigrateParameters.VIR_MIGRATE_PARAM_COMPRESSION, "xbzrle"));
      case ZSTD ->
          params.add(
              new TypedStringParameter(
                  Domain.DomainMigrateParameters.VIR_MIGRATE_PARAM_COMPRESSION, "zstd"));
      case NONE -> {}
    }
    return params.toArray(TypedParameter[]::new);
  }

  /** Reads the job statistics until interrupted; the end is reported by run(), not here. */
  private void poll(Domain dom) {
    DowntimeStepper downtime =
        new DowntimeStepper(name, current.maxDowntime().toMillis(), 1, settings);
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
      if (current.postCopy()
          && !postCopyStarted
          && stats.iteration() > settings.postCopyAfterRounds()) {
        postCopyStarted = NativeDomain.startPostCopy(dom);
      }
      if (firstBytesAt == 0 && stats.processed() > 0) {
        firstBytesAt = System.nanoTime();
      }
      highestDirtyRate = Math.max(highestDirtyRate, stats.dirtyRateBytesPerSec());
      if (!postCopyStarted) {
        downtime.onRound(dom, stats.iteration());
      }
      MigrationProgress measured = stats.progress(Instant.now(), memoryBytes);
      MigrationProgress progress =
          postCopyStarted
              ? new MigrationProgress(
                  measured.processedBytes(),
                  measured.remainingBytes(),
                  measured.totalBytes(),
                  measured.dirtyRateBytesPerSec(),
                  measured.round(),
                  measured.bandwidthBytesPerSec(),
                  measured.at(),
                  true)
              : measured;
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

  /**
   * What this migration measured, at {@code end}: setup from the migrate() call to the first poll
   * that saw processed bytes (refused attempts included), transfer from then to the end; when no
   * poll saw bytes (a migration shorter than a poll interval), the destination's completed record
   * splits the time instead ({@code time_elapsed} minus {@code setup_time}). Bandwidth is the
   * average over the transfer, {@code processedBytes} / transfer (all connections, re-sent pages
   * included; QEMU's {@code memory_bps} is only the latest iteration's rate). Dirty rate: the
   * highest {@code memory_dirty_rate} x page size seen. Used: the features of the last attempt,
   * post-copy only when the switch to it happened.
   */
  private MigrationStats stats(long end, Optional<JobStats> completedRecord, long processedBytes) {
    long total = Math.max(0, end - requestedAt);
    long transfer;
    if (firstBytesAt != 0) {
      transfer = Math.max(0, end - firstBytesAt);
    } else if (completedRecord.isPresent() && completedRecord.get().number("time_elapsed") > 0) {
      JobStats done = completedRecord.get();
      long ms = done.number("time_elapsed") - Math.max(0, done.number("setup_time"));
      transfer = Math.min(total, Math.max(0, ms) * 1_000_000);
    } else {
      transfer = 0;
    }
    long setup = total - transfer;
    long bandwidth = transfer > 0 ? (long) (processedBytes * 1e9 / transfer) : 0;
    long dirty = highestDirtyRate;
    if (completedRecord.isPresent()) {
      dirty = Math.max(dirty, completedRecord.get().dirtyRateBytesPerSec());
    }
    MigrationOptions ran = current;
    Set<MigrationFeature> used = EnumSet.noneOf(MigrationFeature.class);
    used.addAll(ran.features());
    if (!postCopyStarted) {
      used.remove(MigrationFeature.POST_COPY);
    }
    String fallback;
    synchronized (lock) {
      fallback = String.join("; ", fallbacks);
    }
    return new MigrationStats(
        Duration.ofNanos(setup), Duration.ofNanos(transfer), bandwidth, dirty, used, fallback);
  }

  /** The end of a successful migration, with the numbers the destination keeps. */
  private MigrationOutcome completed(long tookMillis) {
    long end = System.nanoTime();
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
    return MigrationOutcome.success(Math.max(1, bytes), Math.max(1, rounds), downtime)
        .withStats(stats(end, done, bytes));
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

  /** Reports the end once; an outcome without measurements gets what was seen of this one. */
  private void finish(MigrationOutcome outcome) {
    MigrationOutcome measured =
        outcome.stats() == MigrationStats.NONE
            ? outcome.withStats(stats(System.nanoTime(), Optional.empty(), outcome.bytesSent()))
            : outcome;
    synchronized (lock) {
      if (finished) {
        return;
      }
      finished = true;
      listener.onFinished(measured);
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
