package io.vpanel.core.engine;

import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorConnection;

/**
 * Opens a connection to a peer's hypervisor that joined after the start (the hypervisor driver's
 * {@code connect}). Called on a blocking-I/O thread; may throw a {@code DriverException}.
 */
@FunctionalInterface
public interface PeerConnector {
  HypervisorConnection connect(HostEndpoint peer);
}
