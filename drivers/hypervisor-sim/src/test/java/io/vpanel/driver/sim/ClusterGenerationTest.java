package io.vpanel.driver.sim;

import static io.vpanel.driver.sim.Sizes.GIB;
import static io.vpanel.driver.sim.Sizes.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.VirtualScheduler;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ClusterGenerationTest {

  private final VirtualScheduler scheduler = new VirtualScheduler();

  @Test
  void defaultClusterHasFourHostsAndTwentyFourRunningMigratableGuests() {
    SimCluster cluster = SimCluster.generate(SimSettings.defaults(), scheduler);

    assertThat(cluster.hostNames()).containsExactly("sim-01", "sim-02", "sim-03", "sim-04");
    List<VmInfo> vms = cluster.allVms();
    assertThat(vms).hasSize(24);
    assertThat(vms.stream().map(VmInfo::name).sorted().toList())
        .startsWith("vm-01", "vm-02")
        .endsWith("vm-24");
    assertThat(vms)
        .allSatisfy(
            vm -> {
              assertThat(vm.state()).isEqualTo(VmState.RUNNING);
              assertThat(vm.policy()).isEqualTo(VmPolicy.MIGRATE);
              assertThat(vm.memoryBytes()).isIn(2 * GIB, 4 * GIB, 8 * GIB, 16 * GIB);
              assertThat(vm.vcpus()).isBetween(1, 8);
              assertThat(UUID.fromString(vm.uuid()).version()).isEqualTo(4);
            });
    assertThat(vms).extracting(VmInfo::uuid).doesNotHaveDuplicates();
    Set<Long> memorySizes = vms.stream().map(VmInfo::memoryBytes).collect(Collectors.toSet());
    assertThat(memorySizes).as("a mix of sizes").hasSizeGreaterThanOrEqualTo(3);
  }

  @Test
  void defaultClusterMixesIdleModerateAndBusyGuests() {
    List<Long> dirtyRates =
        SimCluster.generate(SimSettings.defaults(), scheduler).allVms().stream()
            .map(VmInfo::dirtyRateBytesPerSec)
            .toList();

    assertThat(dirtyRates).allSatisfy(rate -> assertThat(rate).isBetween(MIB, 250 * MIB));
    assertThat(dirtyRates).anyMatch(rate -> rate <= 5 * MIB);
    assertThat(dirtyRates).anyMatch(rate -> rate >= 20 * MIB && rate <= 60 * MIB);
    assertThat(dirtyRates).anyMatch(rate -> rate >= 100 * MIB);
  }

  @Test
  void defaultClusterMeetsTheSizingRuleTheDemoDependsOn() {
    SimCluster cluster = SimCluster.generate(SimSettings.defaults(), scheduler);
    SizingRule rule = new SizingRule(cluster);

    assertThat(rule.memoryLoad()).isBetween(0.40, 0.50);
    assertThat(rule.everyHostFitsOnTheOthers()).isTrue();
    assertThat(rule.noHostTakesAllTheOthers()).isTrue();
  }

  @Test
  void theLargestDocumentedClusterIsDrawnAndMeetsTheSizingRule() {
    SimCluster cluster =
        SimCluster.generate(new SimSettings(11, 1000, 100_000, 10, 5, 100, 30), scheduler);

    assertThat(cluster.hostNames()).hasSize(1000);
    assertThat(cluster.allVms()).hasSize(100_000);
    assertThat(new SizingRule(cluster).everyHostFitsOnTheOthers()).isTrue();
  }

  @Test
  void hostsHaveRoundSizesAndTheConfiguredBandwidth() {
    SimSettings settings = new SimSettings(7, 5, 30, 25, 8, 100, 30);
    SimCluster cluster = SimCluster.generate(settings, scheduler);

    for (String host : cluster.hostNames()) {
      HostCapacity capacity = cluster.capacity(host);
      assertThat(capacity.memoryBytes() % (4 * GIB)).isZero();
      assertThat(capacity.vcpus()).isGreaterThanOrEqualTo(16);
      assertThat(capacity.nicBytesPerSec()).isEqualTo(3_125_000_000L);
      assertThat(capacity.streamBytesPerSec()).isEqualTo(1_000_000_000L);
    }
  }

  @Test
  void theSameSeedGivesTheSameClusterAndAnotherSeedADifferentOne() {
    List<VmInfo> first = SimCluster.generate(SimSettings.defaults(), scheduler).allVms();
    List<VmInfo> again =
        SimCluster.generate(SimSettings.defaults(), new VirtualScheduler()).allVms();
    List<VmInfo> other =
        SimCluster.generate(SimSettings.defaults().withSeed(2), new VirtualScheduler()).allVms();

    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }

  @Test
  void guestsAreSpreadToBalanceMemory() {
    SimCluster cluster = SimCluster.generate(SimSettings.defaults(), scheduler);
    List<Long> used =
        cluster.hostNames().stream()
            .map(host -> cluster.vmsOn(host).stream().mapToLong(VmInfo::memoryBytes).sum())
            .toList();

    long spread =
        used.stream().mapToLong(Long::longValue).max().orElseThrow()
            - used.stream().mapToLong(Long::longValue).min().orElseThrow();
    assertThat(spread).isLessThanOrEqualTo(16 * GIB);
  }
}
