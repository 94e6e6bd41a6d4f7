package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.model.CommandResult;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random clusters, random faults at random moments: the evacuation never loses or duplicates a VM,
 * never over-commits a destination, never shows SAFE TO SERVICE with a running VM, refuses before
 * moving anything when the plan cannot fit, and without faults always finishes.
 */
class EvacuationProperties {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;

  enum Fault {
    NONE,
    KILL_DESTINATION,
    DROP_LINK,
    NEVER_CONVERGE,
    CANCEL
  }

  @Provide
  Arbitrary<Fault> faults() {
    return Arbitraries.of(Fault.class);
  }

  @Property(tries = 150)
  void evacuationKeepsEveryInvariant(@ForAll("seeds") long seed, @ForAll("faults") Fault fault) {
    SplittableRandom random = new SplittableRandom(seed);
    try (SimHarness h = new SimHarness(scheduler -> randomCluster(scheduler, random))) {
      Map<String, String> before = h.placement();
      boolean infeasibleByMemory = needsMoreThanFree(h, "h1");

      CommandResult result = h.request("h1", MaintenanceAction.ENTER);

      if (!result.accepted()) {
        assertThat(result.message()).startsWith("NO-GO");
        h.scheduler.advance(Duration.ofMinutes(5));
        assertThat(h.placement()).as("refused: nothing may move").isEqualTo(before);
        h.assertNoViolations();
        return;
      }
      assertThat(infeasibleByMemory).as("GO although memory cannot fit").isFalse();
      h.scheduler.advance(Duration.ofMillis(100 + random.nextInt(20_000)));
      injectFault(h, fault, random);
      h.runUntilState(
          "h1",
          Duration.ofHours(6),
          MaintenanceState.IN_MAINTENANCE,
          MaintenanceState.FAILED,
          MaintenanceState.OPERATIONAL);

      MaintenanceState end = h.state("h1");
      if (fault == Fault.NONE) {
        assertThat(end).isEqualTo(MaintenanceState.IN_MAINTENANCE);
      }
      if (end == MaintenanceState.IN_MAINTENANCE) {
        assertThat(h.runningOn("h1")).isZero();
      }
      h.scheduler.advance(Duration.ofMinutes(1));
      assertThat(h.cluster.activeMigrations()).isZero();
      for (VmInfo vm : h.cluster.allVms()) {
        if (vm.policy() == VmPolicy.MIGRATE) {
          assertThat(vm.state()).as(vm.name() + " still running").isEqualTo(VmState.RUNNING);
        }
      }
      h.assertNoViolations();
    }
  }

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs();
  }

  private static void injectFault(SimHarness h, Fault fault, SplittableRandom random) {
    switch (fault) {
      case NONE -> {}
      case KILL_DESTINATION -> {
        List<String> others = new ArrayList<>(h.cluster.hostNames());
        others.remove("h1");
        h.cluster.killHost(others.get(random.nextInt(others.size())));
      }
      case DROP_LINK -> {
        List<String> others = new ArrayList<>(h.cluster.hostNames());
        others.remove("h1");
        h.cluster.dropLink("h1", others.get(random.nextInt(others.size())));
      }
      case NEVER_CONVERGE -> {
        List<VmInfo> onSource = h.cluster.vmsOn("h1");
        if (!onSource.isEmpty()) {
          h.cluster.neverConverge(onSource.get(random.nextInt(onSource.size())).uuid());
        }
      }
      case CANCEL -> h.request("h1", MaintenanceAction.CANCEL);
    }
  }

  private static boolean needsMoreThanFree(SimHarness h, String source) {
    long need =
        h.cluster.vmsOn(source).stream()
            .filter(vm -> vm.state() == VmState.RUNNING && vm.policy() == VmPolicy.MIGRATE)
            .mapToLong(VmInfo::memoryBytes)
            .sum();
    long free =
        h.cluster.hostNames().stream()
            .filter(host -> !host.equals(source))
            .mapToLong(h.cluster::freeMemory)
            .sum();
    return need > free;
  }

  private static SimCluster randomCluster(
      io.vpanel.testkit.VirtualScheduler scheduler, SplittableRandom random) {
    int hosts = 2 + random.nextInt(4);
    long nic = (1 + random.nextInt(12)) * 125 * MB;
    long stream = Math.max(100 * MB, nic / (1 + random.nextInt(4)));
    SimCluster.Builder builder = SimCluster.builder(scheduler).seed(random.nextLong());
    long[] free = new long[hosts];
    int[] freeCpus = new int[hosts];
    for (int i = 0; i < hosts; i++) {
      long memory = (16 + 16L * random.nextInt(4)) * GIB;
      int cpus = 8 + 8 * random.nextInt(3);
      builder.host("h" + (i + 1), new HostCapacity(memory, cpus, nic, stream));
      free[i] = memory;
      freeCpus[i] = cpus;
    }
    int vms = 1 + random.nextInt(10);
    for (int v = 0; v < vms; v++) {
      int host = random.nextInt(hosts);
      long memory = (1L << random.nextInt(4)) * GIB;
      int cpus = 1 + random.nextInt(4);
      if (memory > free[host] || cpus > freeCpus[host]) {
        continue;
      }
      free[host] -= memory;
      freeCpus[host] -= cpus;
      long dirty =
          random.nextInt(3) == 0 ? (50 + random.nextInt(150)) * MB : random.nextInt(5) * MB;
      builder.vm(
          "h" + (host + 1),
          VmSpec.running("vm-" + v, memory, cpus, dirty, memory / (2 + random.nextInt(8))));
    }
    return builder.build();
  }
}
