package io.vpanel.core.engine;

import io.vpanel.core.model.AlertSourceView;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.HaStatus;
import io.vpanel.core.model.HostStatus;
import io.vpanel.core.model.MaintenanceView;
import io.vpanel.core.model.MigrationView;
import io.vpanel.core.model.PfaStatus;
import io.vpanel.core.model.ProgressView;
import io.vpanel.core.model.VmView;
import io.vpanel.core.panel.PanelProjection;
import io.vpanel.core.plan.TargetHost;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.HostReport;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.panel.ConfirmFeedback;
import io.vpanel.spi.panel.HoldFeedback;
import io.vpanel.spi.panel.PanelState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the immutable snapshot of every host after the changes of one owner task (many changes,
 * one snapshot), and hands it on: to the journal (what must survive a crash), to each host's panels
 * (laid out per panel), to the management backend (this agent's own host), and to the listeners
 * (event stream, metrics). Turns the rotating display line while there are alerts or notices to
 * show. Owner thread only.
 */
final class SnapshotPublisher {
  private static final System.Logger log = System.getLogger(ClusterEngine.class.getName());
  private static final Duration ROTATION_PERIOD = Duration.ofSeconds(4);
  private static final Duration STALLED = Duration.ofSeconds(5);

  private final EngineParts parts;
  private volatile ClusterSnapshot snapshot;
  private long version;
  private boolean queued;
  private int rotation;
  private Scheduler.Cancellable rotationTask;
  private LinkStatus backendLink = LinkStatus.DEGRADED;

  SnapshotPublisher(EngineParts parts) {
    this.parts = parts;
    this.snapshot = new ClusterSnapshot(0, parts.scheduler.now(), List.of());
  }

  ClusterSnapshot snapshot() {
    return snapshot;
  }

  /** The backend's own link, as it reports it. */
  void backendLink(LinkStatus status) {
    backendLink = status;
    publish();
  }

  /** Publishes a new snapshot once the current task is done. */
  void publish() {
    if (queued || parts.closed) {
      return;
    }
    queued = true;
    parts.scheduler.execute(this::flush);
  }

  /**
   * Publishes at once what {@link #publish} queued, so that an answer given after this call is
   * never older than the snapshot a reader sees: an API client that was told "accepted" reads the
   * new state, not the one before it. Owner thread only.
   */
  void flush() {
    if (queued) {
      publishNow();
    }
  }

  private void publishNow() {
    queued = false;
    if (parts.closed) {
      return;
    }
    List<HostStatus> statuses = new ArrayList<>();
    for (HostRecord host : parts.hosts.all()) {
      parts.memory.remember(host);
      statuses.add(status(host));
    }
    statuses.sort(Comparator.comparing(HostStatus::name));
    scheduleRotation();
    snapshot = new ClusterSnapshot(++version, parts.scheduler.now(), statuses);
    for (HostStatus status : statuses) {
      if (status.controlled()) {
        report(status);
      }
    }
    for (ClusterListener listener : parts.activity.listeners()) {
      try {
        listener.onSnapshot(snapshot);
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "snapshot listener failed", e);
      }
    }
  }

  private void report(HostStatus status) {
    if (parts.management == null) {
      return;
    }
    try {
      parts.management.publish(
          new HostReport(
              status.name(),
              status.maintenance().state(),
              status.maintenance().safeToService(),
              status.hypervisorConnected(),
              status.runningVms(),
              status.capacity(),
              status.usedMemoryBytes(),
              status.usedVcpus(),
              snapshot.at()));
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "management backend refused the host report", e);
    }
  }

  /**
   * While some panel has alerts, notices, a refusal or a failed panel to show, turn its rotating
   * line every few s (a small display shows them in turn with the state).
   */
  private void scheduleRotation() {
    boolean needed =
        parts.hosts.all().stream()
            .anyMatch(
                h ->
                    h.controlled
                        && (!h.notices.isEmpty()
                            || !h.activeAlerts.isEmpty()
                            || h.pfaWaiting != null
                            || h.queued != null
                            || managementLink() == LinkStatus.LOST
                            || managementLink() == LinkStatus.DEGRADED
                            || h.message != null
                            || movesWithFeatures(h)
                            || !parts.panels.faultLines(h).isEmpty()));
    if (needed && rotationTask == null && !parts.closed) {
      rotationTask =
          parts.scheduler.schedule(
              ROTATION_PERIOD,
              () -> {
                rotationTask = null;
                rotation++;
                publish();
              });
    }
  }

  /**
   * Whether a migration of the host's batch runs with features, which the panel takes turns with.
   */
  private static boolean movesWithFeatures(HostRecord host) {
    return host.batch != null
        && host.batch.running.values().stream()
            .anyMatch(run -> run.options != null && !run.options.features().isEmpty());
  }

  /**
   * The management link as the backend reports it (the hypervisors' reachability is shown by the
   * state line and the HA light, not folded into it).
   */
  LinkStatus managementLink() {
    return parts.management == null ? LinkStatus.NONE : backendLink;
  }

  private HostStatus status(HostRecord host) {
    TargetHost load = host.capacity == null ? null : parts.hosts.target(host);
    int running = host.runningCount();
    boolean safe =
        host.state == MaintenanceState.IN_MAINTENANCE
            && host.connected
            && host.inventoryLoaded
            && running == 0;
    Map<String, MigrationView> migrations = new HashMap<>();
    for (Batch.Run run : parts.hosts.runs()) {
      boolean ours = host.batch != null && host.batch.running.get(run.item.vm.uuid()) == run;
      // A guest in post-copy runs on its destination already: its migration shows there too.
      boolean arriving =
          run.destination.equals(host.name()) && run.progress != null && run.progress.postCopy();
      if (ours || arriving || run.item.source.equals(host.name())) {
        migrations.put(run.item.vm.uuid(), migrationView(run));
      }
    }
    List<VmView> vms =
        host.vms.values().stream()
            .sorted(Comparator.comparing(VmInfo::name))
            .map(vm -> new VmView(vm, Optional.ofNullable(migrations.get(vm.uuid()))))
            .toList();
    MaintenanceView maintenance =
        new MaintenanceView(
            host.state,
            host.since,
            Optional.ofNullable(host.reason),
            safe,
            Optional.ofNullable(host.planSummary),
            Optional.ofNullable(host.batch).map(this::progress));
    // A peer whose agent left the registry is out of reach of the management side, whatever this
    // agent's own link says.
    LinkStatus link = host.departed && !host.controlled ? LinkStatus.LOST : managementLink();
    PfaStatus pfa = parts.pfa.status(host);
    DrsMode drs = parts.management == null ? DrsMode.OFF : parts.management.drsMode();
    HaStatus ha = parts.ha.status(host);
    List<String> notices = PanelMessages.lines(host);
    Optional<PanelState> panel = Optional.empty();
    if (host.controlled) {
      List<String> rotating = new ArrayList<>();
      if (host.queued != null) {
        rotating.add("QUEUED: " + host.queued.action().label().toUpperCase(java.util.Locale.ROOT));
        rotating.add("WAITS FOR MGMT LINK");
      }
      if (link == LinkStatus.LOST || link == LinkStatus.DEGRADED) {
        rotating.add("MGMT LINK " + link.name());
      }
      rotating.addAll(PfaPolicy.lines(host));
      rotating.addAll(parts.panels.faultLines(host));
      rotating.addAll(notices);
      List<String> said = new ArrayList<>(rotating);
      if (host.message != null) {
        said.add(host.message);
      }
      if (!host.lastRotating.containsAll(said)) {
        // Something new to say: the rotation starts over on this host, so it is shown now.
        host.rotationStart = rotation;
      }
      host.lastRotating = List.copyOf(said);
      Optional<HoldFeedback> hold =
          Optional.ofNullable(host.hold)
              .map(h -> new HoldFeedback(h.action(), h.startedAt(), parts.settings.confirmHold()));
      Optional<ConfirmFeedback> confirm =
          Optional.ofNullable(host.offer).map(o -> new ConfirmFeedback(o.action(), o.until()));
      PanelProjection.Input input =
          new PanelProjection.Input(
              host.name(),
              host.panelVersion + 1,
              host.connected,
              running,
              maintenance,
              link,
              pfa,
              drs,
              ha,
              hold,
              Optional.ofNullable(host.message),
              rotating,
              rotation - host.rotationStart,
              4,
              20);
      parts.panels.show(host, input, confirm);
      PanelState reference = PanelProjection.project(input);
      // Keep the version (and the very object) while nothing visible changed, so unchanged
      // hosts produce equal statuses and nothing is re-sent to SSE clients.
      if (!reference.looksLike(host.lastPanel)) {
        host.panelVersion++;
        host.lastPanel = reference;
      }
      panel = Optional.of(host.lastPanel);
    }
    return new HostStatus(
        host.name(),
        host.controlled,
        host.connected,
        Optional.ofNullable(host.capacity),
        load == null ? 0 : load.usedMemoryBytes(),
        load == null ? 0 : load.usedVcpus(),
        running,
        vms,
        maintenance,
        link,
        pfa,
        parts.pfa.view(host),
        drs,
        ha,
        PanelMessages.views(host),
        Optional.ofNullable(host.queued).map(HostRecord.Queued::describe),
        panel,
        parts.panels.health(host),
        alertSources(host));
  }

  private List<AlertSourceView> alertSources(HostRecord host) {
    List<AlertSourceView> views = new ArrayList<>();
    host.alertSources.forEach(
        (source, state) -> {
          int active =
              (int)
                  host.activeAlerts.values().stream()
                      .filter(a -> a.source().equals(source))
                      .count();
          views.add(new AlertSourceView(source, state.health(), state.since(), active));
        });
    return views;
  }

  private static MigrationView migrationView(Batch.Run run) {
    MigrationProgress p = run.progress;
    return new MigrationView(
        run.destination,
        p == null ? 0 : p.processedBytes(),
        run.bytesLeft(),
        p == null ? 0 : p.round(),
        run.bandwidth(),
        run.attempt,
        run.options == null ? "" : run.options.featureLabel(),
        p != null && p.postCopy());
  }

  private ProgressView progress(Batch batch) {
    long pendingBytes = 0;
    for (Batch.Item item : batch.pending) {
      pendingBytes += item.vm.memoryBytes();
    }
    long bytesLeft = pendingBytes;
    long bandwidth = 0;
    String holdingUp = null;
    String holdingUpFeatures = null;
    double slowest = -1;
    Instant now = parts.scheduler.now();
    for (Batch.Run run : batch.running.values()) {
      bytesLeft += run.bytesLeft();
      bandwidth += run.bandwidth();
      Duration stalled = Duration.between(run.lastProgressAt, now);
      double seconds = stalled.compareTo(STALLED) > 0 ? Double.MAX_VALUE : secondsLeft(run);
      if (seconds > slowest) {
        slowest = seconds;
        holdingUp = run.item.vm.name();
        holdingUpFeatures =
            run.options == null || run.options.features().isEmpty()
                ? null
                : run.options.featureLabel();
      }
    }
    // Honest ETA: no sooner than the slowest migration in flight (which re-sends what its guest
    // dirties), and no sooner than all remaining bytes at the bandwidth in use now.
    Optional<Double> eta = Optional.empty();
    if (bandwidth > 0) {
      double all = bytesLeft / (double) bandwidth;
      eta = Optional.of(slowest == Double.MAX_VALUE ? all : Math.max(all, slowest));
    } else if (bytesLeft == 0 && batch.finished()) {
      eta = Optional.of(0.0);
    }
    int fixed = parts.settings.fixedConcurrency();
    int concurrency = fixed > 0 ? fixed : batch.concurrency;
    return new ProgressView(
        batch.vmsTotal,
        batch.vmsLeft(),
        batch.bytesTotal,
        bytesLeft,
        eta,
        Optional.ofNullable(holdingUp),
        batch.running.size(),
        Math.max(batch.running.size(), Math.min(concurrency, batch.vmsTotal)),
        batch.failed.size() + batch.localFailures.size(),
        Optional.ofNullable(holdingUpFeatures));
  }

  /** Seconds a migration still needs: its guest keeps dirtying memory while it sends. */
  private static double secondsLeft(Batch.Run run) {
    long bandwidth = Math.max(1, run.bandwidth());
    long dirty =
        run.progress == null
            ? run.item.vm.dirtyRateBytesPerSec()
            : MigrationTimeouts.dirtyRate(run);
    double net = Math.max(bandwidth - dirty, bandwidth * 0.1);
    return run.bytesLeft() / net;
  }
}
