package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.model.Activity;
import io.vpanel.core.model.MigrationView;
import io.vpanel.core.plan.Plan;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.VmState;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The planner's per-guest migration features and its learning, end to end on the simulator. */
class MigrationFeaturesFlowTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;
  private static final EngineSettings ALL_FEATURES =
      EngineSettings.defaults().toBuilder()
          .migrationFeatures(EnumSet.allOf(MigrationFeature.class))
          .build();

  private static Function<io.vpanel.testkit.VirtualScheduler, SimCluster> cluster(
      HostCapacity capacity, Duration setup, VmSpec... onH1) {
    return scheduler ->
        SimCluster.builder(scheduler)
            .seed(11)
            .setup(setup)
            .host("h1", capacity)
            .host("h2", capacity)
            .host("h3", capacity)
            .vm("h1", onH1)
            .build();
  }

  private static final HostCapacity FAST = new HostCapacity(64 * GIB, 32, 1_250 * MB, 400 * MB);

  private static String uuidOf(SimHarness h, String name) {
    return h.cluster.allVms().stream()
        .filter(vm -> vm.name().equals(name))
        .findFirst()
        .orElseThrow()
        .uuid();
  }

  private static List<Activity> migrationEvents(SimHarness h, String event, String vm) {
    return h.activities.stream()
        .filter(a -> event.equals(a.fields().get("event")) && vm.equals(a.fields().get("vm")))
        .toList();
  }

  private static Plan plan(SimHarness h, String host) {
    CompletableFuture<Plan> plan = h.engine.plan(host);
    h.scheduler.runUntil(plan::isDone, Duration.ofSeconds(5));
    return plan.join();
  }

  @Test
  void aLargeIdleGuestAloneOnAFastLinkGetsMultifdAndItsMoveUsesIt() {
    try (SimHarness h =
        new SimHarness(
            cluster(FAST, Duration.ZERO, VmSpec.running("big", 16 * GIB, 4, 0, GIB)),
            ALL_FEATURES,
            Map.of())) {
      Plan plan = plan(h, "h1");
      assertThat(plan.moves())
          .singleElement()
          .satisfies(
              m -> {
                assertThat(m.options().parallelConnections()).isEqualTo(4);
                assertThat(m.options().featureLabel()).contains("multifd x4");
              });

      h.request("h1", MaintenanceAction.ENTER);
      h.runUntilState("h1", Duration.ofHours(1), MaintenanceState.IN_MAINTENANCE);

      assertThat(migrationEvents(h, "started", "big"))
          .singleElement()
          .satisfies(a -> assertThat(a.message()).contains("multifd x4"));
      assertThat(migrationEvents(h, "completed", "big"))
          .singleElement()
          .satisfies(
              a -> {
                assertThat(String.valueOf(a.fields().get("features"))).contains("multifd x4");
                // the link, not one 400 MB/s stream, was the limit
                assertThat((Long) a.fields().get("bandwidthBytesPerSec")).isGreaterThan(1_000 * MB);
              });
      h.assertNoViolations();
    }
  }

  @Test
  void compressionIsPlannedOnlyWhileTheSourcesCpuIsFree() {
    HostCapacity slow = new HostCapacity(64 * GIB, 32, 50 * MB, 400 * MB);
    try (SimHarness h =
        new SimHarness(
            cluster(slow, Duration.ZERO, VmSpec.running("writer", GIB / 2, 2, 20 * MB, GIB / 2)),
            ALL_FEATURES,
            Map.of())) {
      Function<Plan, String> features = p -> p.moves().get(0).options().featureLabel();
      assertThat(features.apply(plan(h, "h1"))).as("CPU not reported").contains("xbzrle");

      h.cluster.setCpuIdleShare("h1", 0.1);
      h.scheduler.advance(Duration.ofSeconds(31)); // the next inventory read
      assertThat(features.apply(plan(h, "h1"))).as("90 % busy").doesNotContain("xbzrle");

      h.cluster.setCpuIdleShare("h1", 0.6);
      h.scheduler.advance(Duration.ofSeconds(31));
      assertThat(features.apply(plan(h, "h1"))).as("60 % idle").contains("xbzrle");
    }
  }

  @Test
  void aGuestThatWillNotConvergeMovesByPostCopyOnlyWhereItAllowsIt() {
    VmSpec hot = VmSpec.running("hot", 2 * GIB, 2, 3_000 * MB, 2 * GIB);
    VmSpec warm = VmSpec.running("warm", 2 * GIB, 2, 3_000 * MB, 2 * GIB);
    try (SimHarness h =
        new SimHarness(cluster(FAST, Duration.ZERO, hot, warm), ALL_FEATURES, Map.of())) {
      h.cluster.allowPostCopy(uuidOf(h, "hot"));
      h.scheduler.runUntil(
          () -> h.status("h1").vms().stream().anyMatch(vm -> vm.vm().postCopyAllowed()),
          Duration.ofMinutes(2));

      h.request("h1", MaintenanceAction.ENTER);
      h.runUntilState(
          "h1", Duration.ofHours(1), MaintenanceState.IN_MAINTENANCE, MaintenanceState.FAILED);

      assertThat(h.state("h1")).isEqualTo(MaintenanceState.IN_MAINTENANCE);
      assertThat(migrationEvents(h, "started", "hot"))
          .first()
          .satisfies(
              a -> assertThat(String.valueOf(a.fields().get("features"))).contains("post-copy"));
      assertThat(migrationEvents(h, "started", "warm"))
          .first()
          .satisfies(
              a ->
                  assertThat(String.valueOf(a.fields().get("features")))
                      .doesNotContain("post-copy")
                      .contains("auto-converge"));
      h.assertNoViolations();
    }
  }

  @Test
  void aCancelDuringPostCopyLeavesTheGuestToFinishInsteadOfLosingIt() {
    VmSpec hot = VmSpec.running("hot", 8 * GIB, 2, 3_000 * MB, 8 * GIB);
    HostCapacity slow = new HostCapacity(64 * GIB, 32, 100 * MB, 100 * MB);
    try (SimHarness h = new SimHarness(cluster(slow, Duration.ZERO, hot), ALL_FEATURES, Map.of())) {
      String uuid = uuidOf(h, "hot");
      h.cluster.allowPostCopy(uuid);
      h.cluster.neverConverge(uuid);
      h.scheduler.runUntil(
          () -> h.status("h1").vms().stream().anyMatch(vm -> vm.vm().postCopyAllowed()),
          Duration.ofMinutes(2));

      h.request("h1", MaintenanceAction.ENTER);
      // post-copy: the guest runs on the destination while its pages are still pulled
      h.scheduler.runUntil(
          () ->
              h.engine.snapshot().hosts().stream()
                  .flatMap(host -> host.vms().stream())
                  .anyMatch(vm -> vm.migration().map(MigrationView::postCopy).orElse(false)),
          Duration.ofHours(1));
      assertThat(h.state("h1")).isEqualTo(MaintenanceState.ENTERING);

      assertThat(h.request("h1", MaintenanceAction.CANCEL).accepted()).isTrue();
      h.runUntilState("h1", Duration.ofHours(1), MaintenanceState.OPERATIONAL);

      assertThat(h.activities)
          .anySatisfy(
              a -> {
                assertThat(a.fields().get("event")).isEqualTo("kept");
                assertThat(a.message()).contains("an abort would lose it");
              });
      String where = h.cluster.hostOf(uuid).orElseThrow();
      assertThat(where).isNotEqualTo("h1");
      assertThat(h.cluster.allVms().stream().filter(vm -> vm.uuid().equals(uuid)).findFirst())
          .hasValueSatisfying(vm -> assertThat(vm.state()).isEqualTo(VmState.RUNNING));
    }
  }

  @Test
  void theSecondPlanPredictsCloserOnceTheSetUpTimeWasLearned() {
    // the simulator's set-up is 3 s per migration; the planner starts from its 0.1 s constant
    VmSpec[] guests = new VmSpec[6];
    for (int i = 0; i < guests.length; i++) {
      guests[i] = VmSpec.running("vm-" + i, 2 * GIB, 2, 0, GIB);
    }
    try (SimHarness h =
        new SimHarness(cluster(FAST, Duration.ofSeconds(3), guests), ALL_FEATURES, Map.of())) {
      double firstError = evacuateAndReturn(h);
      double secondError = evacuateAndReturn(h);

      assertThat(secondError).isLessThan(firstError);
      assertThat(secondError).isLessThan(0.2);
      h.assertNoViolations();
    }
  }

  /** One evacuation and its return; the relative error of the plan's predicted makespan. */
  private static double evacuateAndReturn(SimHarness h) {
    Plan plan = plan(h, "h1");
    Instant start = h.scheduler.now();
    h.request("h1", MaintenanceAction.ENTER);
    h.runUntilState("h1", Duration.ofHours(1), MaintenanceState.IN_MAINTENANCE);
    double measured = Duration.between(start, h.scheduler.now()).toMillis() / 1000.0;
    h.request("h1", MaintenanceAction.EXIT);
    h.runUntilState("h1", Duration.ofHours(1), MaintenanceState.OPERATIONAL);
    return Math.abs(plan.predictedSeconds() - measured) / measured;
  }
}
