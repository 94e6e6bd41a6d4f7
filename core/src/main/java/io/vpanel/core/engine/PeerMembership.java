package io.vpanel.core.engine;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.management.HostReport;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The peers as the management backend lists them while the agent runs ({@code
 * ManagementListener.onPeersChanged}, a registry such as etcd): a peer that joins is connected (on
 * a blocking-I/O thread) and read like the ones configured at start; a peer that leaves receives no
 * more guests at once and leaves the table once nothing refers to it (no move to or from it, no
 * guest an evacuation put there). Without a {@link PeerConnector}, changes are logged and ignored.
 * Owner thread only.
 */
final class PeerMembership {
  private static final System.Logger log = System.getLogger(PeerMembership.class.getName());

  private final EngineParts parts;
  private PeerConnector connector;

  /** The peers last listed, by name. */
  private Map<String, HostEndpoint> listed;

  /**
   * What each peer's agent last reported, by host: a report that arrives while the peer is still
   * being connected (or before it is in the table at all) is applied when it joins, so a host that
   * (re)joins in maintenance is never taken for an operational one.
   */
  private final Map<String, HostReport> lastReports = new HashMap<>();

  /** Peers being connected now. */
  private final Set<String> connecting = new HashSet<>();

  /** What closes each peer connected here: its subscription and its connection. */
  private final Map<String, List<AutoCloseable>> opened = new LinkedHashMap<>();

  PeerMembership(EngineParts parts) {
    this.parts = parts;
    parts.events.subscribe(
        event -> {
          if (event instanceof EngineEvents.StateChanged) {
            // A run ended: a peer that left may be free to go now. Later, as a task of its own:
            // the event comes while others walk the host table.
            parts.scheduler.execute(this::sweep);
          }
        });
  }

  void connectWith(PeerConnector connector) {
    this.connector = connector;
  }

  /** The backend's list of peers now. */
  void changed(List<HostEndpoint> peers) {
    if (parts.closed) {
      return;
    }
    Map<String, HostEndpoint> now = new LinkedHashMap<>();
    peers.forEach(p -> now.put(p.name(), p));
    listed = now;
    for (HostEndpoint peer : now.values()) {
      HostRecord known = parts.hosts.get(peer.name());
      if (known == null) {
        join(peer);
      } else if (known.departed && !known.controlled) {
        known.departed = false;
        parts.activity.record(
            "peer", known.name(), "peer " + known.name() + " is back in the registry", Map.of());
      }
    }
    for (HostRecord host : List.copyOf(parts.hosts.all())) {
      if (!host.controlled && !host.departed && !now.containsKey(host.name())) {
        host.departed = true;
        parts.activity.record(
            "peer",
            host.name(),
            "peer " + host.name() + " left the registry: no new guests go there",
            Map.of());
      }
    }
    sweep();
    parts.publish();
  }

  /** The peers' agents reported their hosts: a peer's maintenance state is what its agent says. */
  void reported(List<HostReport> reports) {
    boolean changed = false;
    lastReports.clear(); // every report of the registry's view: the peers that left drop out
    for (HostReport report : reports) {
      lastReports.put(report.host(), report);
      HostRecord host = parts.hosts.get(report.host());
      if (host != null) {
        changed |= apply(host, report, true);
      }
    }
    if (changed) {
      parts.publish();
    }
  }

  /**
   * Takes the peer's state from its agent's report; true when it changed. {@code announce}: the
   * change is recorded as an activity (not when the peer is joining: its join says its state).
   */
  private boolean apply(HostRecord host, HostReport report, boolean announce) {
    if (host.controlled || host.state == report.state()) {
      return false;
    }
    MaintenanceState before = host.state;
    host.state = report.state();
    host.since = report.at();
    host.reason = "reported by its agent";
    if (!announce) {
      return true;
    }
    parts.activity.record(
        "peer",
        host.name(),
        "peer " + host.name() + " is " + report.state() + " (was " + before + "), its agent says",
        Map.of("state", report.state().name()));
    return true;
  }

  private void join(HostEndpoint peer) {
    if (connector == null) {
      log.log(
          System.Logger.Level.INFO,
          "peer {0} registered; it is used after this agent restarts",
          peer.name());
      return;
    }
    if (!connecting.add(peer.name())) {
      return;
    }
    PeerConnector connect = connector;
    parts.blockingIo.execute(
        () -> {
          HypervisorConnection connection;
          try {
            connection = connect.connect(peer);
          } catch (RuntimeException e) {
            parts.scheduler.execute(() -> unreachable(peer, ActivityLog.reason(e)));
            return;
          }
          parts.scheduler.execute(() -> connected(peer, connection));
        });
  }

  private void unreachable(HostEndpoint peer, String reason) {
    connecting.remove(peer.name());
    parts.activity.record(
        "peer",
        peer.name(),
        "peer " + peer.name() + " registered but its hypervisor is unreachable: " + reason,
        Map.of("uri", peer.uri()));
  }

  private void connected(HostEndpoint peer, HypervisorConnection connection) {
    connecting.remove(peer.name());
    if (parts.closed
        || parts.hosts.get(peer.name()) != null
        || listed == null
        || !listed.containsKey(peer.name())) {
      close(List.of(connection));
      return;
    }
    HostRecord host = new HostRecord(peer, connection, false, List.of(), parts.scheduler.now());
    parts.hosts.add(host);
    AutoCloseable subscription =
        connection.subscribe(
            event -> parts.scheduler.execute(() -> parts.inventory.onEvent(event)));
    opened.put(peer.name(), List.of(subscription, connection));
    HostReport report = lastReports.get(peer.name());
    if (report != null) {
      apply(host, report, false);
    }
    parts.activity.record(
        "peer",
        peer.name(),
        "peer "
            + peer.name()
            + " joined the cluster"
            + (host.state == MaintenanceState.OPERATIONAL ? "" : " (" + host.state + ")"),
        Map.of("uri", peer.uri(), "state", host.state.name()));
    parts.inventory.refresh(host);
    parts.publish();
  }

  /** Removes the peers that left and that nothing refers to any more. */
  private void sweep() {
    for (HostRecord host : List.copyOf(parts.hosts.all())) {
      if (host.departed && !referenced(host.name())) {
        parts.hosts.remove(host.name());
        close(Optional.ofNullable(opened.remove(host.name())).orElse(List.of()));
        parts.publish();
      }
    }
  }

  /** True while a run moves a guest to or from the host, or will, or a guest it took may return. */
  private boolean referenced(String name) {
    if (!parts.hosts.runsTo(name).isEmpty() || !parts.hosts.runsFrom(name).isEmpty()) {
      return true;
    }
    for (HostRecord host : parts.hosts.all()) {
      if (host.evacuatedTo.containsValue(name)) {
        return true;
      }
      if (host.batch != null
          && host.batch.pending.stream()
              .anyMatch(
                  item ->
                      name.equals(item.source)
                          || name.equals(item.fixedDestination)
                          || name.equals(item.plannedDestination))) {
        return true;
      }
    }
    return false;
  }

  private void close(List<AutoCloseable> closeables) {
    if (closeables.isEmpty()) {
      return;
    }
    parts.blockingIo.execute(() -> closeNow(closeables));
  }

  private static void closeNow(List<AutoCloseable> closeables) {
    for (AutoCloseable closeable : closeables) {
      try {
        closeable.close();
      } catch (Exception e) {
        log.log(System.Logger.Level.DEBUG, "closing a peer's connection failed", e);
      }
    }
  }

  /** Closes every peer connected here, at once (the engine is closing). */
  void closeAll() {
    opened.values().forEach(PeerMembership::closeNow);
    opened.clear();
  }
}
