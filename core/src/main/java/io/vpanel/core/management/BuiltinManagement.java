package io.vpanel.core.management;

import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.management.ManagementBackend;
import io.vpanel.spi.management.ManagementListener;
import java.util.List;

/**
 * The built-in coordinator: the agent itself plans and runs evacuations across the configured
 * peers, with core's local coordinator. It is in-process, so its own link is always up; a peer's
 * unreachable hypervisor shows on the HA light and in placement, not on the management link.
 */
public final class BuiltinManagement implements ManagementBackend {
  private final BuiltinSettings settings;

  public BuiltinManagement(BuiltinSettings settings) {
    this.settings = settings;
  }

  @Override
  public List<HostEndpoint> peers() {
    return settings.peers();
  }

  @Override
  public DrsMode drsMode() {
    return settings.drs();
  }

  @Override
  public boolean haEnabled() {
    return settings.ha();
  }

  @Override
  public void start(ManagementListener listener) {
    listener.onLinkStatus(LinkStatus.CONNECTED, "built-in coordinator");
  }

  @Override
  public void close() {}
}
