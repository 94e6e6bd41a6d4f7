package io.vpanel.spi.hypervisor;

import java.util.Objects;

/**
 * One guest as the hypervisor reports it.
 *
 * @param uuid the guest's identity across hosts (a migrated guest keeps it)
 * @param name the guest's name
 * @param state what the hypervisor says it is doing
 * @param memoryBytes memory assigned to the guest
 * @param vcpus virtual CPUs assigned to the guest
 * @param dirtyRateBytesPerSec the latest estimate of how fast it writes memory, 0 when unknown
 * @param policy what maintenance does with it
 * @param postCopyAllowed its owner allows post-copy migration (which loses the guest if the link
 *     fails after the switch); false unless the guest's metadata says so
 */
public record VmInfo(
    String uuid,
    String name,
    VmState state,
    long memoryBytes,
    int vcpus,
    long dirtyRateBytesPerSec,
    VmPolicy policy,
    boolean postCopyAllowed) {

  public VmInfo {
    Objects.requireNonNull(uuid, "uuid");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(policy, "policy");
    if (memoryBytes < 0 || vcpus < 0 || dirtyRateBytesPerSec < 0) {
      throw new IllegalArgumentException("negative size for VM " + name);
    }
  }

  /** A guest that does not allow post-copy. */
  public VmInfo(
      String uuid,
      String name,
      VmState state,
      long memoryBytes,
      int vcpus,
      long dirtyRateBytesPerSec,
      VmPolicy policy) {
    this(uuid, name, state, memoryBytes, vcpus, dirtyRateBytesPerSec, policy, false);
  }

  public VmInfo withState(VmState newState) {
    return new VmInfo(
        uuid, name, newState, memoryBytes, vcpus, dirtyRateBytesPerSec, policy, postCopyAllowed);
  }

  public VmInfo withDirtyRate(long bytesPerSec) {
    return new VmInfo(uuid, name, state, memoryBytes, vcpus, bytesPerSec, policy, postCopyAllowed);
  }
}
