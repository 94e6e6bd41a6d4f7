package io.vpanel.driver.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Greedy placement as an evacuation planner does it: largest guest first, each onto the host with
 * the most free memory that also has the vCPUs (worst fit, which keeps hosts balanced).
 */
final class Packing {

  private static final Comparator<VmSpec> LARGEST_FIRST =
      Comparator.comparingLong(VmSpec::memoryBytes)
          .thenComparingInt(VmSpec::vcpus)
          .reversed()
          .thenComparing(VmSpec::name);

  private Packing() {}

  /**
   * Places {@code vms} onto hosts with the given free memory and vCPUs, taking what each placement
   * uses from the arrays. Returns the host index of each guest in {@code vms}' order, or null when
   * one does not fit anywhere.
   */
  static int[] place(List<VmSpec> vms, long[] freeMemory, int[] freeVcpus) {
    List<Integer> order = new ArrayList<>(vms.size());
    for (int i = 0; i < vms.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparing(vms::get, LARGEST_FIRST));
    int[] placement = new int[vms.size()];
    for (int index : order) {
      VmSpec vm = vms.get(index);
      int best = -1;
      for (int host = 0; host < freeMemory.length; host++) {
        boolean fits = freeMemory[host] >= vm.memoryBytes() && freeVcpus[host] >= vm.vcpus();
        if (fits && (best < 0 || freeMemory[host] > freeMemory[best])) {
          best = host;
        }
      }
      if (best < 0) {
        return null;
      }
      freeMemory[best] -= vm.memoryBytes();
      freeVcpus[best] -= vm.vcpus();
      placement[index] = best;
    }
    return placement;
  }
}
