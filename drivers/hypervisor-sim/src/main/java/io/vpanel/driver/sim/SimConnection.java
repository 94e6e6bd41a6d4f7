package io.vpanel.driver.sim;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.Subscription;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorListener;
import io.vpanel.spi.hypervisor.MigrationHandle;
import io.vpanel.spi.hypervisor.MigrationInProgress;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOptions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** A connection to one simulated host: a view of the cluster from that host. */
final class SimConnection implements HypervisorConnection {

  private final SimCluster cluster;
  private final HostEndpoint endpoint;
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  SimConnection(SimCluster cluster, HostEndpoint endpoint) {
    this.cluster = cluster;
    this.endpoint = endpoint;
  }

  @Override
  public HostEndpoint endpoint() {
    return endpoint;
  }

  @Override
  public HostInventory inventory() {
    return cluster.inventory(open());
  }

  @Override
  public Subscription subscribe(HypervisorListener listener) {
    Subscription subscription = cluster.subscribe(open(), listener);
    subscriptions.add(subscription);
    return () -> {
      subscriptions.remove(subscription);
      subscription.close();
    };
  }

  /**
   * Throws {@link DriverException} when this connection is closed or its host is down; every other
   * problem (unknown guest, full or dead destination, ...) ends the migration through {@link
   * MigrationListener#onFinished}.
   */
  @Override
  public MigrationHandle migrate(
      String uuid, HostEndpoint destination, MigrationOptions options, MigrationListener listener) {
    return cluster.migrate(open(), uuid, hostName(destination), options, listener);
  }

  @Override
  public Optional<MigrationInProgress> reattach(String uuid, MigrationListener listener) {
    return cluster.reattach(open(), uuid, listener);
  }

  @Override
  public void shutdown(String uuid) {
    cluster.shutdown(open(), uuid);
  }

  @Override
  public void suspend(String uuid) {
    cluster.suspend(open(), uuid);
  }

  @Override
  public void start(String uuid) {
    cluster.start(open(), uuid);
  }

  @Override
  public void close() {
    closed = true;
    subscriptions.forEach(Subscription::close);
    subscriptions.clear();
  }

  private String open() {
    if (closed) {
      throw new DriverException("the connection to " + endpoint.name() + " is closed");
    }
    return endpoint.name();
  }

  /** Peers may be named in the configuration or only by their {@code sim://} migration URI. */
  private String hostName(HostEndpoint destination) {
    if (cluster.hostNames().contains(destination.name())) {
      return destination.name();
    }
    String uri = destination.migrationUri();
    return uri.startsWith(SimHypervisorDriver.URI_SCHEME)
        ? uri.substring(SimHypervisorDriver.URI_SCHEME.length())
        : destination.name();
  }
}
