package io.vpanel.driver.sim;

import io.vpanel.spi.hypervisor.HostCapacity;

/** The host shapes the model tests use. */
final class HostShapes {

  static final long NIC_10G = Sizes.bytesPerSecond(10);
  static final long STREAM_4G = Sizes.bytesPerSecond(4);

  private HostShapes() {}

  /** A host with room to spare, a 10 Gbit/s NIC and 4 Gbit/s streams (500 MB/s). */
  static HostCapacity roomyHost() {
    return new HostCapacity(256 * Sizes.GIB, 64, NIC_10G, STREAM_4G);
  }
}
