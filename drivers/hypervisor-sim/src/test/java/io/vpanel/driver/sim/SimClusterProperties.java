package io.vpanel.driver.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.MigrationHandle;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class SimClusterProperties {

  @Property(tries = 300)
  void generatedClustersMeetTheSizingRule(
      @ForAll long seed,
      @ForAll @IntRange(min = 3, max = 8) int hosts,
      @ForAll @IntRange(min = 4, max = 10) int vmsPerHost) {
    SimSettings settings =
        SimSettings.defaults().withSeed(seed).withHosts(hosts).withVms(hosts * vmsPerHost);
    SizingRule rule = new SizingRule(SimCluster.generate(settings, new VirtualScheduler()));

    assertThat(rule.memoryLoad()).isBetween(0.38, 0.50);
    assertThat(rule.everyHostFitsOnTheOthers()).isTrue();
    assertThat(rule.noHostTakesAllTheOthers()).isTrue();
  }

  /** One thing done to the cluster, then some time passes. */
  record Step(int kind, int vm, int host, int otherHost, int waitMillis) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> step =
        Combinators.combine(
                Arbitraries.integers().between(0, 9),
                Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(0, 30_000))
            .as(Step::new);
    return step.list().ofMinSize(1).ofMaxSize(40);
  }

  @Property(tries = 100)
  void everyGuestIsOnExactlyOneHostWhateverMigrationsAndFaultsDo(
      @ForAll long seed,
      @ForAll @IntRange(min = 3, max = 5) int hosts,
      @ForAll("steps") List<Step> steps) {
    VirtualScheduler scheduler = new VirtualScheduler();
    SimSettings settings =
        SimSettings.defaults().withSeed(seed).withHosts(hosts).withVms(hosts * 5);
    SimCluster cluster = SimCluster.generate(settings, scheduler);
    SimHypervisorDriver driver = new SimHypervisorDriver(cluster);
    List<String> names = cluster.hostNames();
    List<String> uuids = cluster.allVms().stream().map(VmInfo::uuid).toList();
    List<MigrationHandle> handles = new ArrayList<>();
    List<Recorders.Migration> migrations = new ArrayList<>();

    for (Step step : steps) {
      String uuid = uuids.get(step.vm() % uuids.size());
      String host = names.get(step.host() % names.size());
      String other = names.get(step.otherHost() % names.size());
      switch (step.kind()) {
        case 0, 1, 2, 3, 4 -> {
          String source = cluster.hostOf(uuid).orElseThrow();
          if (cluster.isAlive(source)) {
            Recorders.Migration migration = new Recorders.Migration(scheduler);
            handles.add(
                driver
                    .connect(SimHypervisorDriver.endpointOf(source))
                    .migrate(
                        uuid,
                        SimHypervisorDriver.endpointOf(host),
                        MigrationOptions.DEFAULTS,
                        migration));
            migrations.add(migration);
          }
        }
        case 5 -> {
          if (!handles.isEmpty()) {
            handles.get(step.vm() % handles.size()).abort();
          }
        }
        case 6 -> cluster.killHost(host);
        case 7 -> cluster.reviveHost(host);
        case 8 -> cluster.dropLink(host, other);
        default -> cluster.restoreLink(host, other);
      }
      scheduler.advance(Duration.ofMillis(step.waitMillis()));
      assertEveryGuestOnExactlyOneHost(cluster, uuids);
    }
    names.forEach(cluster::reviveHost);
    scheduler.runUntilIdle(Duration.ofHours(10));

    assertEveryGuestOnExactlyOneHost(cluster, uuids);
    assertThat(migrations).allSatisfy(migration -> assertThat(migration.outcomes).hasSize(1));
    assertThat(cluster.activeMigrations()).isZero();
    for (String host : names) {
      long used =
          cluster.vmsOn(host).stream()
              .filter(vm -> vm.state().isRunning())
              .mapToLong(VmInfo::memoryBytes)
              .sum();
      assertThat(cluster.freeMemory(host))
          .isEqualTo(cluster.capacity(host).memoryBytes() - used)
          .isNotNegative();
    }
  }

  private static void assertEveryGuestOnExactlyOneHost(SimCluster cluster, List<String> uuids) {
    Map<String, Long> placements =
        cluster.hostNames().stream()
            .flatMap(host -> cluster.vmsOn(host).stream())
            .collect(Collectors.groupingBy(VmInfo::uuid, Collectors.counting()));
    assertThat(placements.keySet()).containsExactlyInAnyOrderElementsOf(uuids);
    assertThat(placements.values()).allMatch(count -> count == 1);
    assertThat(uuids.stream().collect(Collectors.toMap(Function.identity(), cluster::hostOf)))
        .allSatisfy((uuid, host) -> assertThat(host).isPresent());
  }
}
