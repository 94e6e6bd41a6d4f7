package io.vpanel.core.engine;

import io.vpanel.core.model.MigrationFailureCause;
import io.vpanel.core.plan.EvacuationPlanner;
import io.vpanel.core.plan.Sizes;
import io.vpanel.core.plan.TargetHost;
import io.vpanel.spi.hypervisor.MigrationHandle;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.MigrationStats;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.spi.management.Coordinator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs the moves of every host's run: starts each migration when a slot is free (the run's
 * concurrency on its source's link, or on its host's for a return), chooses its destination (the
 * planned one while it fits, else the best fit among hosts not tried), reserves the room with the
 * coordinator, starts it off the owner thread, follows its progress and outcome, and retries a
 * failed guest on another host. Never two migrations of one guest at once. Owner thread only.
 */
final class MigrationScheduler {
  private static final System.Logger log = System.getLogger(ClusterEngine.class.getName());
  private static final Duration PROGRESS_SAMPLE_PERIOD = Duration.ofSeconds(5);

  private final EngineParts parts;

  MigrationScheduler(EngineParts parts) {
    this.parts = parts;
  }

  /** Starts every migration that may start now. */
  void pump() {
    if (parts.closed) {
      return;
    }
    for (HostRecord owner : parts.hosts.all()) {
      Batch batch = owner.batch;
      if (batch == null || batch.cancelled || !batch.armed) {
        continue;
      }
      Iterator<Batch.Item> it = batch.pending.iterator();
      while (it.hasNext()) {
        Batch.Item item = it.next();
        if (parts.hosts.inFlight(item.vm.uuid())) {
          // Another run moves this guest now; never two migrations of one guest at once.
          continue;
        }
        if (batch.kind == Batch.Kind.RETURN) {
          Optional<String> where = parts.hosts.locate(item.vm.uuid());
          if (where.isEmpty() || where.get().equals(batch.host)) {
            it.remove();
            batch.done.add(item);
            continue;
          }
          item.source = where.get();
        }
        HostRecord source = parts.hosts.get(item.source);
        if (source == null || !source.connected || source.capacity == null) {
          continue;
        }
        if (!source.vms.containsKey(item.vm.uuid())) {
          // The guest left by other means (shut down and undefined, moved by someone else).
          it.remove();
          batch.done.add(item);
          continue;
        }
        if (!slotFree(batch, source)) {
          continue;
        }
        Optional<HostRecord> destination = chooseDestination(source, item);
        if (destination.isEmpty()) {
          if (batch.running.isEmpty() && parts.hosts.runsFrom(source.name()).isEmpty()) {
            it.remove();
            item.failures.add(
                "no host has room for "
                    + Sizes.bytes(item.vm.memoryBytes())
                    + ", "
                    + item.vm.vcpus()
                    + " vCPU");
            batch.failed.add(item);
          }
          continue;
        }
        it.remove();
        start(batch, item, source, destination.get());
      }
      parts.completion.check(owner);
    }
  }

  /**
   * Whether one more of {@code batch}'s migrations may start from {@code source}: an evacuation is
   * limited on its source's link, a return (many sources, one destination) on its host's link.
   */
  private boolean slotFree(Batch batch, HostRecord source) {
    int fixed = parts.settings.fixedConcurrency();
    if (fixed > 0) {
      return parts.hosts.runsFrom(source.name()).size() < fixed;
    }
    int inFlight =
        batch.kind == Batch.Kind.EVACUATE
            ? parts.hosts.runsFrom(source.name()).size()
            : parts.hosts.runsTo(batch.host).size();
    return inFlight < batch.concurrency;
  }

  private Optional<HostRecord> chooseDestination(HostRecord source, Batch.Item item) {
    long memory = item.vm.memoryBytes();
    int vcpus = item.vm.vcpus();
    if (item.fixedDestination != null) {
      HostRecord fixed = parts.hosts.get(item.fixedDestination);
      boolean usable =
          fixed != null
              && fixed.connected
              && fixed.capacity != null
              && parts.hosts.target(fixed).fits(memory, vcpus);
      return usable ? Optional.of(fixed) : Optional.empty();
    }
    List<TargetHost> candidates = new ArrayList<>();
    for (HostRecord host : parts.hosts.all()) {
      if (host != source && HostTable.acceptsGuests(host) && !item.tried.contains(host.name())) {
        candidates.add(parts.hosts.target(host));
      }
    }
    Optional<TargetHost> planned =
        candidates.stream()
            .filter(t -> t.name().equals(item.plannedDestination) && t.fits(memory, vcpus))
            .findFirst();
    if (planned.isPresent()) {
      return Optional.of(parts.hosts.get(planned.get().name()));
    }
    return EvacuationPlanner.bestFit(candidates, memory, vcpus)
        .map(i -> parts.hosts.get(candidates.get(i).name()));
  }

  private void start(Batch batch, Batch.Item item, HostRecord source, HostRecord destination) {
    int attempt = item.tried.size() + 1;
    Duration timeout =
        parts.timeouts.initial(item, source, parts.hosts.runsFrom(source.name()).size());
    Batch.Run run =
        new Batch.Run(item, destination.name(), parts.scheduler.now(), timeout, attempt);
    run.options =
        item.plannedOptions != null
            ? item.plannedOptions
            : parts.commands.optionsFor(source, item.vm, batch.concurrency);
    // In flight from now on (it holds a slot and its room), though it starts only once reserved.
    batch.running.put(item.vm.uuid(), run);
    run.mostInFlight = Math.max(1, parts.hosts.runsFrom(item.source).size());
    Coordinator.PlacementRequest request =
        new Coordinator.PlacementRequest(
            item.vm.uuid(),
            item.vm.name(),
            source.name(),
            destination.name(),
            item.vm.memoryBytes(),
            item.vm.vcpus());
    parts.onAnswer(
        () -> parts.coordinator.reserve(request),
        answer -> reserved(batch, run, source, destination, answer));
  }

  private void reserved(
      Batch batch,
      Batch.Run run,
      HostRecord source,
      HostRecord destination,
      CompletableFuture<Coordinator.Reservation> answer) {
    Coordinator.Reservation reservation;
    try {
      reservation = answer.join();
    } catch (RuntimeException e) {
      run.failureCause = MigrationFailureCause.COORDINATOR;
      finished(
          batch, run, MigrationOutcome.failure("no reservation: " + ActivityLog.reason(e), 0, 0));
      return;
    }
    if (!reservation.granted()) {
      run.failureCause = MigrationFailureCause.NO_ROOM;
      finished(batch, run, MigrationOutcome.failure("no room: " + reservation.reason(), 0, 0));
      return;
    }
    run.reservation = reservation;
    if (run.finished || run.abortReason != null) {
      finished(batch, run, MigrationOutcome.failure(run.abortReason, 0, 0));
      return;
    }
    Batch.Item item = run.item;
    parts.learning.started(item.source);
    parts.activity.record(
        "migration",
        batch.host,
        item.vm.name()
            + ": "
            + source.name()
            + " -> "
            + destination.name()
            + " started ("
            + run.options.featureLabel()
            + ")",
        Map.of(
            "event",
            "started",
            "vm",
            item.vm.name(),
            "source",
            source.name(),
            "destination",
            destination.name(),
            "memoryBytes",
            item.vm.memoryBytes(),
            "attempt",
            run.attempt,
            "features",
            run.options.featureLabel()));
    MigrationListener listener = listenerFor(batch, run);
    String uuid = item.vm.uuid();
    // migrate() should return at once, but a hung hypervisor could hold the caller: never the
    // owner.
    parts.blockingIo.execute(
        () -> {
          MigrationHandle handle;
          try {
            handle = source.connection.migrate(uuid, destination.endpoint, run.options, listener);
          } catch (RuntimeException e) {
            String reason = ActivityLog.reason(e);
            parts.scheduler.execute(
                () -> {
                  run.failureCause = MigrationFailureCause.START_FAILED;
                  finished(batch, run, MigrationOutcome.failure(reason, 0, 0));
                });
            return;
          }
          parts.scheduler.execute(() -> attach(run, handle));
        });
  }

  /** The driver's handle of a run; an abort asked for before it came is carried out now. */
  void attach(Batch.Run run, MigrationHandle handle) {
    run.handle = handle;
    if (run.abortReason != null && !run.finished) {
      parts.blockingIo.execute(handle::abort);
    }
  }

  /** A listener that hands the migration's reports to the owner thread. */
  MigrationListener listenerFor(Batch batch, Batch.Run run) {
    return new MigrationListener() {
      @Override
      public void onProgress(MigrationProgress progress) {
        parts.scheduler.execute(() -> progressed(run, progress));
      }

      @Override
      public void onFinished(MigrationOutcome outcome) {
        parts.scheduler.execute(() -> finished(batch, run, outcome));
      }
    };
  }

  /** A migration reported progress (owner thread). */
  void progressed(Batch.Run run, MigrationProgress progress) {
    if (run.finished) {
      return;
    }
    run.progress = progress;
    parts.learning.progressed(run.item.vm.uuid(), progress);
    List<Batch.Run> fromSource = parts.hosts.runsFrom(run.item.source);
    for (Batch.Run other : fromSource) {
      other.mostInFlight = Math.max(other.mostInFlight, fromSource.size());
    }
    if (progress.bandwidthBytesPerSec() > 0) {
      // The planned bandwidth was a guess; a hypervisor capped lower (or a slower link) gets the
      // time its real bandwidth needs. The timeout only ever grows.
      Duration measured = parts.timeouts.measured(run, progress);
      if (measured.compareTo(run.timeout) > 0) {
        run.timeout = measured;
      }
    }
    if (progress.processedBytes() > run.lastProcessed) {
      run.lastProcessed = progress.processedBytes();
      run.lastProgressAt = parts.scheduler.now();
    }
    sample(run, progress);
    parts.publish();
  }

  /** Records a migration's progress now and then: every 5 s or each tenth of its memory sent. */
  private void sample(Batch.Run run, MigrationProgress progress) {
    Instant now = parts.scheduler.now();
    long total = Math.max(1, run.item.vm.memoryBytes());
    int tenth = (int) Math.min(10, progress.processedBytes() * 10 / total);
    Instant last = run.lastSampleAt == null ? run.startedAt : run.lastSampleAt;
    boolean due = Duration.between(last, now).compareTo(PROGRESS_SAMPLE_PERIOD) >= 0;
    if (!due && tenth <= run.lastSampleTenth) {
      return;
    }
    run.lastSampleAt = now;
    run.lastSampleTenth = Math.max(run.lastSampleTenth, tenth);
    parts.activity.record(
        "migration",
        parts.hosts.ownerOf(run),
        run.item.vm.name()
            + ": "
            + Sizes.bytes(progress.processedBytes())
            + " sent, "
            + Sizes.bytes(run.bytesLeft())
            + " left, round "
            + progress.round(),
        Map.of(
            "event", "progress",
            "vm", run.item.vm.name(),
            "destination", run.destination,
            "processedBytes", progress.processedBytes(),
            "remainingBytes", run.bytesLeft(),
            "round", progress.round(),
            "bandwidthBytesPerSec", progress.bandwidthBytesPerSec()));
  }

  /** A migration ended: exactly once per run, whatever the driver reports after. */
  void finished(Batch batch, Batch.Run run, MigrationOutcome outcome) {
    if (run.finished) {
      return;
    }
    run.finished = true;
    batch.running.remove(run.item.vm.uuid());
    if (run.reservation != null) {
      parts.coordinator.unreserve(run.reservation);
    }
    Batch.Item item = run.item;
    Duration took = Duration.between(run.startedAt, parts.scheduler.now());
    parts.learning.finished(item.source, run, outcome, took);
    if (parts.hosts.runsFrom(item.source).isEmpty()) {
      parts.learning.idle(item.source);
    }
    parts.learning.changed(item.source).ifPresent(parts.journal::rememberLearning);
    HostRecord owner = parts.hosts.get(batch.host);
    if (outcome.succeeded()) {
      arrived(batch, run, owner);
      parts.activity.record(
          "migration",
          batch.host,
          item.vm.name()
              + ": "
              + item.source
              + " -> "
              + run.destination
              + " done in "
              + took.toMillis()
              + " ms"
              + fallbackNote(outcome),
          outcomeFields(
              run,
              outcome,
              took,
              Map.of(
                  "event",
                  "completed",
                  "vm",
                  item.vm.name(),
                  "source",
                  item.source,
                  "destination",
                  run.destination,
                  "rounds",
                  outcome.rounds(),
                  "downtimeMillis",
                  outcome.downtime().toMillis())));
    } else {
      String reason = run.abortReason != null ? run.abortReason : outcome.reason();
      MigrationFailureCause cause = run.abortReason != null ? run.abortCause : run.failureCause;
      item.tried.add(run.destination);
      item.failures.add("to " + run.destination + ": " + reason);
      parts.activity.record(
          "migration",
          batch.host,
          item.vm.name()
              + ": "
              + item.source
              + " -> "
              + run.destination
              + " failed: "
              + reason
              + fallbackNote(outcome),
          outcomeFields(
              run,
              outcome,
              took,
              Map.of(
                  "event",
                  "failed",
                  "vm",
                  item.vm.name(),
                  "source",
                  item.source,
                  "destination",
                  run.destination,
                  "reason",
                  reason,
                  "cause",
                  cause.label())));
      if (batch.cancelled) {
        batch.done.add(item);
      } else if (item.fixedDestination == null
          && item.tried.size() < parts.settings.destinationsPerVm()) {
        batch.pending.addFirst(item);
      } else {
        batch.failed.add(item);
      }
      // What the hypervisor reports wins over what we assumed: re-read both ends.
      Optional.ofNullable(parts.hosts.get(item.source)).ifPresent(parts.inventory::refresh);
      Optional.ofNullable(parts.hosts.get(run.destination)).ifPresent(parts.inventory::refresh);
    }
    pump();
    parts.completion.check(owner);
    // A host that waited for arrivals to be called off may finish now.
    Optional.ofNullable(parts.hosts.get(run.destination)).ifPresent(parts.completion::check);
    parts.publish();
  }

  /** The journal's fields of a migration's end: the caller's, then what was measured. */
  private static Map<String, Object> outcomeFields(
      Batch.Run run, MigrationOutcome outcome, Duration took, Map<String, Object> first) {
    Map<String, Object> fields = new LinkedHashMap<>(first);
    MigrationStats stats = outcome.stats();
    fields.put("bytesSent", outcome.bytesSent());
    fields.put("seconds", took.toMillis() / 1000.0);
    fields.put("features", featuresOf(run, stats));
    if (stats.measured()) {
      fields.put("setupSeconds", stats.setup().toMillis() / 1000.0);
      fields.put("bandwidthBytesPerSec", stats.bandwidthBytesPerSec());
      fields.put("dirtyRateBytesPerSec", stats.dirtyRateBytesPerSec());
    }
    if (!stats.fallback().isEmpty()) {
      fields.put("fallback", stats.fallback());
    }
    return fields;
  }

  /**
   * What a migration ran with: what the driver says it used, else what it was asked for; a
   * migration taken over after a restart was asked for nothing this agent knows.
   */
  private static String featuresOf(Batch.Run run, MigrationStats stats) {
    MigrationOptions asked = run.options == null ? MigrationOptions.DEFAULTS : run.options;
    if (!stats.used().isEmpty()) {
      return asked.withFeatures(stats.used(), asked.parallelConnections()).featureLabel();
    }
    if (run.options == null) {
      return "unknown (taken over)";
    }
    return stats.measured() ? "pre-copy" : run.options.featureLabel();
  }

  private static String fallbackNote(MigrationOutcome outcome) {
    String fallback = outcome.stats().fallback();
    return fallback.isEmpty() ? "" : " (" + fallback + ")";
  }

  /** Books a guest's arrival in both inventories and in the evacuation it belongs to. */
  private void arrived(Batch batch, Batch.Run run, HostRecord owner) {
    Batch.Item item = run.item;
    HostRecord source = parts.hosts.get(item.source);
    HostRecord destination = parts.hosts.get(run.destination);
    VmInfo moved = source.vms.remove(item.vm.uuid());
    parts.inventory.changed(source);
    if (destination != null) {
      destination.vms.put(
          item.vm.uuid(), (moved == null ? item.vm : moved).withState(VmState.RUNNING));
      parts.inventory.changed(destination);
    } else {
      // A migration taken over after a restart may name a host this agent does not know; the
      // guest left, and the periodic inventory read shows where it went.
      log.log(
          System.Logger.Level.WARNING,
          item.vm.name() + " arrived on " + run.destination + ", which is not a known host");
    }
    batch.done.add(item);
    if (batch.kind == Batch.Kind.EVACUATE) {
      // A guest that an earlier evacuation brought here goes home to where it came from, not here.
      Optional<HostRecord> home = parts.hosts.evacuatedFrom(item.vm.uuid()).filter(h -> h != owner);
      if (home.isPresent()) {
        home.get().evacuatedTo.put(item.vm.uuid(), run.destination);
      } else {
        owner.evacuatedTo.put(item.vm.uuid(), run.destination);
      }
    }
  }

  /** Asks the hypervisor to stop a migration; its outcome arrives through the listener. */
  void abort(Batch.Run run, MigrationFailureCause cause, String reason) {
    if (run.abortReason != null || run.finished) {
      return;
    }
    if (run.progress != null && run.progress.postCopy()) {
      // The guest runs on the destination already; an abort now would lose it. Let it finish.
      if (!run.postCopyKept) {
        run.postCopyKept = true;
        parts.activity.record(
            "migration",
            parts.hosts.ownerOf(run),
            run.item.vm.name()
                + ": not aborted ("
                + reason
                + "): in post-copy it runs on "
                + run.destination
                + " already, an abort would lose it",
            Map.of(
                "event",
                "kept",
                "vm",
                run.item.vm.name(),
                "destination",
                run.destination,
                "reason",
                reason));
      }
      return;
    }
    run.abortReason = reason;
    run.abortCause = cause;
    MigrationHandle handle = run.handle;
    if (handle != null) {
      parts.blockingIo.execute(handle::abort);
    }
  }
}
