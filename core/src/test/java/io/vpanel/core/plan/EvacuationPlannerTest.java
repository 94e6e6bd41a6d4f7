package io.vpanel.core.plan;

import static io.vpanel.core.plan.Fixtures.GIB;
import static io.vpanel.core.plan.Fixtures.MIB;
import static io.vpanel.core.plan.Fixtures.capacity;
import static io.vpanel.core.plan.Fixtures.host;
import static io.vpanel.core.plan.Fixtures.vm;
import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EvacuationPlannerTest {

  private static Plan plan(List<VmInfo> vms, List<TargetHost> targets) {
    return EvacuationPlanner.plan("src", null, vms, targets);
  }

  private static Map<String, String> destinations(Plan plan) {
    Map<String, String> byVm = new HashMap<>();
    plan.moves().forEach(m -> byVm.put(m.vm().name(), m.destination()));
    return byVm;
  }

  @Test
  void goPlanSummarisesMovesAndHosts() {
    Plan plan =
        plan(
            List.of(vm("a", 16, 2), vm("b", 8, 2), vm("c", 4, 1)),
            List.of(host("h1", 64, 32), host("h2", 64, 32)));

    assertThat(plan.go()).isTrue();
    assertThat(plan.summary()).isEqualTo("GO: 3 VMs -> 2 hosts");
    assertThat(plan.source()).isEqualTo("src");
    assertThat(plan.moves()).hasSize(3);
    assertThat(plan.destinations()).isEqualTo(2);
    assertThat(plan.bytesToMove()).isEqualTo(28 * GIB);
  }

  @Test
  void goPlanUsesSingularForOneVmAndOneHost() {
    Plan plan = plan(List.of(vm("a", 4, 1)), List.of(host("h1", 64, 32)));

    assertThat(plan.summary()).isEqualTo("GO: 1 VM -> 1 host");
    assertThat(plan.moves()).containsExactly(new Move(vm("a", 4, 1), "h1"));
  }

  @Test
  void emptyHostIsGoWithNothingToDo() {
    Plan plan = plan(List.of(), List.of());

    assertThat(plan.go()).isTrue();
    assertThat(plan.moves()).isEmpty();
    assertThat(plan.concurrency()).isZero();
    assertThat(plan.bytesToMove()).isZero();
  }

  @Test
  void memoryShortfallNamesNeededAndFreeMemory() {
    Plan plan =
        plan(
            List.of(vm("a", 32, 2), vm("b", 16, 2)),
            List.of(host("h1", 64, 32, 54, 0), host("h2", 10, 32)));

    assertThat(plan.go()).isFalse();
    assertThat(plan.summary()).isEqualTo("NO-GO: needs 48 GiB, 20 GiB free");
    assertThat(plan.moves()).isEmpty();
    assertThat(plan.concurrency()).isZero();
  }

  @Test
  void vcpuShortfallNamesNeededAndFreeVcpus() {
    Plan plan =
        plan(
            List.of(vm("a", 1, 4), vm("b", 1, 4), vm("c", 1, 4)),
            List.of(host("h1", 64, 8, 0, 2), host("h2", 64, 2)));

    assertThat(plan.go()).isFalse();
    assertThat(plan.summary()).isEqualTo("NO-GO: needs 12 vCPUs, 8 free");
  }

  @Test
  void fragmentationNamesTheGuestThatFitsNowhere() {
    // 20 GiB free in total, but no single host has the 12 GiB the guest needs.
    Plan plan = plan(List.of(vm("vm-x", 12, 2)), List.of(host("h1", 10, 8), host("h2", 10, 8)));

    assertThat(plan.go()).isFalse();
    assertThat(plan.summary()).isEqualTo("NO-GO: vm-x (12 GiB, 2 vCPU) fits on no host");
  }

  @Test
  void fragmentationOnVcpusNamesTheGuestToo() {
    Plan plan = plan(List.of(vm("vm-wide", 1, 6)), List.of(host("h1", 64, 4), host("h2", 64, 4)));

    assertThat(plan.summary()).isEqualTo("NO-GO: vm-wide (1 GiB, 6 vCPU) fits on no host");
  }

  @Test
  void noTargetsIsNoGo() {
    Plan plan = plan(List.of(vm("a", 1, 1)), List.of());

    assertThat(plan.go()).isFalse();
    assertThat(plan.summary()).isEqualTo("NO-GO: no other host can take guests");
  }

  /**
   * A refusal must be readable at the panel: when memory is short, the two numbers it shows must
   * differ, or the technician reads "needs 48 GiB, 48 GiB free" and cannot tell why it failed.
   */
  @Test
  void memoryShortfallNeverShowsEqualNumbers() {
    VmInfo big =
        new VmInfo("u-big", "big", VmState.RUNNING, 48 * GIB + 100 * MIB, 2, 0, VmPolicy.MIGRATE);
    Plan plan = plan(List.of(big), List.of(host("h1", 48, 32)));

    assertThat(plan.go()).isFalse();
    assertThat(plan.summary()).startsWith("NO-GO: needs ");
    String[] numbers = plan.summary().substring("NO-GO: needs ".length()).split(", ");
    assertThat(numbers[1]).endsWith(" free");
    assertThat(numbers[0])
        .as("needed and free memory in %s", plan.summary())
        .isNotEqualTo(numbers[1].substring(0, numbers[1].length() - " free".length()));
  }

  @Test
  void blockPolicyRefusesNamingTheGuest() {
    Plan plan =
        plan(
            List.of(vm("web", 1, 1), vm("db1", 1, 1, VmState.RUNNING, VmPolicy.BLOCK)),
            List.of(host("h1", 64, 32)));

    assertThat(plan.go()).isFalse();
    assertThat(plan.summary()).isEqualTo("NO-GO: db1 has policy block");
    assertThat(plan.moves()).isEmpty();
  }

  @Test
  void blockPolicyCountsTheOtherBlockers() {
    Plan plan =
        plan(
            List.of(
                vm("db1", 1, 1, VmState.RUNNING, VmPolicy.BLOCK),
                vm("db2", 1, 1, VmState.PAUSED, VmPolicy.BLOCK),
                vm("db3", 1, 1, VmState.RUNNING, VmPolicy.BLOCK)),
            List.of(host("h1", 64, 32)));

    assertThat(plan.summary()).isEqualTo("NO-GO: db1 has policy block (and 2 more)");
  }

  @Test
  void blockPolicyOnAGuestThatIsOffDoesNotRefuse() {
    Plan plan =
        plan(
            List.of(vm("web", 1, 1), vm("db1", 1, 1, VmState.SHUTOFF, VmPolicy.BLOCK)),
            List.of(host("h1", 64, 32)));

    assertThat(plan.go()).isTrue();
    assertThat(plan.summary()).isEqualTo("GO: 1 VM -> 1 host");
  }

  @Test
  void shutdownAndSuspendGuestsAreListedNotMoved() {
    VmInfo web = vm("web", 4, 1);
    VmInfo batch = vm("batch", 8, 2, VmState.RUNNING, VmPolicy.SHUTDOWN);
    VmInfo cache = vm("cache", 2, 1, VmState.RUNNING, VmPolicy.SUSPEND);
    VmInfo scratch = vm("scratch", 1, 1, VmState.PAUSED, VmPolicy.SHUTDOWN);

    Plan plan = plan(List.of(web, batch, cache, scratch), List.of(host("h1", 64, 32)));

    assertThat(plan.go()).isTrue();
    assertThat(plan.moves()).extracting(Move::vm).containsExactly(web);
    assertThat(plan.shutdowns()).containsExactly(batch, scratch);
    assertThat(plan.suspends()).containsExactly(cache);
    assertThat(plan.summary()).isEqualTo("GO: 1 VM -> 1 host, 2 shut down, 1 suspended");
    assertThat(plan.bytesToMove()).isEqualTo(4 * GIB);
  }

  @Test
  void shutdownGuestsNeedNoRoomElsewhere() {
    // Too big for any target, but it is shut down in place, so the plan is GO.
    Plan plan =
        plan(
            List.of(vm("huge", 512, 64, VmState.RUNNING, VmPolicy.SHUTDOWN)),
            List.of(host("h1", 8, 4)));

    assertThat(plan.go()).isTrue();
    assertThat(plan.moves()).isEmpty();
    assertThat(plan.shutdowns()).extracting(VmInfo::name).containsExactly("huge");
  }

  @ParameterizedTest
  @EnumSource(
      value = VmState.class,
      names = {"SHUTOFF", "SUSPENDED", "CRASHED"})
  void guestsThatDoNotRunAreIgnored(VmState state) {
    // Far bigger than the cluster: it would make the plan NO-GO if it were counted.
    VmInfo off = vm("off", 512, 64, state, VmPolicy.MIGRATE);
    VmInfo offShutdown = vm("off2", 1, 1, state, VmPolicy.SHUTDOWN);
    VmInfo offSuspend = vm("off3", 1, 1, state, VmPolicy.SUSPEND);

    Plan plan =
        plan(List.of(vm("web", 4, 1), off, offShutdown, offSuspend), List.of(host("h1", 8, 4)));

    assertThat(plan.go()).isTrue();
    assertThat(plan.moves()).extracting(m -> m.vm().name()).containsExactly("web");
    assertThat(plan.shutdowns()).isEmpty();
    assertThat(plan.suspends()).isEmpty();
    assertThat(plan.bytesToMove()).isEqualTo(4 * GIB);
  }

  @Test
  void pausedGuestsAreMoved() {
    VmInfo paused = vm("paused", 4, 1, VmState.PAUSED, VmPolicy.MIGRATE);

    Plan plan = plan(List.of(paused), List.of(host("h1", 8, 4)));

    assertThat(plan.go()).isTrue();
    assertThat(plan.moves()).containsExactly(new Move(paused, "h1"));
  }

  @Test
  void pausedGuestsCountAgainstCapacity() {
    Plan plan =
        plan(
            List.of(vm("a", 6, 1), vm("paused", 6, 1, VmState.PAUSED, VmPolicy.MIGRATE)),
            List.of(host("h1", 8, 4)));

    assertThat(plan.go()).isFalse();
    assertThat(plan.summary()).isEqualTo("NO-GO: needs 12 GiB, 8 GiB free");
  }

  @Test
  void movesAreLargestFirstThenMostVcpusThenName() {
    List<VmInfo> vms =
        List.of(
            vm("small", 1, 1),
            vm("b-mid", 4, 2),
            vm("wide", 4, 8),
            vm("big", 16, 1),
            vm("a-mid", 4, 2));

    Plan plan = plan(vms, List.of(host("h1", 256, 64)));

    assertThat(plan.moves())
        .extracting(m -> m.vm().name())
        .containsExactly("big", "wide", "a-mid", "b-mid", "small");
  }

  @Test
  void worstFitSpreadsGuestsAcrossHosts() {
    Plan plan =
        plan(
            List.of(vm("a", 8, 1), vm("b", 8, 1), vm("c", 8, 1)),
            List.of(host("h1", 32, 16), host("h2", 32, 16), host("h3", 32, 16)));

    assertThat(plan.summary()).isEqualTo("GO: 3 VMs -> 3 hosts");
    assertThat(plan.moves()).extracting(Move::destination).containsExactly("h1", "h2", "h3");
  }

  @Test
  void worstFitPicksTheHostWithMostMemoryLeft() {
    Plan plan =
        plan(
            List.of(vm("big", 16, 2), vm("mid", 8, 2), vm("small", 4, 2)),
            List.of(host("h1", 64, 32, 40, 0), host("h2", 64, 32, 20, 0)));

    // h2 has 44 free, h1 24: big -> h2 (28 left), mid -> h2 (20 left), small -> h1 (20 left vs 16).
    assertThat(destinations(plan)).containsEntry("big", "h2");
    assertThat(destinations(plan)).containsEntry("mid", "h2");
    assertThat(destinations(plan)).containsEntry("small", "h1");
  }

  @Test
  void roomOnMemoryAloneIsNotEnough() {
    // h1 has the most memory but no vCPU to spare; the guest must go to h2.
    Plan plan =
        plan(List.of(vm("a", 8, 4)), List.of(host("h1", 128, 16, 0, 14), host("h2", 16, 8)));

    assertThat(plan.moves()).containsExactly(new Move(vm("a", 8, 4), "h2"));
  }

  @Test
  void neverOverCommitsATarget() {
    List<VmInfo> vms =
        List.of(vm("a", 10, 2), vm("b", 10, 2), vm("c", 10, 2), vm("d", 5, 2), vm("e", 5, 2));
    List<TargetHost> targets = List.of(host("h1", 20, 4), host("h2", 20, 8, 0, 2));

    Plan plan = plan(vms, targets);

    assertThat(plan.go()).isTrue();
    Map<String, Long> memory = new HashMap<>();
    Map<String, Integer> vcpus = new HashMap<>();
    for (Move move : plan.moves()) {
      memory.merge(move.destination(), move.vm().memoryBytes(), Long::sum);
      vcpus.merge(move.destination(), move.vm().vcpus(), Integer::sum);
    }
    for (TargetHost target : targets) {
      assertThat(memory.getOrDefault(target.name(), 0L))
          .isLessThanOrEqualTo(target.freeMemoryBytes());
      assertThat(vcpus.getOrDefault(target.name(), 0)).isLessThanOrEqualTo(target.freeVcpus());
    }
  }

  @Test
  void anOverCommittedTargetTakesNothing() {
    Plan plan =
        plan(List.of(vm("a", 1, 1)), List.of(host("h1", 8, 8, 12, 0), host("h2", 8, 8, 8, 10)));

    assertThat(plan.go()).isFalse();
    assertThat(plan.summary()).isEqualTo("NO-GO: needs 1 GiB, 0 MiB free");
  }

  @Test
  void exactFitIsAccepted() {
    Plan plan = plan(List.of(vm("a", 8, 4)), List.of(host("h1", 16, 8, 8, 4)));

    assertThat(plan.go()).isTrue();
  }

  @Test
  void concurrencyIsOneWithoutSourceCapacity() {
    Plan plan =
        plan(List.of(vm("a", 1, 1), vm("b", 1, 1), vm("c", 1, 1)), List.of(host("h1", 64, 32)));

    assertThat(plan.concurrency()).isEqualTo(1);
  }

  @Test
  void concurrencyComesFromTheSourceNic() {
    // 10 Gb/s NIC, 4 Gb/s streams: quiet guests share the link, at least three streams fill it.
    List<VmInfo> vms =
        List.of(vm("a", 1, 1), vm("b", 1, 1), vm("c", 1, 1), vm("d", 1, 1), vm("e", 1, 1));
    Plan plan = EvacuationPlanner.plan("src", capacity(128, 64), vms, List.of(host("h1", 64, 32)));

    assertThat(plan.concurrency())
        .isEqualTo(ConcurrencyPolicy.choose(vms, capacity(128, 64)))
        .isBetween(3, 5);
  }

  @Test
  void bestFitReturnsEmptyWhenNothingFitsAndFirstOnTies() {
    List<TargetHost> hosts = List.of(host("h1", 8, 4), host("h2", 8, 4), host("h3", 4, 4));

    assertThat(EvacuationPlanner.bestFit(hosts, 4 * GIB, 2)).contains(0);
    assertThat(EvacuationPlanner.bestFit(hosts, 9 * GIB, 2)).isEmpty();
    assertThat(EvacuationPlanner.bestFit(hosts, 1 * GIB, 5)).isEmpty();
    assertThat(EvacuationPlanner.bestFit(List.of(), 0, 0)).isEmpty();
  }
}
