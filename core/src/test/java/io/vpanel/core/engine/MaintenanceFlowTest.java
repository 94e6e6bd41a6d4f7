package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.model.Activity;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.PfaStatus;
import io.vpanel.core.plan.Plan;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.SimSettings;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.alert.AlertSeverity;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelState;
import io.vpanel.testkit.InMemoryAlertSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The maintenance flow of BRIEF.md end to end on the simulator, on a virtual clock. */
class MaintenanceFlowTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;
  private static final Duration HOUR = Duration.ofHours(1);

  private static Function<io.vpanel.testkit.VirtualScheduler, SimCluster> demo() {
    return scheduler -> SimCluster.generate(SimSettings.defaults(), scheduler);
  }

  /** Three hosts of 32 GiB / 16 vCPUs; h1 runs the given guests. */
  private static Function<io.vpanel.testkit.VirtualScheduler, SimCluster> small(VmSpec... onH1) {
    HostCapacity capacity = new HostCapacity(32 * GIB, 16, 1_250 * MB, 500 * MB);
    return scheduler ->
        SimCluster.builder(scheduler)
            .seed(7)
            .host("h1", capacity)
            .host("h2", capacity)
            .host("h3", capacity)
            .vm("h1", onH1)
            .build();
  }

  private static VmSpec idle(String name, long gib) {
    return VmSpec.running(name, gib * GIB, 2, 2 * MB, gib * GIB / 10);
  }

  @Test
  void enteringEmptiesTheHostAndShowsSafeToServiceOnlyAtZero() {
    try (SimHarness h = new SimHarness(demo())) {
      int total = h.cluster.allVms().size();
      CompletableFuture<Plan> plan = h.engine.plan("sim-01");
      h.scheduler.runUntil(plan::isDone, Duration.ofSeconds(5));
      long before = h.runningOn("sim-01");
      assertThat(before).isPositive();

      CommandResult result = h.request("sim-01", MaintenanceAction.ENTER);
      assertThat(result.accepted()).isTrue();
      assertThat(result.message()).startsWith("GO: " + before + " VMs -> ");
      assertThat(h.state("sim-01")).isEqualTo(MaintenanceState.ENTERING);

      h.runUntilState("sim-01", HOUR, MaintenanceState.IN_MAINTENANCE, MaintenanceState.FAILED);

      assertThat(h.state("sim-01")).isEqualTo(MaintenanceState.IN_MAINTENANCE);
      assertThat(h.runningOn("sim-01")).isZero();
      assertThat(h.cluster.allVms()).hasSize(total);
      assertThat(h.status("sim-01").maintenance().safeToService()).isTrue();
      PanelState panel = h.panels.get("sim-01").last();
      assertThat(panel.maintenance()).isEqualTo(Light.steady(LightColor.GREEN));
      assertThat(panel.lines().get(1)).startsWith("SAFE TO SERVICE");
      assertThat(panel.identify()).isTrue();
      assertThat(h.panels.get("sim-01").rendered)
          .anyMatch(p -> p.maintenance().equals(Light.flashing(LightColor.RED)));
      // the planner's concurrency, honoured (with multifd it may well be one large guest at a time)
      assertThat(h.maxConcurrentOut).as("migrations at once").isEqualTo(plan.join().concurrency());
      h.assertNoViolations();
    }
  }

  @Test
  void exitMovesTheEvacuatedVmsBackWhereTheyWere() {
    try (SimHarness h = new SimHarness(demo())) {
      Map<String, String> original = h.placement();
      h.request("sim-02", MaintenanceAction.ENTER);
      h.runUntilState("sim-02", HOUR, MaintenanceState.IN_MAINTENANCE);

      CommandResult exit = h.request("sim-02", MaintenanceAction.EXIT);
      assertThat(exit.accepted()).isTrue();
      assertThat(h.state("sim-02")).isEqualTo(MaintenanceState.EXITING);
      h.runUntilState("sim-02", HOUR, MaintenanceState.OPERATIONAL);

      assertThat(h.placement()).isEqualTo(original);
      assertThat(h.panels.get("sim-02").last().maintenance()).isEqualTo(Light.OFF);
      h.assertNoViolations();
    }
  }

  @Test
  void aGuestIsNeverInTwoMigrationsWhenAnExitMeetsAnotherHostsEvacuation() {
    HostCapacity big = new HostCapacity(64 * GIB, 32, 1_250 * MB, 500 * MB);
    HostCapacity small = new HostCapacity(16 * GIB, 16, 1_250 * MB, 500 * MB);
    Function<io.vpanel.testkit.VirtualScheduler, SimCluster> cluster =
        scheduler ->
            SimCluster.builder(scheduler)
                .seed(3)
                .host("h1", big)
                .host("h2", big)
                .host("h3", small)
                .host("h4", small)
                .vm("h1", idle("a", 4), idle("b", 4))
                .vm("h2", idle("c", 4))
                .build();
    try (SimHarness h = new SimHarness(cluster)) {
      h.request("h1", MaintenanceAction.ENTER);
      h.runUntilState("h1", HOUR, MaintenanceState.IN_MAINTENANCE);
      assertThat(h.placement()).containsEntry("a", "h2").containsEntry("b", "h2");

      assertThat(h.request("h2", MaintenanceAction.ENTER).accepted()).isTrue();
      h.scheduler.advance(Duration.ofMillis(500));
      assertThat(h.request("h1", MaintenanceAction.EXIT).accepted()).isTrue();
      h.scheduler.runUntil(
          () ->
              h.state("h1") == MaintenanceState.OPERATIONAL
                  && h.state("h2") == MaintenanceState.IN_MAINTENANCE,
          HOUR);

      assertThat(h.placement()).containsEntry("a", "h1").containsEntry("b", "h1");
      assertThat(h.runningOn("h2")).isZero();
      assertThat(h.activities).noneMatch(a -> "failed".equals(a.fields().get("event")));
      h.assertNoViolations();
    }
  }

  @Test
  void aShortBumpDoesNothingAndAHoldEntersThenAHoldCancels() {
    try (SimHarness h = new SimHarness(demo())) {
      Map<String, String> original = h.placement();
      h.press("sim-03");
      h.scheduler.advance(Duration.ofMillis(1500));
      assertThat(h.panels.get("sim-03").last().hold()).isPresent();
      assertThat(h.panels.get("sim-03").last().lines().get(2)).startsWith("HOLD 3S TO ENTER");
      h.release("sim-03");
      h.scheduler.advance(Duration.ofSeconds(10));
      assertThat(h.state("sim-03")).isEqualTo(MaintenanceState.OPERATIONAL);
      assertThat(h.placement()).isEqualTo(original);
      assertThat(h.activities).anyMatch(a -> a.message().contains("too short, nothing done"));

      h.press("sim-03");
      h.scheduler.advance(Duration.ofMillis(3100));
      assertThat(h.state("sim-03")).isEqualTo(MaintenanceState.ENTERING);
      h.release("sim-03");
      h.scheduler.advance(Duration.ofSeconds(2));

      h.press("sim-03");
      h.scheduler.advance(Duration.ofMillis(3100));
      h.release("sim-03");
      h.runUntilState("sim-03", HOUR, MaintenanceState.OPERATIONAL);
      assertThat(h.status("sim-03").maintenance().reason()).hasValue("cancelled by panel:test");
      assertThat(h.cluster.activeMigrations()).isZero();
      h.assertNoViolations();
    }
  }

  @Test
  void aRequestThatCannotFitIsRefusedBeforeAnyVmMoves() {
    try (SimHarness h = new SimHarness(demo())) {
      h.request("sim-01", MaintenanceAction.ENTER);
      h.runUntilState("sim-01", HOUR, MaintenanceState.IN_MAINTENANCE);
      CommandResult second = h.request("sim-02", MaintenanceAction.ENTER);
      if (second.accepted()) {
        h.runUntilState("sim-02", HOUR, MaintenanceState.IN_MAINTENANCE);
      }
      Map<String, String> before = h.placement();

      CommandResult third = h.request("sim-03", MaintenanceAction.ENTER);

      assertThat(third.accepted()).isFalse();
      assertThat(third.message()).startsWith("NO-GO: needs ");
      assertThat(h.state("sim-03")).isEqualTo(MaintenanceState.OPERATIONAL);
      assertThat(String.join("|", h.panels.get("sim-03").last().lines())).contains("NO-GO");
      h.scheduler.advance(Duration.ofSeconds(30));
      assertThat(h.placement()).isEqualTo(before);
      assertThat(String.join("|", h.panels.get("sim-03").last().lines())).doesNotContain("NO-GO");
      h.assertNoViolations();
    }
  }

  @Test
  void aDestinationThatDiesIsRetriedOnAnotherHost() {
    try (SimHarness h = new SimHarness(small(idle("big", 12)))) {
      h.request("h1", MaintenanceAction.ENTER);
      h.scheduler.runUntil(() -> h.cluster.activeMigrations() == 1, Duration.ofSeconds(5));
      h.scheduler.advance(Duration.ofSeconds(2));
      String firstDestination = h.status("h1").vms().get(0).migration().orElseThrow().destination();

      h.cluster.killHost(firstDestination);
      h.runUntilState("h1", HOUR, MaintenanceState.IN_MAINTENANCE, MaintenanceState.FAILED);

      assertThat(h.state("h1")).isEqualTo(MaintenanceState.IN_MAINTENANCE);
      String finalHost = h.cluster.hostOf(h.cluster.allVms().get(0).uuid()).orElseThrow();
      assertThat(finalHost).isNotEqualTo(firstDestination).isNotEqualTo("h1");
      assertThat(h.activities)
          .anyMatch(
              a ->
                  "failed".equals(a.fields().get("event"))
                      && a.message().contains("died")
                      && "hypervisor".equals(a.fields().get("cause")));
      h.assertNoViolations();
    }
  }

  @Test
  void aVmThatCannotMoveAnywhereFailsTheEvacuationWithTheReasonAndStaysRunning() {
    try (SimHarness h = new SimHarness(small(idle("stuck", 4), idle("fine", 2)))) {
      h.cluster.dropLink("h1", "h2");
      h.cluster.dropLink("h1", "h3");

      h.request("h1", MaintenanceAction.ENTER);
      h.runUntilState("h1", HOUR, MaintenanceState.FAILED, MaintenanceState.IN_MAINTENANCE);

      assertThat(h.state("h1")).isEqualTo(MaintenanceState.FAILED);
      assertThat(h.status("h1").maintenance().reason().orElseThrow())
          .contains("2 VMs could not be moved")
          .contains("dropped");
      assertThat(h.runningOn("h1")).isEqualTo(2);
      PanelState panel = h.panels.get("h1").last();
      assertThat(panel.maintenance()).isEqualTo(Light.steady(LightColor.RED));
      assertThat(panel.lines().get(1)).startsWith("MAINTENANCE FAILED");
      assertThat(h.status("h1").maintenance().safeToService()).isFalse();

      h.cluster.restoreLink("h1", "h2");
      h.cluster.restoreLink("h1", "h3");
      assertThat(h.request("h1", MaintenanceAction.EXIT).accepted()).isTrue();
      h.runUntilState("h1", HOUR, MaintenanceState.OPERATIONAL);
      h.assertNoViolations();
    }
  }

  @Test
  void aCancelledMigrationIsCountedAsCancelledNotAsAHypervisorFailure() {
    try (SimHarness h = new SimHarness(small(idle("big", 12)))) {
      h.request("h1", MaintenanceAction.ENTER);
      h.scheduler.runUntil(() -> h.cluster.activeMigrations() == 1, Duration.ofSeconds(5));
      h.scheduler.advance(Duration.ofSeconds(1));

      assertThat(h.request("h1", MaintenanceAction.CANCEL).accepted()).isTrue();
      h.runUntilState("h1", HOUR, MaintenanceState.OPERATIONAL);

      assertThat(h.activities)
          .filteredOn(a -> "failed".equals(a.fields().get("event")))
          .singleElement()
          .satisfies(
              a -> {
                assertThat(a.fields().get("cause")).isEqualTo("cancelled");
                assertThat(String.valueOf(a.fields().get("reason"))).startsWith("cancelled by");
              });
      h.assertNoViolations();
    }
  }

  @Test
  void aMigrationThatNeverConvergesIsAbortedByItsTimeoutAndReported() {
    VmSpec busy = VmSpec.running("busy", 2 * GIB, 2, 400 * MB, GIB);
    try (SimHarness h = new SimHarness(small(busy, idle("quiet", 1)))) {
      String uuid =
          h.cluster.allVms().stream()
              .filter(vm -> vm.name().equals("busy"))
              .findFirst()
              .orElseThrow()
              .uuid();
      h.cluster.neverConverge(uuid);

      h.request("h1", MaintenanceAction.ENTER);
      h.runUntilState(
          "h1", Duration.ofHours(2), MaintenanceState.FAILED, MaintenanceState.IN_MAINTENANCE);

      assertThat(h.state("h1")).isEqualTo(MaintenanceState.FAILED);
      assertThat(h.status("h1").maintenance().reason().orElseThrow())
          .contains("busy")
          .containsAnyOf("timed out", "no progress");
      assertThat(h.cluster.hostOf(uuid)).hasValue("h1");
      assertThat(h.runningOn("h1")).isEqualTo(1);
      List<Activity> failures =
          h.activities.stream().filter(a -> "failed".equals(a.fields().get("event"))).toList();
      assertThat(failures).hasSize(2);
      assertThat(failures)
          .extracting(a -> a.fields().get("cause"))
          .as("the bounded cause beside the free-text reason")
          .isSubsetOf("timeout", "no_progress");
      h.assertNoViolations();
    }
  }

  @Test
  void aMigrationSlowerThanPlannedGetsTheTimeItsRealBandwidthNeeds() {
    // The host declares 500 MB/s streams, but every migration is capped at 20 MB/s: 4 GiB takes
    // about 215 s, far beyond the timeout planned from the declared speed (about 94 s).
    EngineSettings capped =
        EngineSettings.defaults()
            .withMigration(
                new io.vpanel.spi.hypervisor.MigrationOptions(
                    Duration.ofMillis(300), 20 * MB, true, false));
    try (SimHarness h = new SimHarness(small(idle("slow", 4)), capped, Map.of())) {
      h.request("h1", MaintenanceAction.ENTER);
      h.runUntilState("h1", HOUR, MaintenanceState.IN_MAINTENANCE, MaintenanceState.FAILED);

      assertThat(h.state("h1")).isEqualTo(MaintenanceState.IN_MAINTENANCE);
      assertThat(h.activities).noneMatch(a -> "failed".equals(a.fields().get("event")));
      h.assertNoViolations();
    }
  }

  @Test
  void guestsFollowTheirPolicies() {
    VmSpec down = idle("batch", 2).withPolicy(VmPolicy.SHUTDOWN);
    VmSpec saved = idle("cache", 2).withPolicy(VmPolicy.SUSPEND);
    try (SimHarness h = new SimHarness(small(down, saved, idle("web", 4)))) {
      CommandResult enter = h.request("h1", MaintenanceAction.ENTER);
      assertThat(enter.message()).isEqualTo("GO: 1 VM -> 1 host, 1 shut down, 1 suspended");
      h.runUntilState("h1", HOUR, MaintenanceState.IN_MAINTENANCE, MaintenanceState.FAILED);

      assertThat(h.state("h1")).isEqualTo(MaintenanceState.IN_MAINTENANCE);
      assertThat(stateOf(h, "batch")).isEqualTo(VmState.SHUTOFF);
      assertThat(stateOf(h, "cache")).isEqualTo(VmState.SUSPENDED);
      assertThat(h.cluster.hostOf(uuidOf(h, "batch"))).hasValue("h1");

      h.request("h1", MaintenanceAction.EXIT);
      h.runUntilState("h1", HOUR, MaintenanceState.OPERATIONAL);
      assertThat(stateOf(h, "batch")).isEqualTo(VmState.RUNNING);
      assertThat(stateOf(h, "cache")).isEqualTo(VmState.RUNNING);
      assertThat(h.cluster.hostOf(uuidOf(h, "web"))).hasValue("h1");
      h.assertNoViolations();
    }
  }

  @Test
  void aGuestWithPolicyBlockRefusesMaintenance() {
    try (SimHarness h =
        new SimHarness(small(idle("db", 4).withPolicy(VmPolicy.BLOCK), idle("web", 2)))) {
      CommandResult enter = h.request("h1", MaintenanceAction.ENTER);
      assertThat(enter.accepted()).isFalse();
      assertThat(enter.message()).isEqualTo("NO-GO: db has policy block");
      assertThat(h.state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
    }
  }

  @Test
  void aGuestStartedDuringMaintenanceMakesTheHostUnsafeAgain() {
    VmSpec spare = idle("spare", 2).withState(VmState.SHUTOFF);
    try (SimHarness h = new SimHarness(small(spare, idle("web", 2)))) {
      h.request("h1", MaintenanceAction.ENTER);
      h.runUntilState("h1", HOUR, MaintenanceState.IN_MAINTENANCE);
      assertThat(h.status("h1").maintenance().safeToService()).isTrue();

      h.engine.snapshot();
      var connection =
          new io.vpanel.driver.sim.SimHypervisorDriver(h.cluster)
              .connect(io.vpanel.driver.sim.SimHypervisorDriver.endpointOf("h1"));
      connection.start(uuidOf(h, "spare"));
      h.scheduler.advance(Duration.ofSeconds(1));

      assertThat(h.status("h1").maintenance().safeToService()).isFalse();
      assertThat(h.panels.get("h1").last().lines().get(1)).startsWith("NOT SAFE: 1 RUNNING");
      h.assertNoViolations();
    }
  }

  @Test
  void noticesRotateOnTheDisplayAndExpire() {
    try (SimHarness h = new SimHarness(small(idle("web", 2)))) {
      h.engine.postNotice("h2", "PSU swap at 14:00", Duration.ofSeconds(30), "ops");
      h.engine.postNotice("h2", "call NOC before work", Duration.ofSeconds(10), "ops");
      h.scheduler.advance(Duration.ofMillis(10));
      String first = h.panels.get("h2").last().lines().get(2);
      h.scheduler.advance(Duration.ofSeconds(4));
      String second = h.panels.get("h2").last().lines().get(2);

      assertThat(List.of(first.trim(), second.trim()))
          .containsExactlyInAnyOrder("PSU swap at 14:00", "call NOC before work");
      h.scheduler.advance(Duration.ofSeconds(30));
      assertThat(String.join("|", h.panels.get("h2").last().lines()))
          .doesNotContain("PSU swap")
          .doesNotContain("call NOC");
    }
  }

  @Test
  void aCriticalHardwareAlertVacatesTheHostWhenPfaIsArmed() {
    InMemoryAlertSource alerts = new InMemoryAlertSource("test");
    try (SimHarness h =
        new SimHarness(
            small(idle("web", 2), idle("db", 4)),
            EngineSettings.defaults(),
            Map.of("h1", alerts))) {
      h.scheduler.advance(Duration.ofMillis(10));
      assertThat(h.status("h1").pfaProtect()).isEqualTo(PfaStatus.ARMED);
      assertThat(h.status("h2").pfaProtect()).isEqualTo(PfaStatus.DISABLED);

      alerts.append(
          new HardwareAlert(
              "sel-17",
              "test",
              AlertSeverity.WARNING,
              true,
              "FAN 2",
              "speed low",
              h.scheduler.now()));
      h.scheduler.advance(Duration.ofSeconds(1));
      assertThat(h.state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);

      alerts.append(
          new HardwareAlert(
              "sel-18",
              "test",
              AlertSeverity.CRITICAL,
              true,
              "DIMM A3",
              "correctable ECC threshold",
              h.scheduler.now()));
      h.scheduler.advance(Duration.ofMillis(10));
      // Shown at once; acted on once it has held for the debounce.
      assertThat(h.state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
      assertThat(h.status("h1").pfaProtect()).isEqualTo(PfaStatus.REMEDIATING);
      h.scheduler.advance(EngineSettings.defaults().pfa().debounce());
      assertThat(h.state("h1")).isEqualTo(MaintenanceState.ENTERING);
      assertThat(h.status("h1").pfaProtect()).isEqualTo(PfaStatus.REMEDIATING);
      assertThat(h.panels.get("h1").last().pfaProtect()).isEqualTo(Light.steady(LightColor.AMBER));
      assertThat(h.status("h1").maintenance().reason())
          .hasValue("requested by alert:test (DIMM A3: correctable ECC threshold)");
      // The warning (notify) takes its turns on the rotating line too.
      h.scheduler.advance(Duration.ofSeconds(16));
      assertThat(h.panels.get("h1").rendered)
          .anyMatch(p -> p.lines().stream().anyMatch(l -> l.startsWith("ALERT DIMM A3")));
      // The cause takes its turn on the rotating line, so the technician reads why.
      h.scheduler.advance(Duration.ofSeconds(16));
      assertThat(h.panels.get("h1").rendered)
          .anyMatch(p -> p.lines().stream().anyMatch(l -> l.startsWith("correctable ECC thre")));
      h.runUntilState("h1", HOUR, MaintenanceState.IN_MAINTENANCE);
      assertThat(h.runningOn("h1")).isZero();
      h.assertNoViolations();
    }
  }

  private static VmState stateOf(SimHarness h, String name) {
    return h.cluster.allVms().stream()
        .filter(vm -> vm.name().equals(name))
        .map(VmInfo::state)
        .findFirst()
        .orElseThrow();
  }

  private static String uuidOf(SimHarness h, String name) {
    return h.cluster.allVms().stream()
        .filter(vm -> vm.name().equals(name))
        .map(VmInfo::uuid)
        .findFirst()
        .orElseThrow();
  }

  /** An alert source the test fires by hand: the PFA policy of the core is under test here. */
}
