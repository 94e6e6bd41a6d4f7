package io.vpanel.driver.sim;

import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.util.Objects;

/**
 * One simulated guest as a test or the generator declares it.
 *
 * @param name the guest's name, unique in the cluster
 * @param memoryBytes memory assigned to the guest; all of it is sent in the first pre-copy round
 * @param vcpus virtual CPUs assigned to the guest
 * @param dirtyRateBytesPerSec how fast the guest writes memory while it runs unthrottled
 * @param workingSetBytes the most memory the guest re-dirties between two rounds
 * @param policy what maintenance does with it
 * @param state its state when the cluster starts
 */
public record VmSpec(
    String name,
    long memoryBytes,
    int vcpus,
    long dirtyRateBytesPerSec,
    long workingSetBytes,
    VmPolicy policy,
    VmState state) {

  public VmSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(state, "state");
    if (memoryBytes <= 0 || vcpus <= 0) {
      throw new IllegalArgumentException(
          "VM " + name + " needs memory and vCPUs > 0: " + memoryBytes + ", " + vcpus);
    }
    if (dirtyRateBytesPerSec < 0 || workingSetBytes < 0 || workingSetBytes > memoryBytes) {
      throw new IllegalArgumentException(
          "VM "
              + name
              + " needs a dirty rate >= 0 and a working set between 0 and its memory: "
              + dirtyRateBytesPerSec
              + ", "
              + workingSetBytes);
    }
  }

  /** A running guest that maintenance migrates. */
  public static VmSpec running(
      String name, long memoryBytes, int vcpus, long dirtyRateBytesPerSec, long workingSetBytes) {
    return new VmSpec(
        name,
        memoryBytes,
        vcpus,
        dirtyRateBytesPerSec,
        workingSetBytes,
        VmPolicy.MIGRATE,
        VmState.RUNNING);
  }

  public VmSpec withPolicy(VmPolicy newPolicy) {
    return new VmSpec(
        name, memoryBytes, vcpus, dirtyRateBytesPerSec, workingSetBytes, newPolicy, state);
  }

  public VmSpec withState(VmState newState) {
    return new VmSpec(
        name, memoryBytes, vcpus, dirtyRateBytesPerSec, workingSetBytes, policy, newState);
  }

  /** True when the guest holds its host's memory and vCPUs in this state. */
  static boolean occupiesHost(VmState state) {
    return state == VmState.RUNNING || state == VmState.PAUSED;
  }
}
