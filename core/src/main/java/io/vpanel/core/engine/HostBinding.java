package io.vpanel.core.engine;

import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.panel.PanelDriver;
import java.util.List;

/**
 * One host the engine knows, with the drivers wired to it.
 *
 * @param connection the host's hypervisor connection
 * @param controlled true when this engine runs the host's maintenance
 * @param panels the panels showing this host (empty for a peer)
 * @param alerts the hardware alert sources of this host (empty for a peer)
 */
public record HostBinding(
    HypervisorConnection connection,
    boolean controlled,
    List<PanelDriver> panels,
    List<AlertSource> alerts) {
  public HostBinding {
    panels = List.copyOf(panels);
    alerts = List.copyOf(alerts);
  }

  public String name() {
    return connection.endpoint().name();
  }
}
