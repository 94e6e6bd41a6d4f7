package io.vpanel.spi.hypervisor;

/**
 * What a host can give to guests and how fast it can move them.
 *
 * @param memoryBytes memory available to guests in total (not free: the planner subtracts)
 * @param vcpus virtual CPUs the host may hand out in total
 * @param nicBytesPerSec the migration network's bandwidth of this host, each direction
 * @param streamBytesPerSec the most one migration stream reaches on its own
 */
public record HostCapacity(
    long memoryBytes, int vcpus, long nicBytesPerSec, long streamBytesPerSec) {
  public HostCapacity {
    if (memoryBytes < 0 || vcpus < 0 || nicBytesPerSec <= 0 || streamBytesPerSec <= 0) {
      throw new IllegalArgumentException(
          "host capacity needs memory, vCPUs >= 0 and bandwidths > 0: "
              + memoryBytes
              + ", "
              + vcpus
              + ", "
              + nicBytesPerSec
              + ", "
              + streamBytesPerSec);
    }
  }
}
