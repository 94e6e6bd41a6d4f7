package io.vpanel.core.plan;

import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;

/** Small builders for guests and hosts in planner tests. */
final class Fixtures {
  static final long MIB = 1024L * 1024;
  static final long GIB = 1024 * MIB;

  /** 10 Gb/s NIC and 4 Gb/s per stream, in bytes per second. */
  static final long NIC_10G = 10_000_000_000L / 8;

  static final long STREAM_4G = 4_000_000_000L / 8;

  private Fixtures() {}

  static VmInfo vm(String name, long memoryGib, int vcpus) {
    return vm(name, memoryGib, vcpus, VmState.RUNNING, VmPolicy.MIGRATE);
  }

  static VmInfo vm(String name, long memoryGib, int vcpus, VmState state, VmPolicy policy) {
    return new VmInfo("uuid-" + name, name, state, memoryGib * GIB, vcpus, 0, policy);
  }

  static VmInfo dirtyVm(String name, long memoryGib, long dirtyBytesPerSec) {
    return new VmInfo(
        "uuid-" + name,
        name,
        VmState.RUNNING,
        memoryGib * GIB,
        2,
        dirtyBytesPerSec,
        VmPolicy.MIGRATE);
  }

  static HostCapacity capacity(long memoryGib, int vcpus) {
    return new HostCapacity(memoryGib * GIB, vcpus, NIC_10G, STREAM_4G);
  }

  /** A host with {@code memoryGib} and {@code vcpus} in total, nothing used. */
  static TargetHost host(String name, long memoryGib, int vcpus) {
    return host(name, memoryGib, vcpus, 0, 0);
  }

  static TargetHost host(String name, long memoryGib, int vcpus, long usedGib, int usedVcpus) {
    return new TargetHost(name, capacity(memoryGib, vcpus), usedGib * GIB, usedVcpus);
  }
}
