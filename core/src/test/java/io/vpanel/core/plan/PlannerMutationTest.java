package io.vpanel.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The mutation check: proves that the planner properties can fail. It runs {@link
 * EvacuationPlannerProperties} through JUnit, seeded runner and all, against a planner that ignores
 * the reservations of the guests it has already placed (each guest is placed as if it were the only
 * one), and requires the over-commit and feasibility properties to fail, each failure naming its
 * seed and the command that replays it.
 */
class PlannerMutationTest {

  /** The planner properties run against the mutant. */
  static final class IgnoringReservations extends EvacuationPlannerProperties {
    @Override
    Plan plan(Cluster cluster) {
      Plan real = super.plan(cluster);
      if (!real.go() && real.summary().contains("has policy block")) {
        return real;
      }
      List<VmInfo> migrating =
          cluster.vms().stream()
              .filter(vm -> vm.state() == VmState.RUNNING || vm.state() == VmState.PAUSED)
              .filter(vm -> vm.policy() == VmPolicy.MIGRATE)
              .sorted(EvacuationPlanner.LARGEST_FIRST)
              .toList();
      List<Move> moves = new ArrayList<>();
      for (VmInfo vm : migrating) {
        // The mutation: the targets as they were before any guest was put on them.
        Optional<Integer> best =
            EvacuationPlanner.bestFit(cluster.targets(), vm.memoryBytes(), vm.vcpus());
        if (best.isEmpty()) {
          return Plan.noGo("src", vm.name() + " fits on no host");
        }
        moves.add(new Move(vm, cluster.targets().get(best.get()).name()));
      }
      return new Plan(
          "src",
          true,
          "GO: " + moves.size() + " VMs",
          moves,
          real.shutdowns(),
          real.suspends(),
          1,
          migrating.stream().mapToLong(VmInfo::memoryBytes).sum(),
          0,
          java.util.Optional.empty());
    }
  }

  @Test
  void aPlannerThatIgnoresItsReservationsIsCaughtWithReplayableSeeds() {
    assumeTrue(System.getProperty("vpanel.seed.only") == null, "replaying one case only");
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    LauncherFactory.create()
        .execute(
            LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(IgnoringReservations.class))
                .build(),
            listener);
    TestExecutionSummary summary = listener.getSummary();

    assertThat(summary.getTestsSucceededCount()).as("cases the mutant passes").isPositive();
    Set<String> failed =
        summary.getFailures().stream()
            .map(f -> f.getTestIdentifier().getLegacyReportingName())
            .map(name -> name.substring(0, name.indexOf('(')))
            .collect(Collectors.toSet());
    assertThat(failed)
        .as("properties that caught the mutant")
        .contains("goPlansFitAndMoveEveryMigratingGuestOnce", "noFeasiblePlacementMeansNoGo");
    assertThat(summary.getFailures())
        .allSatisfy(
            failure ->
                assertThat(failure.getException().getMessage())
                    .containsPattern("failed for seed -?\\d+ \\(case \\d+ of \\d+, base seed")
                    .contains("replay this case: ./mvnw")
                    .contains("-Dtest='EvacuationPlannerProperties#")
                    .contains("-Dvpanel.seed.only="));
  }
}
