package io.vpanel.spi.hypervisor;

/** A hypervisor driver: opens connections to hosts of its kind. */
public interface HypervisorDriver extends AutoCloseable {
  /** Connects to one host. Throws {@link io.vpanel.spi.DriverException} when it cannot. */
  HypervisorConnection connect(HostEndpoint endpoint);

  /** The hosts this driver knows without configuration (the simulator's cluster); else empty. */
  default java.util.List<HostEndpoint> discoveredHosts() {
    return java.util.List.of();
  }

  @Override
  void close();
}
