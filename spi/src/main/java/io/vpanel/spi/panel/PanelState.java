package io.vpanel.spi.panel;

import io.vpanel.spi.MaintenanceState;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything one front panel shows for one host, immutable. Every panel of a host shows the same
 * state, laid out for its own display; a driver that cannot show something (flashing) shows the
 * closest it can.
 *
 * @param host the host's name
 * @param version increases with every change, so drivers can drop stale renders
 * @param runningVms guests the hypervisor reports running on the host
 * @param maintenanceState where the host is in the maintenance lifecycle
 * @param safeToService true only in maintenance with zero running guests reported
 * @param maintenance the light around the maintenance button
 * @param managementLink the management-link light
 * @param pfaProtect the PFA-protect light
 * @param drs the DRS light
 * @param ha the HA light
 * @param identify the identify/locate LED
 * @param lines the alphanumeric display, one string per row, each exactly the display's width
 * @param hold the button hold in progress, if any
 * @param confirm a press-only panel's first press waiting for its confirming press, if any
 */
public record PanelState(
    String host,
    long version,
    int runningVms,
    MaintenanceState maintenanceState,
    boolean safeToService,
    Light maintenance,
    Light managementLink,
    Light pfaProtect,
    Light drs,
    Light ha,
    boolean identify,
    List<String> lines,
    Optional<HoldFeedback> hold,
    Optional<ConfirmFeedback> confirm) {

  public PanelState {
    Objects.requireNonNull(host, "host");
    lines = List.copyOf(lines);
    Objects.requireNonNull(hold, "hold");
    Objects.requireNonNull(confirm, "confirm");
  }

  /** This state under another version. */
  public PanelState withVersion(long newVersion) {
    return new PanelState(
        host,
        newVersion,
        runningVms,
        maintenanceState,
        safeToService,
        maintenance,
        managementLink,
        pfaProtect,
        drs,
        ha,
        identify,
        lines,
        hold,
        confirm);
  }

  /** True when both show the same thing: every field but the version is equal. */
  public boolean looksLike(PanelState other) {
    return other != null && withVersion(other.version).equals(other);
  }
}
