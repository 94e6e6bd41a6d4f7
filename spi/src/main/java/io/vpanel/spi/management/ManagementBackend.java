package io.vpanel.spi.management;

import io.vpanel.spi.hypervisor.HostEndpoint;
import java.util.List;

/**
 * The management side of the cluster: who the other hosts are, how load balancing and HA are set,
 * the health of the link to it, and notices it pushes to the panel.
 */
public interface ManagementBackend extends AutoCloseable {

  /** The other hosts guests may be moved to. */
  List<HostEndpoint> peers();

  DrsMode drsMode();

  /** True when the backend restarts guests of a failed host elsewhere. */
  boolean haEnabled();

  /** Starts reporting link status and notices to {@code listener}. */
  void start(ManagementListener listener);

  @Override
  void close();
}
