package io.vpanel.driver.sim;

import io.vpanel.spi.Scheduler;
import io.vpanel.spi.hypervisor.HostCapacity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws a cluster from {@link SimSettings}. The demo depends on its shape: guests use about {@link
 * #TARGET_LOAD} of the cluster's memory, so any one host can be evacuated onto the others, while
 * the guests of all hosts but one never fit on the remaining host.
 */
final class ClusterGenerator {

  static final double TARGET_LOAD = 0.45;

  /** Draws are repeated until the sizing rule holds; a few suffice for sensible settings. */
  private static final int MAX_ATTEMPTS = 200;

  private static final long MEMORY_STEP = 4 * Sizes.GIB;
  private static final int VCPU_STEP = 8;
  private static final int MIN_HOST_VCPUS = 16;

  private ClusterGenerator() {}

  static SimCluster generate(SimSettings settings, Scheduler scheduler) {
    SplittableRandom random = new SplittableRandom(settings.seed());
    Layout layout = draw(settings, random);
    for (int attempt = 1; attempt < MAX_ATTEMPTS && !layout.meetsSizingRule(); attempt++) {
      layout = draw(settings, random);
    }
    HostCapacity capacity =
        new HostCapacity(
            layout.hostMemory,
            layout.hostVcpus,
            Sizes.bytesPerSecond(settings.nicGbps()),
            Sizes.bytesPerSecond(settings.streamGbps()));
    List<String> hostNames = numbered("sim-", settings.hosts());
    SimCluster.Builder builder =
        SimCluster.builder(scheduler)
            .seed(settings.seed())
            .tick(Duration.ofMillis(settings.tickMillis()))
            .maxRounds(settings.maxRounds())
            .model(settings.migrationModel())
            .migrationFeatures(settings.offeredFeatures());
    hostNames.forEach(name -> builder.host(name, capacity));
    for (int vm = 0; vm < layout.vms.size(); vm++) {
      builder.vm(hostNames.get(layout.placement[vm]), layout.vms.get(vm));
    }
    return builder.build();
  }

  static List<String> numbered(String prefix, int count) {
    int width = Math.max(2, Integer.toString(count).length());
    List<String> names = new ArrayList<>(count);
    for (int i = 1; i <= count; i++) {
      names.add(prefix + "0".repeat(width - Integer.toString(i).length()) + i);
    }
    return names;
  }

  private static Layout draw(SimSettings settings, SplittableRandom random) {
    List<String> names = numbered("vm-", settings.vms());
    List<VmSpec> vms = new ArrayList<>(names.size());
    long totalMemory = 0;
    long largest = 0;
    int totalVcpus = 0;
    int mostVcpus = 0;
    for (String name : names) {
      VmSpec vm = drawVm(name, random);
      vms.add(vm);
      totalMemory += vm.memoryBytes();
      largest = Math.max(largest, vm.memoryBytes());
      totalVcpus += vm.vcpus();
      mostVcpus = Math.max(mostVcpus, vm.vcpus());
    }
    double hostShare = TARGET_LOAD * settings.hosts();
    long hostMemory =
        Math.max(
            Math.round(totalMemory / hostShare / MEMORY_STEP) * MEMORY_STEP,
            roundUp(2 * Math.max(largest, Sizes.GIB), MEMORY_STEP));
    int hostVcpus =
        (int)
            Math.max(
                Math.max(MIN_HOST_VCPUS, 2L * mostVcpus),
                roundUp((long) Math.ceil(totalVcpus / hostShare), VCPU_STEP));
    long[] freeMemory = new long[settings.hosts()];
    int[] freeVcpus = new int[settings.hosts()];
    Arrays.fill(freeMemory, hostMemory);
    Arrays.fill(freeVcpus, hostVcpus);
    int[] placement = Packing.place(vms, freeMemory, freeVcpus);
    return new Layout(vms, hostMemory, hostVcpus, settings.hosts(), placement);
  }

  // A mix like a real estate: many small, mostly idle guests and a few large or busy ones.
  private static VmSpec drawVm(String name, SplittableRandom random) {
    double size = random.nextDouble();
    long memory;
    int vcpus;
    if (size < 0.30) {
      memory = 2 * Sizes.GIB;
      vcpus = 1 + random.nextInt(2);
    } else if (size < 0.65) {
      memory = 4 * Sizes.GIB;
      vcpus = 2 + 2 * random.nextInt(2);
    } else if (size < 0.90) {
      memory = 8 * Sizes.GIB;
      vcpus = 2 + 2 * random.nextInt(3);
    } else {
      memory = 16 * Sizes.GIB;
      vcpus = 4 + 4 * random.nextInt(2);
    }
    double activity = random.nextDouble();
    long dirtyMib;
    if (activity < 0.5) {
      dirtyMib = 1 + random.nextInt(5);
    } else if (activity < 0.8) {
      dirtyMib = 20 + random.nextInt(41);
    } else {
      dirtyMib = 100 + random.nextInt(151);
    }
    double workingShare = 0.10 + 0.30 * random.nextDouble();
    long workingSet = Math.round(memory * workingShare / Sizes.MIB) * Sizes.MIB;
    return VmSpec.running(name, memory, vcpus, dirtyMib * Sizes.MIB, workingSet);
  }

  private static long roundUp(long value, long step) {
    return (value + step - 1) / step * step;
  }

  private record Layout(
      List<VmSpec> vms, long hostMemory, int hostVcpus, int hosts, int[] placement) {

    /** With fewer than three hosts the rule cannot hold, so any placed draw will do. */
    boolean meetsSizingRule() {
      if (placement == null) {
        return false;
      }
      if (hosts < 3) {
        return true;
      }
      long[] freeMemory = new long[hosts];
      int[] freeVcpus = new int[hosts];
      Arrays.fill(freeMemory, hostMemory);
      Arrays.fill(freeVcpus, hostVcpus);
      List<List<VmSpec>> guests = new ArrayList<>(hosts);
      for (int host = 0; host < hosts; host++) {
        guests.add(new ArrayList<>());
      }
      long totalMemory = 0;
      long totalVcpus = 0;
      for (int vm = 0; vm < vms.size(); vm++) {
        VmSpec spec = vms.get(vm);
        freeMemory[placement[vm]] -= spec.memoryBytes();
        freeVcpus[placement[vm]] -= spec.vcpus();
        guests.get(placement[vm]).add(spec);
        totalMemory += spec.memoryBytes();
        totalVcpus += spec.vcpus();
      }
      for (int host = 0; host < hosts; host++) {
        if (!evacuatesOntoOthers(host, guests.get(host), freeMemory, freeVcpus)) {
          return false;
        }
        // All other guests fit on this one host exactly when their totals do (one bin).
        long othersMemory = totalMemory - (hostMemory - freeMemory[host]);
        long othersVcpus = totalVcpus - (hostVcpus - freeVcpus[host]);
        if (othersMemory <= freeMemory[host] && othersVcpus <= freeVcpus[host]) {
          return false;
        }
      }
      return true;
    }

    private boolean evacuatesOntoOthers(
        int evacuated, List<VmSpec> itsGuests, long[] freeMemory, int[] freeVcpus) {
      long[] memory = freeMemory.clone();
      int[] vcpus = freeVcpus.clone();
      memory[evacuated] = 0;
      vcpus[evacuated] = 0;
      return Packing.place(itsGuests, memory, vcpus) != null;
    }
  }
}
