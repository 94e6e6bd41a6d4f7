package io.vpanel.driver.libvirt;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorDriver;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The libvirt hypervisor driver: one {@link LibvirtConnection} per host, each over its own libvirt
 * connection (for example {@code qemu:///system}, {@code qemu+tcp://10.0.0.9/system}).
 */
public final class LibvirtHypervisorDriver implements HypervisorDriver {

  private final LibvirtSettings settings;
  private final List<LibvirtConnection> connections = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  public LibvirtHypervisorDriver(LibvirtSettings settings) {
    this.settings = settings;
  }

  public LibvirtSettings settings() {
    return settings;
  }

  @Override
  public HypervisorConnection connect(HostEndpoint endpoint) {
    if (closed) {
      throw new DriverException("the libvirt driver is closed");
    }
    if (endpoint.uri().isBlank()) {
      throw new DriverException(
          "host '"
              + endpoint.name()
              + "' has no libvirt URI; set hypervisor.uri (for example qemu:///system)");
    }
    EventLoop.ensureRunning();
    LibvirtConnection connection = new LibvirtConnection(this, endpoint, settings);
    connections.add(connection);
    return connection;
  }

  /** An open connection of this driver to the host named {@code name}, if there is one. */
  Optional<LibvirtConnection> connectionTo(String name) {
    return connections.stream()
        .filter(c -> c.endpoint().name().equals(name) && c.isConnected())
        .findFirst();
  }

  /** Another open connection of this driver whose host holds guest {@code uuid}. */
  Optional<LibvirtConnection> holderOfIncoming(LibvirtConnection source, String uuid) {
    return connections.stream()
        .filter(c -> c != source && c.isConnected())
        .filter(c -> !c.endpoint().name().equals(source.endpoint().name()))
        .filter(c -> c.holds(uuid))
        .findFirst();
  }

  void forget(LibvirtConnection connection) {
    connections.remove(connection);
  }

  @Override
  public void close() {
    closed = true;
    for (LibvirtConnection connection : List.copyOf(connections)) {
      connection.close();
    }
    connections.clear();
  }
}
