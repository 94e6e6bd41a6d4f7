package io.vpanel.spi.management;

/** Receives what a management backend reports. Must return quickly, never block; any thread. */
public interface ManagementListener {
  /** The backend's own link to the management side (not the hypervisors': core shows those). */
  void onLinkStatus(LinkStatus status, String reason);

  /** A notice for a host's panel. */
  void onNotice(Notice notice);

  /** A maintenance request from the management side; answered like any other request. */
  default void onMaintenanceRequest(MaintenanceRequest request) {}
}
