package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.model.CommandResult;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.Draw;
import io.vpanel.testkit.RandomCluster;
import io.vpanel.testkit.SeededProperty;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random clusters, random faults at random moments: the evacuation never loses or duplicates a VM,
 * never over-commits a destination, never shows SAFE TO SERVICE with a running VM, refuses before
 * moving anything when the plan cannot fit, and without faults always finishes.
 */
class EvacuationProperties {
  @SeededProperty(tries = 150)
  void evacuationKeepsEveryInvariant(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    SimHarness.Fault fault = new Draw(random).of(SimHarness.Fault.class);
    RandomCluster spec = RandomCluster.generate(random, RandomCluster.Placement.ANY_HOST);
    try (SimHarness h = new SimHarness(scheduler -> SimHarness.simulate(spec, scheduler))) {
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
      fault.inject(h.cluster, "h1", random, () -> h.request("h1", MaintenanceAction.CANCEL));
      h.runUntilState(
          "h1",
          Duration.ofHours(6),
          MaintenanceState.IN_MAINTENANCE,
          MaintenanceState.FAILED,
          MaintenanceState.OPERATIONAL);

      MaintenanceState end = h.state("h1");
      if (fault == SimHarness.Fault.NONE) {
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
}
