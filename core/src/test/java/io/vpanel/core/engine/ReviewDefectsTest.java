package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.journal.Journal;
import io.vpanel.core.model.Activity;
import io.vpanel.core.model.AlertSourceView;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.PfaStatus;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.alert.AlertSeverity;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.alert.SourceHealth;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.testkit.InMemoryAlertSource;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Each defect review and the hostile-input probe found in the engine, pinned by a test. */
class ReviewDefectsTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;
  private static final Duration HOUR = Duration.ofHours(1);

  private static VmSpec idle(String name, long gib) {
    return VmSpec.running(name, gib * GIB, 2, 2 * MB, gib * GIB / 10);
  }

  /** h1 runs a and b, h2 runs c; h3 is smaller, so h1's evacuation first heads for h2. */
  private static Function<VirtualScheduler, SimCluster> twoBusyHosts() {
    HostCapacity big = new HostCapacity(32 * GIB, 16, 1_250 * MB, 500 * MB);
    HostCapacity small = new HostCapacity(16 * GIB, 16, 1_250 * MB, 500 * MB);
    return scheduler ->
        SimCluster.builder(scheduler)
            .seed(3)
            .host("h1", big)
            .host("h2", big)
            .host("h3", small)
            .vm("h1", idle("a", 4), idle("b", 4))
            .vm("h2", idle("c", 4))
            .build();
  }

  @Test
  void concurrentEntersCallOffArrivalsAndEveryGuestReturnsToTheHostItLeft() {
    try (SimHarness h = new SimHarness(twoBusyHosts())) {
      Map<String, String> before = h.placement();
      assertThat(h.request("h1", MaintenanceAction.ENTER).accepted()).isTrue();
      h.scheduler.advance(Duration.ofSeconds(1));
      assertThat(h.status("h1").vms()).anyMatch(vm -> vm.migration().isPresent());

      // h2 starts entering while h1's guests are on their way to it.
      assertThat(h.request("h2", MaintenanceAction.ENTER).accepted()).isTrue();
      h.scheduler.runUntil(
          () ->
              h.state("h1") == MaintenanceState.IN_MAINTENANCE
                  && h.state("h2") == MaintenanceState.IN_MAINTENANCE,
          HOUR);
      assertThat(h.activities)
          .anyMatch(a -> a.message().contains("destination h2 is entering maintenance"));
      assertThat(h.runningOn("h1")).isZero();
      assertThat(h.runningOn("h2")).isZero();
      // A host in maintenance never receives a guest afterwards.
      h.scheduler.advance(Duration.ofMinutes(5));
      assertThat(h.runningOn("h2")).isZero();
      assertThat(h.status("h2").maintenance().safeToService()).isTrue();

      assertThat(h.request("h1", MaintenanceAction.EXIT).accepted()).isTrue();
      h.runUntilState("h1", HOUR, MaintenanceState.OPERATIONAL);
      assertThat(h.request("h2", MaintenanceAction.EXIT).accepted()).isTrue();
      h.runUntilState("h2", HOUR, MaintenanceState.OPERATIONAL);
      assertThat(h.placement()).isEqualTo(before);
      h.assertNoViolations();
    }
  }

  @Test
  void aSecondCancelIsRefusedWhileTheFirstIsStillAborting() {
    try (SimHarness h = new SimHarness(twoBusyHosts())) {
      assertThat(h.request("h1", MaintenanceAction.ENTER).accepted()).isTrue();
      h.scheduler.advance(Duration.ofSeconds(1));
      CompletableFuture<CommandResult> first =
          h.engine.request("h1", MaintenanceAction.CANCEL, "api:one");
      CompletableFuture<CommandResult> second =
          h.engine.request("h1", MaintenanceAction.CANCEL, "api:two");
      h.scheduler.runUntil(() -> first.isDone() && second.isDone(), Duration.ofSeconds(1));

      assertThat(first.join().accepted()).isTrue();
      assertThat(second.join().accepted()).isFalse();
      assertThat(second.join().message()).startsWith("already cancelled by api:one");
      h.runUntilState("h1", HOUR, MaintenanceState.OPERATIONAL);
      long acceptedCancels =
          h.activities.stream()
              .filter(a -> a.kind().equals("request"))
              .filter(a -> "cancel".equals(a.fields().get("action")))
              .filter(a -> Boolean.TRUE.equals(a.fields().get("accepted")))
              .count();
      assertThat(acceptedCancels).isOne();
      h.assertNoViolations();
    }
  }

  private static HardwareAlert critical(String id, VirtualScheduler scheduler) {
    return new HardwareAlert(
        id, "test", AlertSeverity.CRITICAL, true, "DIMM A3", "uncorrectable ECC", scheduler.now());
  }

  private static long alertRequests(List<Activity> activities) {
    return activities.stream()
        .filter(a -> a.kind().equals("request"))
        .filter(a -> "alert:test".equals(a.fields().get("origin")))
        .count();
  }

  @Test
  void aRepeatedCriticalAlertWhileFailedDoesNotEnterAgain() {
    InMemoryAlertSource alerts = new InMemoryAlertSource("test");
    try (SimHarness h =
        new SimHarness(twoBusyHosts(), EngineSettings.defaults(), Map.of("h1", alerts))) {
      h.cluster.dropLink("h1", "h2");
      h.cluster.dropLink("h1", "h3");
      alerts.append(critical("sel-18", h.scheduler));
      h.runUntilState("h1", HOUR, MaintenanceState.FAILED);
      assertThat(h.status("h1").pfaProtect()).isEqualTo(PfaStatus.FAILED);
      assertThat(alertRequests(h.activities)).isOne();

      alerts.append(critical("sel-18", h.scheduler));
      alerts.append(critical("sel-18", h.scheduler));
      h.scheduler.advance(Duration.ofMinutes(10));
      assertThat(h.state("h1")).isEqualTo(MaintenanceState.FAILED);
      assertThat(alertRequests(h.activities)).isOne();

      // The source's own health and its active alerts are part of the host's status.
      alerts.health(SourceHealth.unreachable("BMC not answering"));
      h.scheduler.advance(Duration.ofMillis(10));
      AlertSourceView source = h.status("h1").alertSources().get(0);
      assertThat(source.name()).isEqualTo("test");
      assertThat(source.health().orElseThrow().status()).isEqualTo(SourceHealth.Status.UNREACHABLE);
      assertThat(source.activeAlerts()).isOne();
    }
  }

  private static ClusterEngine engineOn(
      SimCluster cluster, VirtualScheduler scheduler, Journal journal, InMemoryAlertSource alerts) {
    List<HostBinding> bindings =
        SimHarness.bindings(
            cluster,
            host -> true,
            host -> List.of(),
            host -> host.equals("h1") ? List.of(alerts) : List.of());
    ClusterEngine engine =
        new ClusterEngine(
            scheduler, Runnable::run, EngineSettings.defaults(), null, bindings, journal);
    engine.start();
    return engine;
  }

  @Test
  void anActiveAlertAndItsCursorSurviveARestart() {
    VirtualScheduler scheduler = new VirtualScheduler();
    SimCluster cluster = twoBusyHosts().apply(scheduler);
    RememberingJournal journal = new RememberingJournal();
    InMemoryAlertSource alerts = new InMemoryAlertSource("test");
    ClusterEngine first = engineOn(cluster, scheduler, journal, alerts);
    cluster.dropLink("h1", "h2");
    cluster.dropLink("h1", "h3");
    alerts.append(critical("sel-18", scheduler));
    scheduler.runUntil(
        () ->
            first
                .snapshot()
                .host("h1")
                .map(s -> s.maintenance().state() == MaintenanceState.FAILED)
                .orElse(false),
        HOUR);
    first.close();
    assertThat(journal.states.get("h1").activeAlerts())
        .extracting(HardwareAlert::id)
        .containsExactly("sel-18");
    assertThat(journal.states.get("h1").alertCursors()).containsEntry("test", "0:1");

    // The restarted agent's source resumes after the record: the alert is not delivered again,
    // yet PFA still knows it is active.
    InMemoryAlertSource again = new InMemoryAlertSource("test", alerts.log());
    List<Activity> seen = new ArrayList<>();
    ClusterEngine second = engineOn(cluster, scheduler, journal, again);
    second.addListener(
        new io.vpanel.core.model.ClusterListener() {
          @Override
          public void onSnapshot(io.vpanel.core.model.ClusterSnapshot snapshot) {}

          @Override
          public void onActivity(Activity activity) {
            seen.add(activity);
          }
        });
    scheduler.advance(Duration.ofSeconds(5));
    assertThat(second.snapshot().host("h1").orElseThrow().pfaProtect()).isEqualTo(PfaStatus.FAILED);
    assertThat(seen).noneMatch(a -> a.kind().equals("alert"));
    second.close();
    cluster.close();
  }
}
