package io.vpanel.core.plan;

import static io.vpanel.core.plan.Fixtures.GIB;
import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/** The planner over random small clusters, checked against the definition and a brute force. */
class EvacuationPlannerProperties {

  /** A source's guests and the hosts that may take them. */
  record Cluster(List<VmInfo> vms, List<TargetHost> targets) {}

  @Property(tries = 300)
  void goPlansFitAndMoveEveryMigratingGuestOnce(@ForAll("clusters") Cluster cluster) {
    Plan plan = EvacuationPlanner.plan("src", null, cluster.vms(), cluster.targets());
    Statistics.label("plan").collect(plan.go() ? "GO" : "NO-GO");
    Statistics.label("plan").coverage(c -> c.check("GO").percentage(p -> p > 20));
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

  @Property(tries = 300)
  void noFeasiblePlacementMeansNoGo(@ForAll("clusters") Cluster cluster) {
    Plan plan = EvacuationPlanner.plan("src", null, cluster.vms(), cluster.targets());
    boolean feasible = feasible(migrating(cluster.vms()), cluster.targets());
    Statistics.label("feasible").collect(feasible);
    Statistics.label("feasible").coverage(c -> c.check(false).percentage(p -> p > 10));
    if (!feasible) {
      assertThat(plan.go()).as(plan.summary()).isFalse();
    }
  }

  @Property(tries = 300)
  void moreMemoryNeededThanFreeIsNoGo(@ForAll("clusters") Cluster cluster) {
    List<VmInfo> migrating = migrating(cluster.vms());
    long needed = migrating.stream().mapToLong(VmInfo::memoryBytes).sum();
    long free = cluster.targets().stream().mapToLong(TargetHost::freeMemoryBytes).sum();
    Statistics.label("short of memory").collect(needed > free);
    Statistics.label("short of memory").coverage(c -> c.check(true).percentage(p -> p > 5));
    if (needed > free) {
      Plan plan = EvacuationPlanner.plan("src", null, cluster.vms(), cluster.targets());
      assertThat(plan.go()).isFalse();
      if (blockers(cluster.vms()) == 0) {
        assertThat(plan.summary()).startsWith("NO-GO: needs ").endsWith(" free");
      }
    }
  }

  /** With a single target, placement is a sum check, so the greedy planner must be exact. */
  @Property(tries = 300)
  void withOneTargetGoExactlyWhenEverythingFits(@ForAll("oneTarget") Cluster cluster) {
    Plan plan = EvacuationPlanner.plan("src", null, cluster.vms(), cluster.targets());
    boolean expected =
        blockers(cluster.vms()) == 0 && feasible(migrating(cluster.vms()), cluster.targets());
    assertThat(plan.go()).as(plan.summary()).isEqualTo(expected);
  }

  @Property(tries = 300)
  void anyActiveBlockingGuestRefusesByName(@ForAll("clusters") Cluster cluster) {
    Plan plan = EvacuationPlanner.plan("src", null, cluster.vms(), cluster.targets());
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

  // --- model -------------------------------------------------------------------------------

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

  @Provide
  Arbitrary<Cluster> clusters() {
    return Combinators.combine(vms(), targets(1, 5)).as(Cluster::new);
  }

  @Provide
  Arbitrary<Cluster> oneTarget() {
    return Combinators.combine(vms(), targets(1, 1)).as(Cluster::new);
  }

  private static Arbitrary<List<VmInfo>> vms() {
    Arbitrary<VmState> states =
        Arbitraries.frequencyOf(
            Tuple.of(10, Arbitraries.just(VmState.RUNNING)),
            Tuple.of(2, Arbitraries.just(VmState.PAUSED)),
            Tuple.of(1, Arbitraries.just(VmState.SHUTOFF)),
            Tuple.of(1, Arbitraries.just(VmState.SUSPENDED)),
            Tuple.of(1, Arbitraries.just(VmState.CRASHED)));
    Arbitrary<VmPolicy> policies =
        Arbitraries.frequencyOf(
            Tuple.of(20, Arbitraries.just(VmPolicy.MIGRATE)),
            Tuple.of(2, Arbitraries.just(VmPolicy.SHUTDOWN)),
            Tuple.of(2, Arbitraries.just(VmPolicy.SUSPEND)),
            Tuple.of(1, Arbitraries.just(VmPolicy.BLOCK)));
    Arbitrary<long[]> shapes =
        Combinators.combine(
                Arbitraries.longs().between(0, 16 * 4), Arbitraries.integers().between(0, 8))
            .as((quarters, vcpus) -> new long[] {quarters * GIB / 4, vcpus});
    return Combinators.combine(shapes, states, policies)
        .as((shape, state, policy) -> new Object[] {shape, state, policy})
        .list()
        .ofMinSize(0)
        .ofMaxSize(8)
        .map(
            specs -> {
              List<VmInfo> vms = new ArrayList<>();
              for (int i = 0; i < specs.size(); i++) {
                long[] shape = (long[]) specs.get(i)[0];
                vms.add(
                    new VmInfo(
                        "uuid-" + i,
                        "vm-" + i,
                        (VmState) specs.get(i)[1],
                        shape[0],
                        (int) shape[1],
                        0,
                        (VmPolicy) specs.get(i)[2]));
              }
              return vms;
            });
  }

  private static Arbitrary<List<TargetHost>> targets(int min, int max) {
    Arbitrary<long[]> specs =
        Combinators.combine(
                Arbitraries.longs().between(0, 48),
                Arbitraries.integers().between(0, 24),
                Arbitraries.integers().between(0, 100),
                Arbitraries.integers().between(0, 100))
            .as(
                (memGib, vcpus, memUsedPct, vcpuUsedPct) ->
                    new long[] {
                      memGib, vcpus, memGib * GIB * memUsedPct / 90, vcpus * vcpuUsedPct / 90
                    });
    return specs
        .list()
        .ofMinSize(min)
        .ofMaxSize(max)
        .map(
            list -> {
              List<TargetHost> hosts = new ArrayList<>();
              for (int i = 0; i < list.size(); i++) {
                long[] s = list.get(i);
                hosts.add(
                    new TargetHost(
                        "h" + i,
                        new HostCapacity(
                            s[0] * GIB, (int) s[1], Fixtures.NIC_10G, Fixtures.STREAM_4G),
                        s[2],
                        (int) s[3]));
              }
              return hosts;
            });
  }
}
