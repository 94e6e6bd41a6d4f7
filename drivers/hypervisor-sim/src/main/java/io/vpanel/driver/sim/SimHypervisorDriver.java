package io.vpanel.driver.sim;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorDriver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The simulated hypervisor driver: every host of one {@link SimCluster} is reachable through it.
 */
public final class SimHypervisorDriver implements HypervisorDriver {

  static final String URI_SCHEME = "sim://";

  private final SimCluster cluster;
  private final boolean ownsCluster;
  private final List<SimConnection> connections = new CopyOnWriteArrayList<>();

  /**
   * A driver over a cluster someone else owns (the demo shares one cluster between the agents of
   * all its hosts); closing the driver leaves the cluster running.
   */
  public SimHypervisorDriver(SimCluster cluster) {
    this(cluster, false);
  }

  SimHypervisorDriver(SimCluster cluster, boolean ownsCluster) {
    this.cluster = cluster;
    this.ownsCluster = ownsCluster;
  }

  /** The simulated world behind this driver, for tests and fault injection. */
  public SimCluster cluster() {
    return cluster;
  }

  @Override
  public List<HostEndpoint> discoveredHosts() {
    return cluster.hostNames().stream().map(SimHypervisorDriver::endpointOf).toList();
  }

  /** The endpoint of a simulated host: {@code sim://NAME} for both reading and migrating. */
  public static HostEndpoint endpointOf(String host) {
    return new HostEndpoint(host, URI_SCHEME + host, URI_SCHEME + host);
  }

  @Override
  public HypervisorConnection connect(HostEndpoint endpoint) {
    String host = endpoint.name();
    List<String> known = cluster.hostNames();
    if (!known.contains(host)) {
      throw new DriverException(
          "the simulator has no host '" + host + "' (it has " + String.join(", ", known) + ")");
    }
    SimConnection connection = new SimConnection(cluster, endpoint);
    connections.add(connection);
    return connection;
  }

  @Override
  public void close() {
    connections.forEach(SimConnection::close);
    connections.clear();
    if (ownsCluster) {
      cluster.close();
    }
  }
}
