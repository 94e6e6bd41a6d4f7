package io.vpanel.spi.management;

import io.vpanel.spi.hypervisor.HostEndpoint;
import java.util.List;

/** Receives what a management backend reports. Must return quickly, never block; any thread. */
public interface ManagementListener {
  /** The backend's own link to the management side (not the hypervisors': core shows those). */
  void onLinkStatus(LinkStatus status, String reason);

  /** A notice for a host's panel. */
  void onNotice(Notice notice);

  /**
   * A notice for a host's panels under the backend's own {@code key}: it replaces the host's notice
   * posted before under that key (a link lost, then restored, is one line, never two). The default
   * shows it as a notice without key.
   */
  default void onNotice(Notice notice, String key) {
    onNotice(notice);
  }

  /**
   * Takes back the notice of {@code host} posted under {@code key} (what it said is no longer
   * true); nothing happens when there is none.
   */
  default void onNoticeWithdrawn(String host, String key, String from) {}

  /** A maintenance request from the management side; answered like any other request. */
  default void onMaintenanceRequest(MaintenanceRequest request) {}

  /**
   * The other hosts changed (one registered, one left): the whole list now, without this agent's
   * own host, as {@link ManagementBackend#peers()} would answer. A backend with static peers never
   * calls it. Called only when the list changed.
   */
  default void onPeersChanged(List<HostEndpoint> peers) {}

  /**
   * What the other hosts' agents last published of them (a registry), called when a host's
   * maintenance state changed: core shows a peer's state as its own agent reports it, and places
   * nothing on a peer that is not operational.
   */
  default void onPeerReports(List<HostReport> reports) {}

  /**
   * What the management side says about the whole cluster changed ({@link
   * ManagementBackend#haProtected}, {@link ManagementBackend#drsMode}): the panels are drawn again.
   */
  default void onClusterStatus() {}
}
