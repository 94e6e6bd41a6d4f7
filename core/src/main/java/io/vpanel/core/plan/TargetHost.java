package io.vpanel.core.plan;

import io.vpanel.spi.hypervisor.HostCapacity;

/**
 * A host guests may move to, with what is already committed on it (running guests plus moves in
 * flight towards it).
 */
public record TargetHost(String name, HostCapacity capacity, long usedMemoryBytes, int usedVcpus) {

  public long freeMemoryBytes() {
    return Math.max(0, capacity.memoryBytes() - usedMemoryBytes);
  }

  public int freeVcpus() {
    return Math.max(0, capacity.vcpus() - usedVcpus);
  }

  public boolean fits(long memoryBytes, int vcpus) {
    return memoryBytes <= freeMemoryBytes() && vcpus <= freeVcpus();
  }

  public TargetHost plus(long memoryBytes, int vcpus) {
    return new TargetHost(name, capacity, usedMemoryBytes + memoryBytes, usedVcpus + vcpus);
  }
}
