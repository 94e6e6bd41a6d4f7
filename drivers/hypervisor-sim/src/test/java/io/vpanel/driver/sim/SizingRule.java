package io.vpanel.driver.sim;

import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's promise about a generated cluster, checked from the outside the way a planner would:
 * largest guest first, onto the host with the most free memory that also has the vCPUs.
 */
final class SizingRule {

  private final Map<String, Long> freeMemory = new LinkedHashMap<>();
  private final Map<String, Integer> freeVcpus = new LinkedHashMap<>();
  private final Map<String, List<VmInfo>> guests = new LinkedHashMap<>();
  private long totalCapacity;
  private long totalGuestMemory;

  SizingRule(SimCluster cluster) {
    for (String host : cluster.hostNames()) {
      HostCapacity capacity = cluster.capacity(host);
      List<VmInfo> vms = cluster.vmsOn(host);
      guests.put(host, vms);
      long used = vms.stream().mapToLong(VmInfo::memoryBytes).sum();
      freeMemory.put(host, capacity.memoryBytes() - used);
      freeVcpus.put(host, capacity.vcpus() - vms.stream().mapToInt(VmInfo::vcpus).sum());
      totalCapacity += capacity.memoryBytes();
      totalGuestMemory += used;
    }
  }

  double memoryLoad() {
    return (double) totalGuestMemory / totalCapacity;
  }

  boolean everyHostFitsOnTheOthers() {
    return guests.keySet().stream().allMatch(this::fitsOnTheOthers);
  }

  boolean noHostTakesAllTheOthers() {
    return guests.keySet().stream().noneMatch(this::takesAllTheOthers);
  }

  boolean fitsOnTheOthers(String evacuated) {
    Map<String, Long> memory = new LinkedHashMap<>(freeMemory);
    Map<String, Integer> vcpus = new LinkedHashMap<>(freeVcpus);
    memory.remove(evacuated);
    vcpus.remove(evacuated);
    return placeAll(guests.get(evacuated), memory, vcpus);
  }

  boolean takesAllTheOthers(String remaining) {
    List<VmInfo> others = new ArrayList<>();
    guests.forEach(
        (host, vms) -> {
          if (!host.equals(remaining)) {
            others.addAll(vms);
          }
        });
    return placeAll(
        others,
        new LinkedHashMap<>(Map.of(remaining, freeMemory.get(remaining))),
        new LinkedHashMap<>(Map.of(remaining, freeVcpus.get(remaining))));
  }

  private static boolean placeAll(
      List<VmInfo> vms, Map<String, Long> memory, Map<String, Integer> vcpus) {
    List<VmInfo> largestFirst = new ArrayList<>(vms);
    largestFirst.sort(
        Comparator.comparingLong(VmInfo::memoryBytes).thenComparingInt(VmInfo::vcpus).reversed());
    for (VmInfo vm : largestFirst) {
      String target =
          memory.keySet().stream()
              .filter(h -> memory.get(h) >= vm.memoryBytes() && vcpus.get(h) >= vm.vcpus())
              .max(Comparator.comparingLong(memory::get))
              .orElse(null);
      if (target == null) {
        return false;
      }
      memory.merge(target, -vm.memoryBytes(), Long::sum);
      vcpus.merge(target, -vm.vcpus(), Integer::sum);
    }
    return true;
  }
}
