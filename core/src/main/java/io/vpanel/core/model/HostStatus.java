package io.vpanel.core.model;

import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.panel.PanelState;
import java.util.List;
import java.util.Optional;

/**
 * One host's whole status at one moment, immutable: what the API serves and what the panel
 * projection renders.
 *
 * @param name the host's name
 * @param controlled true when this agent runs the host's maintenance (its own host; every host in
 *     the demo), false for a peer it only reads
 * @param hypervisorConnected whether the hypervisor connection is up
 * @param capacity the host's capacity, empty until first read
 * @param usedMemoryBytes memory of running guests plus moves in flight towards it
 * @param usedVcpus vCPUs of running guests plus moves in flight towards it
 * @param runningVms guests the hypervisor reports running
 * @param vms every guest on the host
 * @param maintenance maintenance state, progress and reasons
 * @param managementLink the link to the management side
 * @param pfaProtect PFA protect
 * @param drs load-balancing mode
 * @param ha whether its guests could restart elsewhere
 * @param pfa PFA protect in detail: quarantine, a waiting automatic entry, the alerts it acts on
 * @param notices notices not expired, newest first (acknowledged ones are off the panels)
 * @param queued a request waiting for the management link to be decided ({@code enter from
 *     panel:web since ...: etcd unreachable: ...}), empty when none
 * @param panel the panel state of the host laid out for the default 4 x 20 display, when controlled
 *     (each panel gets its own layout; this one is for the API and CLI)
 * @param panels the health of each of the host's panels
 * @param alertSources the host's alert sources with their health
 */
public record HostStatus(
    String name,
    boolean controlled,
    boolean hypervisorConnected,
    Optional<HostCapacity> capacity,
    long usedMemoryBytes,
    int usedVcpus,
    int runningVms,
    List<VmView> vms,
    MaintenanceView maintenance,
    LinkStatus managementLink,
    PfaStatus pfaProtect,
    PfaView pfa,
    DrsMode drs,
    HaStatus ha,
    List<NoticeView> notices,
    Optional<String> queued,
    Optional<PanelState> panel,
    List<PanelHealth> panels,
    List<AlertSourceView> alertSources) {

  public HostStatus {
    vms = List.copyOf(vms);
    notices = List.copyOf(notices);
    panels = List.copyOf(panels);
    alertSources = List.copyOf(alertSources);
  }
}
