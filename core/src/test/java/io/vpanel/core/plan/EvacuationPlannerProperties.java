package io.vpanel.core.plan;

import static io.vpanel.core.plan.Fixtures.GIB;
import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.Draw;
import io.vpanel.testkit.PropertySeeds;
import io.vpanel.testkit.SeededProperty;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The planner over random small clusters, checked against the definition and a brute force. The
 * generated clusters are checked too, so that the properties are not vacuous: enough of them are
 * GO, infeasible or short of memory. {@link PlannerMutationTest} proves the properties catch a
 * broken planner.
 */
class EvacuationPlannerProperties {

  static final int TRIES = 300;

  /** A source's guests and the hosts that may take them. */
  record Cluster(List<VmInfo> vms, List<TargetHost> targets) {}

  /** The planner under test; {@link PlannerMutationTest} puts a broken one here. */
  Plan plan(Cluster cluster) {
    return EvacuationPlanner.plan("src", null, cluster.vms(), cluster.targets());
  }

  @SeededProperty(tries = TRIES)
  void goPlansFitAndMoveEveryMigratingGuestOnce(long seed) {
    Cluster cluster = clusters(new Draw(seed));
    Plan plan = plan(cluster);
    if (!plan.go()) {
      assertThat(plan.moves()).isEmpty();
      assertThat(plan.summary()).startsWith("NO-GO: ");
      return;
    }
    assertThat(plan.summary()).startsWith("GO: ");

    Map<String, Long> memory = new HashMap<>();
    Map<String, Integer> vcpus = new HashMap<>();
    for (Move move : plan.moves()) {
      memory.merge(move.destination(), move.vm().memoryBytes(), Long::sum);
      vcpus.merge(move.destination(), move.vm().vcpus(), Integer::sum);
    }
    assertThat(memory.keySet())
        .isSubsetOf(cluster.targets().stream().map(TargetHost::name).toList());
    for (TargetHost target : cluster.targets()) {
      assertThat(memory.getOrDefault(target.name(), 0L))
          .as("memory put on %s", target)
          .isLessThanOrEqualTo(target.freeMemoryBytes());
      assertThat(vcpus.getOrDefault(target.name(), 0))
          .as("vCPUs put on %s", target)
          .isLessThanOrEqualTo(target.freeVcpus());
    }

    List<String> moved = plan.moves().stream().map(m -> m.vm().uuid()).toList();
    assertThat(moved)
        .containsExactlyInAnyOrderElementsOf(
            migrating(cluster.vms()).stream().map(VmInfo::uuid).toList());
    assertThat(plan.moves())
        .extracting(Move::vm)
        .isSortedAccordingTo(EvacuationPlanner.LARGEST_FIRST);
    assertThat(plan.bytesToMove())
        .isEqualTo(migrating(cluster.vms()).stream().mapToLong(VmInfo::memoryBytes).sum());
  }

  @SeededProperty(tries = TRIES)
  void noFeasiblePlacementMeansNoGo(long seed) {
    Cluster cluster = clusters(new Draw(seed));
    Plan plan = plan(cluster);
    boolean feasible = feasible(migrating(cluster.vms()), cluster.targets());
    if (!feasible) {
      assertThat(plan.go()).as(plan.summary()).isFalse();
    }
  }

  @SeededProperty(tries = TRIES)
  void moreMemoryNeededThanFreeIsNoGo(long seed) {
    Cluster cluster = clusters(new Draw(seed));
    if (shortOfMemory(cluster)) {
      Plan plan = plan(cluster);
      assertThat(plan.go()).isFalse();
      if (blockers(cluster.vms()) == 0) {
        assertThat(plan.summary()).startsWith("NO-GO: needs ").endsWith(" free");
      }
    }
  }

  /** With a single target, placement is a sum check, so the greedy planner must be exact. */
  @SeededProperty(tries = TRIES)
  void withOneTargetGoExactlyWhenEverythingFits(long seed) {
    Cluster cluster = oneTarget(new Draw(seed));
    Plan plan = plan(cluster);
    boolean expected =
        blockers(cluster.vms()) == 0 && feasible(migrating(cluster.vms()), cluster.targets());
    assertThat(plan.go()).as(plan.summary()).isEqualTo(expected);
  }

  @SeededProperty(tries = TRIES)
  void anyActiveBlockingGuestRefusesByName(long seed) {
    Cluster cluster = clusters(new Draw(seed));
    Plan plan = plan(cluster);
    List<VmInfo> blocking =
        cluster.vms().stream()
            .filter(EvacuationPlannerProperties::active)
            .filter(vm -> vm.policy() == VmPolicy.BLOCK)
            .toList();
    if (!blocking.isEmpty()) {
      assertThat(plan.go()).isFalse();
      assertThat(plan.summary())
          .startsWith("NO-GO: " + blocking.get(0).name() + " has policy block");
    }
  }

  // --- coverage: the cases each property checks include enough of the interesting kind ----

  @Test
  void moreThanAFifthOfTheCasesOfGoPlansFitAreGo() {
    long go = cases("goPlansFitAndMoveEveryMigratingGuestOnce").filter(c -> plan(c).go()).count();
    assertThat(go * 100.0 / TRIES).as("%% GO of %d cases", TRIES).isGreaterThan(20);
  }

  @Test
  void moreThanATenthOfTheCasesOfNoFeasiblePlacementAreInfeasible() {
    long infeasible =
        cases("noFeasiblePlacementMeansNoGo")
            .filter(c -> !feasible(migrating(c.vms()), c.targets()))
            .count();
    assertThat(infeasible * 100.0 / TRIES).as("%% infeasible of %d cases", TRIES).isGreaterThan(10);
  }

  @Test
  void moreThanOneCaseInTwentyOfMoreMemoryNeededIsShortOfMemory() {
    long shortCases =
        cases("moreMemoryNeededThanFreeIsNoGo")
            .filter(EvacuationPlannerProperties::shortOfMemory)
            .count();
    assertThat(shortCases * 100.0 / TRIES)
        .as("%% short of memory of %d cases", TRIES)
        .isGreaterThan(5);
  }

  /** The clusters the property {@code method} checks. */
  private static Stream<Cluster> cases(String method) {
    return LongStream.of(PropertySeeds.seeds(EvacuationPlannerProperties.class, method, TRIES))
        .mapToObj(seed -> clusters(new Draw(seed)));
  }

  // --- model -------------------------------------------------------------------------------

  private static boolean shortOfMemory(Cluster cluster) {
    long needed = migrating(cluster.vms()).stream().mapToLong(VmInfo::memoryBytes).sum();
    long free = cluster.targets().stream().mapToLong(TargetHost::freeMemoryBytes).sum();
    return needed > free;
  }

  private static boolean active(VmInfo vm) {
    return vm.state() == VmState.RUNNING || vm.state() == VmState.PAUSED;
  }

  private static List<VmInfo> migrating(List<VmInfo> vms) {
    return vms.stream().filter(vm -> active(vm) && vm.policy() == VmPolicy.MIGRATE).toList();
  }

  private static long blockers(List<VmInfo> vms) {
    return vms.stream().filter(vm -> active(vm) && vm.policy() == VmPolicy.BLOCK).count();
  }

  /** Exhaustive search: can every guest be put somewhere without over-committing anything? */
  static boolean feasible(List<VmInfo> vms, List<TargetHost> targets) {
    long[] memory = targets.stream().mapToLong(TargetHost::freeMemoryBytes).toArray();
    int[] vcpus = targets.stream().mapToInt(TargetHost::freeVcpus).toArray();
    List<VmInfo> sorted = new ArrayList<>(vms);
    sorted.sort(EvacuationPlanner.LARGEST_FIRST);
    return place(sorted, 0, memory, vcpus);
  }

  private static boolean place(List<VmInfo> vms, int next, long[] memory, int[] vcpus) {
    if (next == vms.size()) {
      return true;
    }
    VmInfo vm = vms.get(next);
    for (int i = 0; i < memory.length; i++) {
      if (vm.memoryBytes() <= memory[i] && vm.vcpus() <= vcpus[i]) {
        memory[i] -= vm.memoryBytes();
        vcpus[i] -= vm.vcpus();
        boolean placed = place(vms, next + 1, memory, vcpus);
        memory[i] += vm.memoryBytes();
        vcpus[i] += vm.vcpus();
        if (placed) {
          return true;
        }
      }
    }
    return false;
  }

  // --- generators --------------------------------------------------------------------------

  static Cluster clusters(Draw draw) {
    return new Cluster(vms(draw), targets(draw, 1, 5));
  }

  static Cluster oneTarget(Draw draw) {
    return new Cluster(vms(draw), targets(draw, 1, 1));
  }

  private static final int[] STATE_WEIGHTS = {10, 2, 1, 1, 1};
  private static final List<VmState> STATES =
      List.of(VmState.RUNNING, VmState.PAUSED, VmState.SHUTOFF, VmState.SUSPENDED, VmState.CRASHED);
  private static final int[] POLICY_WEIGHTS = {20, 2, 2, 1};
  private static final List<VmPolicy> POLICIES =
      List.of(VmPolicy.MIGRATE, VmPolicy.SHUTDOWN, VmPolicy.SUSPEND, VmPolicy.BLOCK);

  private static List<VmInfo> vms(Draw draw) {
    int count = draw.between(0, 8);
    List<VmInfo> vms = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long quarters = draw.between(0L, 16 * 4);
      int vcpus = draw.between(0, 8);
      VmState state = draw.weighted(STATE_WEIGHTS, STATES);
      VmPolicy policy = draw.weighted(POLICY_WEIGHTS, POLICIES);
      vms.add(new VmInfo("uuid-" + i, "vm-" + i, state, quarters * GIB / 4, vcpus, 0, policy));
    }
    return vms;
  }

  private static List<TargetHost> targets(Draw draw, int min, int max) {
    int count = draw.between(min, max);
    List<TargetHost> hosts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long memGib = draw.between(0L, 48);
      int vcpus = draw.between(0, 24);
      int memUsedPct = draw.between(0, 100);
      int vcpuUsedPct = draw.between(0, 100);
      hosts.add(
          new TargetHost(
              "h" + i,
              new HostCapacity(memGib * GIB, vcpus, Fixtures.NIC_10G, Fixtures.STREAM_4G),
              memGib * GIB * memUsedPct / 90,
              vcpus * vcpuUsedPct / 90));
    }
    return hosts;
  }
}
