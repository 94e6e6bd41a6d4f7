package io.vpanel.core.engine;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.alert.SourceHealth;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.management.Notice;
import io.vpanel.spi.panel.PanelState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The engine's mutable record of one host. Touched only on the owner thread. */
final class HostRecord {
  final HostEndpoint endpoint;
  final HypervisorConnection connection;
  final boolean controlled;

  boolean connected = true;

  /** A peer the management backend no longer lists (it left the registry). */
  boolean departed;

  String connectionReason = "";
  boolean inventoryLoaded;

  /** Counts every change to {@link #vms}, so a slow full read can tell it is stale. */
  long changes;

  HostCapacity capacity;

  /** The migration features the host's hypervisor offers, from its last inventory. */
  Set<MigrationFeature> migrationFeatures = Set.of();

  /**
   * The idle share of the host's CPU from its last inventory ({@code HostInventory}: -1 unknown).
   */
  double cpuIdleShare = HostInventory.CPU_UNKNOWN;

  final Map<String, VmInfo> vms = new LinkedHashMap<>();

  MaintenanceState state = MaintenanceState.OPERATIONAL;
  Instant since;
  String reason;
  String planSummary;
  Batch batch;
  boolean awaitingFinalCheck;

  /** Guests this host's evacuation moved out: uuid to the host they went to. */
  final Map<String, String> evacuatedTo = new LinkedHashMap<>();

  /** Guests shut down or suspended by this host's evacuation, to start again on exit. */
  final Set<String> stoppedByUs = new LinkedHashSet<>();

  /** Restored from the journal and not resumed yet (waits for the inventories). */
  io.vpanel.core.journal.HostMemory restoring;

  /** The last state handed to the journal, so an unchanged host is not written again. */
  io.vpanel.core.journal.HostMemory lastMemory;

  Hold hold;
  String message;
  Instant messageUntil;

  /** A press-only panel's first press, waiting for its confirming press. */
  Offer offer;

  /** A request the coordinator could not decide (its link lost), asked again when it is back. */
  Queued queued;

  /** When the outstanding inventory read started, null when none is outstanding. */
  Instant readStartedAt;

  /** The outstanding read ran past the inventory timeout (the hypervisor is shown unreachable). */
  boolean readOverdue;

  /** Another read was asked for while one was outstanding. */
  boolean readAgain;

  /** Alerts asserted and not cleared (and not ignored), by their stable id; shown on the panels. */
  final Map<String, HardwareAlert> activeAlerts = new LinkedHashMap<>();

  /**
   * Alerts PFA protect acts on: asserted for at least the debounce, and until their clearing has
   * held. Owned by {@link PfaPolicy}.
   */
  final Map<String, HardwareAlert> pfaInForce = new LinkedHashMap<>();

  /** An alert's debounce or clear hold in progress, by alert id. Owned by {@link PfaPolicy}. */
  final Map<String, Scheduler.Cancellable> pfaTimers = new LinkedHashMap<>();

  /** True while an alert in force keeps new guests off this host. Owned by {@link PfaPolicy}. */
  boolean quarantined;

  /** Why the automatic entry into maintenance waits (NO-GO, rate limit); null when none waits. */
  String pfaWaiting;

  /** The next check of a waiting automatic entry. */
  Scheduler.Cancellable pfaRetry;

  /** Each alert source's cursor after the last alert recorded, by source name. */
  final Map<String, String> alertCursors = new LinkedHashMap<>();

  boolean pfaRemediationFailed;

  /** Each alert source of the host, by name in configured order, with its last health report. */
  final Map<String, SourceState> alertSources = new LinkedHashMap<>();

  /** Notices shown now, newest first. Owned by {@link PanelMessages}. */
  final List<PostedNotice> notices = new ArrayList<>();

  /** The 4 x 20 reference layout last published (for the API), kept while it looks the same. */
  PanelState lastPanel;

  long panelVersion;

  /** The rotation count when this host's rotating line last gained something new to say. */
  int rotationStart;

  /** What the rotating line (and the message) said at the last publish. */
  List<String> lastRotating = List.of();

  HostRecord(
      HostEndpoint endpoint,
      HypervisorConnection connection,
      boolean controlled,
      List<String> alertSourceNames,
      Instant now) {
    this.endpoint = endpoint;
    this.connection = connection;
    this.controlled = controlled;
    this.since = now;
    for (String source : alertSourceNames) {
      alertSources.put(source, new SourceState(Optional.empty(), now));
    }
  }

  String name() {
    return endpoint.name();
  }

  int runningCount() {
    return (int) vms.values().stream().filter(vm -> vm.state().isRunning()).count();
  }

  /** A button hold in progress. */
  record Hold(String panel, String action, Instant startedAt, Scheduler.Cancellable confirm) {}

  /** An alert source's last health report (empty before the first) and when its status changed. */
  record SourceState(Optional<SourceHealth> health, Instant since) {}

  /**
   * A notice as the host keeps it.
   *
   * @param id its identity
   * @param notice what was posted
   * @param acknowledgement the short press that acknowledged it, null until then
   */
  /**
   * A notice shown on the host's panels.
   *
   * @param key the sender's own name for it (an Alertmanager alert's fingerprint), under which a
   *     later post replaces it and a withdrawal removes it; null for a notice without one
   * @param expiry its expiry timer, called off when it is replaced or withdrawn
   */
  record PostedNotice(
      String id,
      Notice notice,
      io.vpanel.core.model.NoticeView.Acknowledgement acknowledgement,
      String key,
      Scheduler.Cancellable expiry) {
    PostedNotice acknowledged(String panel, Instant at) {
      return new PostedNotice(
          id, notice, new io.vpanel.core.model.NoticeView.Acknowledgement(panel, at), key, expiry);
    }
  }

  /**
   * A queued request.
   *
   * @param action what was asked
   * @param origin who asked
   * @param reason why the coordinator could not decide
   * @param since when it was queued
   * @param retry the next attempt
   */
  record Queued(
      io.vpanel.spi.MaintenanceAction action,
      Origin origin,
      String reason,
      Instant since,
      Scheduler.Cancellable retry) {
    String describe() {
      return action.label() + " from " + origin.label() + " since " + since + ": " + reason;
    }
  }

  /** A first press offering {@code action} until {@code until}. */
  record Offer(String panel, String action, Instant until, Scheduler.Cancellable lapse) {}
}
