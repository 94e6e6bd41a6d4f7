package io.vpanel.core.management;

import io.vpanel.spi.DriverSettings;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.DrsMode;
import java.util.List;

/**
 * Settings of the built-in coordinator.
 *
 * @param peers the other hosts of the cluster (static membership)
 * @param drs the load-balancing mode shown on the panel
 * @param ha whether HA status is computed and shown
 */
public record BuiltinSettings(List<HostEndpoint> peers, DrsMode drs, Boolean ha)
    implements DriverSettings {
  public BuiltinSettings {
    peers = peers == null ? List.of() : List.copyOf(peers);
    drs = drs == null ? DrsMode.AUTOMATIC : drs;
    ha = ha == null ? Boolean.TRUE : ha;
  }
}
