package io.vpanel.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The seeded-property support: draws, seeds and random clusters are reproducible and in bounds. */
class PropertySupportTest {

  @Test
  void theSameSeedDrawsTheSameValues() {
    assertThat(draws(new Draw(42)))
        .isEqualTo(draws(new Draw(42)))
        .isNotEqualTo(draws(new Draw(43)));
  }

  @Test
  void rangesStayInsideAndReachBothEnds() {
    Draw draw = new Draw(7);
    List<Integer> values = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      values.add(draw.between(3, 9));
    }
    assertThat(values).allMatch(v -> v >= 3 && v <= 9).contains(3, 9);
    assertThat(draw.list(0, 4, () -> "x")).hasSizeBetween(0, 4);
    assertThat(draw.string(10, "ab")).matches("[ab]{0,10}");
  }

  @Test
  void theSeedsOfAPropertyAreFixedAndDifferFromAnotherPropertys() {
    long[] once = PropertySeeds.seeds(PropertySupportTest.class, "a", 20);

    assertThat(PropertySeeds.seeds(PropertySupportTest.class, "a", 20)).isEqualTo(once).hasSize(20);
    assertThat(PropertySeeds.seeds(PropertySupportTest.class, "b", 20)).isNotEqualTo(once);
  }

  @Test
  void aRandomClusterIsTheSameForTheSameSeedAndFitsItsHosts() {
    RandomCluster first =
        RandomCluster.generate(new SplittableRandom(5), RandomCluster.Placement.ANY_HOST);
    RandomCluster again =
        RandomCluster.generate(new SplittableRandom(5), RandomCluster.Placement.ANY_HOST);
    assertThat(again).isEqualTo(first);

    for (long seed = 0; seed < 200; seed++) {
      RandomCluster cluster =
          RandomCluster.generate(
              new SplittableRandom(seed), RandomCluster.Placement.H1_GETS_A_FAIR_SHARE);
      for (RandomCluster.Host host : cluster.hosts()) {
        List<RandomCluster.Vm> on =
            cluster.vms().stream().filter(vm -> vm.host().equals(host.name())).toList();
        assertThat(on.stream().mapToLong(RandomCluster.Vm::memoryBytes).sum())
            .isLessThanOrEqualTo(host.capacity().memoryBytes());
        assertThat(on.stream().mapToInt(RandomCluster.Vm::vcpus).sum())
            .isLessThanOrEqualTo(host.capacity().vcpus());
      }
      assertThat(cluster.vms()).anyMatch(vm -> vm.host().equals("h1"));
    }
  }

  private static List<Object> draws(Draw draw) {
    return List.of(draw.between(0, 1000), draw.anyLong(), draw.anyString(20), draw.bool());
  }
}
