package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.model.Activity;
import io.vpanel.core.model.PfaAction;
import io.vpanel.core.model.PfaStatus;
import io.vpanel.core.model.PfaView;
import io.vpanel.core.plan.Plan;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.alert.AlertSeverity;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.testkit.InMemoryAlertSource;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** PFA protect per severity, its debounce, clear hold, rate limit and NO-GO retry, on the sim. */
class PfaPolicyTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;
  private static final Duration HOUR = Duration.ofHours(1);
  private static final HostCapacity CAPACITY = new HostCapacity(32 * GIB, 16, 1_250 * MB, 500 * MB);

  /** Three hosts; h1 runs two small guests, h2 and h3 run what is given. */
  private static Function<VirtualScheduler, SimCluster> cluster(long h2Gib, long h3Gib) {
    return scheduler -> {
      SimCluster.Builder b =
          SimCluster.builder(scheduler)
              .seed(11)
              .host("h1", CAPACITY)
              .host("h2", CAPACITY)
              .host("h3", CAPACITY)
              .vm("h1", idle("web", 2), idle("db", 4));
      if (h2Gib > 0) {
        b.vm("h2", idle("big2", h2Gib));
      }
      if (h3Gib > 0) {
        b.vm("h3", idle("big3", h3Gib));
      }
      return b.build();
    };
  }

  private static VmSpec idle(String name, long gib) {
    return VmSpec.running(name, gib * GIB, 2, 2 * MB, gib * GIB / 10);
  }

  private static EngineSettings settings(PfaSettings pfa) {
    return EngineSettings.defaults().toBuilder().pfa(pfa).build();
  }

  private static HardwareAlert alert(
      VirtualScheduler clock, String id, AlertSeverity severity, boolean asserted) {
    return new HardwareAlert(
        id, "bmc", severity, asserted, "DIMM A1", "correctable ECC over threshold", clock.now());
  }

  private static final class Bed implements AutoCloseable {
    final InMemoryAlertSource h1 = new InMemoryAlertSource("bmc");
    final InMemoryAlertSource h2 = new InMemoryAlertSource("bmc");
    final SimHarness h;

    Bed(Function<VirtualScheduler, SimCluster> build, PfaSettings pfa) {
      h = new SimHarness(build, settings(pfa), Map.of("h1", h1, "h2", h2));
      h.scheduler.advance(Duration.ofMillis(10));
    }

    void raise(InMemoryAlertSource source, String id, AlertSeverity severity) {
      source.append(alert(h.scheduler, id, severity, true));
      h.scheduler.advance(Duration.ofMillis(1));
    }

    void clear(InMemoryAlertSource source, String id, AlertSeverity severity) {
      source.append(alert(h.scheduler, id, severity, false));
      h.scheduler.advance(Duration.ofMillis(1));
    }

    PfaView pfa(String host) {
      return h.status(host).pfa();
    }

    String display(String host) {
      return String.join("|", h.panels.get(host).last().lines());
    }

    /** Everything the display showed since the test began, one string. */
    String everShown(String host) {
      StringBuilder all = new StringBuilder();
      h.panels
          .get(host)
          .rendered
          .forEach(p -> all.append(String.join("|", p.lines())).append('\n'));
      return all.toString();
    }

    long entriesRequestedBy(String origin) {
      return h.activities.stream()
          .filter(a -> a.kind().equals("request"))
          .filter(a -> a.message().startsWith("enter from " + origin + ": accepted"))
          .count();
    }

    List<Activity> pfaRecords(String host, String what) {
      return h.activities.stream()
          .filter(a -> a.host().equals(host) && what.equals(a.fields().get("pfa")))
          .toList();
    }

    @Override
    public void close() {
      h.close();
    }
  }

  @Test
  void eachSeverityDoesWhatItIsConfiguredTo() {
    PfaSettings pfa =
        PfaSettings.defaults()
            .with(AlertSeverity.INFO, PfaAction.IGNORE)
            .with(AlertSeverity.WARNING, PfaAction.NOTIFY)
            .with(AlertSeverity.PREDICTIVE_FAILURE, PfaAction.QUARANTINE)
            .with(AlertSeverity.CRITICAL, PfaAction.EVACUATE);
    try (Bed bed = new Bed(cluster(0, 0), pfa)) {
      bed.raise(bed.h1, "info-1", AlertSeverity.INFO);
      bed.h.scheduler.advance(Duration.ofSeconds(5));
      assertThat(bed.pfa("h1").alerts()).isEmpty();
      assertThat(bed.everShown("h1")).doesNotContain("ALERT");

      bed.raise(bed.h1, "warn-1", AlertSeverity.WARNING);
      bed.h.scheduler.advance(Duration.ofSeconds(5));
      assertThat(bed.pfa("h1").alerts())
          .singleElement()
          .satisfies(a -> assertThat(a.action()).isEqualTo(PfaAction.NOTIFY));
      assertThat(bed.everShown("h1")).contains("ALERT DIMM A1");
      assertThat(bed.pfa("h1").quarantined()).isFalse();
      assertThat(bed.h.status("h1").pfaProtect()).isEqualTo(PfaStatus.ARMED);
      assertThat(bed.h.state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);

      bed.raise(bed.h1, "pfa-1", AlertSeverity.PREDICTIVE_FAILURE);
      bed.h.scheduler.advance(Duration.ofSeconds(3));
      assertThat(bed.pfa("h1").quarantined()).isTrue();
      assertThat(bed.h.status("h1").pfaProtect()).isEqualTo(PfaStatus.REMEDIATING);
      assertThat(bed.h.panels.get("h1").last().pfaProtect())
          .isEqualTo(Light.steady(LightColor.AMBER));
      assertThat(bed.h.state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);

      bed.raise(bed.h1, "crit-1", AlertSeverity.CRITICAL);
      bed.h.scheduler.advance(Duration.ofSeconds(3));
      assertThat(bed.h.state("h1")).isEqualTo(MaintenanceState.ENTERING);
      assertThat(bed.h.status("h1").maintenance().reason())
          .hasValue("requested by alert:bmc (DIMM A1: correctable ECC over threshold)");
      bed.h.runUntilState("h1", HOUR, MaintenanceState.IN_MAINTENANCE);
      assertThat(bed.h.runningOn("h1")).isZero();
      bed.h.assertNoViolations();
    }
  }

  @Test
  void aQuarantinedHostReceivesNoGuestsUntilItsAlertHasStayedClear() {
    PfaSettings pfa =
        PfaSettings.defaults()
            .with(AlertSeverity.PREDICTIVE_FAILURE, PfaAction.QUARANTINE)
            .withDebounce(Duration.ofSeconds(2), Duration.ofSeconds(60));
    try (Bed bed = new Bed(cluster(0, 0), pfa)) {
      bed.raise(bed.h2, "ecc", AlertSeverity.PREDICTIVE_FAILURE);
      bed.h.scheduler.advance(Duration.ofSeconds(3));
      assertThat(bed.pfa("h2").quarantined()).isTrue();
      assertThat(bed.pfaRecords("h2", "quarantine")).hasSize(1);

      Plan plan = bed.h.engine.plan("h1").join();
      assertThat(plan.go()).isTrue();
      assertThat(plan.moves()).allSatisfy(m -> assertThat(m.destination()).isEqualTo("h3"));

      bed.clear(bed.h2, "ecc", AlertSeverity.PREDICTIVE_FAILURE);
      bed.h.scheduler.advance(Duration.ofSeconds(30));
      assertThat(bed.pfa("h2").quarantined()).as("the clear has not held yet").isTrue();
      bed.h.scheduler.advance(Duration.ofSeconds(31));
      assertThat(bed.pfa("h2").quarantined()).isFalse();
      assertThat(bed.pfaRecords("h2", "quarantine-ended")).hasSize(1);
      assertThat(bed.h.status("h2").pfaProtect()).isEqualTo(PfaStatus.ARMED);

      bed.h.request("h1", MaintenanceAction.ENTER);
      bed.h.runUntilState("h1", HOUR, MaintenanceState.IN_MAINTENANCE);
      assertThat(bed.h.placement().values()).contains("h2");
    }
  }

  @Test
  void aFlappingSensorNeitherStartsAnythingNorTogglesTheQuarantine() {
    PfaSettings pfa =
        PfaSettings.defaults()
            .with(AlertSeverity.WARNING, PfaAction.QUARANTINE)
            .withDebounce(Duration.ofSeconds(2), Duration.ofSeconds(60));
    try (Bed bed = new Bed(cluster(0, 0), pfa)) {
      // A critical glitch that clears within the debounce does nothing.
      bed.raise(bed.h1, "psu", AlertSeverity.CRITICAL);
      bed.h.scheduler.advance(Duration.ofMillis(500));
      bed.clear(bed.h1, "psu", AlertSeverity.CRITICAL);
      bed.h.scheduler.advance(Duration.ofSeconds(10));
      assertThat(bed.h.state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
      assertThat(bed.entriesRequestedBy("alert:bmc")).isZero();
      assertThat(bed.pfaRecords("h1", "debounced")).hasSize(1);

      // A warning sensor flapping every 5 s for 10 min: one quarantine, held throughout.
      for (int i = 0; i < 120; i++) {
        bed.raise(bed.h1, "temp", AlertSeverity.WARNING);
        bed.h.scheduler.advance(Duration.ofMillis(2500));
        bed.clear(bed.h1, "temp", AlertSeverity.WARNING);
        bed.h.scheduler.advance(Duration.ofMillis(2500));
        assertThat(bed.pfa("h1").quarantined()).isTrue();
      }
      assertThat(bed.pfaRecords("h1", "quarantine")).hasSize(1);
      assertThat(bed.pfaRecords("h1", "quarantine-ended")).isEmpty();
      bed.h.scheduler.advance(Duration.ofSeconds(61));
      assertThat(bed.pfa("h1").quarantined()).isFalse();
      assertThat(bed.pfaRecords("h1", "quarantine-ended")).hasSize(1);
      assertThat(bed.h.state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
    }
  }

  @Test
  void aNoGoShowsRedWithTheReasonAndStartsOnceCapacityFrees() {
    // h2 and h3 are nearly full: h1's 6 GiB fit nowhere while h3 is in maintenance.
    try (Bed bed = new Bed(cluster(30, 1), PfaSettings.defaults())) {
      bed.h.request("h3", MaintenanceAction.ENTER);
      bed.h.runUntilState("h3", HOUR, MaintenanceState.IN_MAINTENANCE, MaintenanceState.FAILED);
      assertThat(bed.h.state("h3")).isEqualTo(MaintenanceState.IN_MAINTENANCE);

      bed.raise(bed.h1, "ecc", AlertSeverity.PREDICTIVE_FAILURE);
      bed.h.scheduler.advance(Duration.ofSeconds(3));
      assertThat(bed.h.state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
      assertThat(bed.h.status("h1").pfaProtect()).isEqualTo(PfaStatus.FAILED);
      assertThat(bed.h.panels.get("h1").last().pfaProtect())
          .isEqualTo(Light.steady(LightColor.RED));
      assertThat(bed.pfa("h1").waiting()).hasValueSatisfying(w -> assertThat(w).contains("NO-GO"));
      bed.h.scheduler.advance(Duration.ofSeconds(30));
      assertThat(bed.everShown("h1")).contains("PFA WAITS: NO-GO");
      // Quiet retries: one refusal journaled, not one per retry.
      assertThat(bed.pfaRecords("h1", "waiting")).hasSize(1);

      bed.h.request("h3", MaintenanceAction.EXIT);
      bed.h.runUntilState("h3", HOUR, MaintenanceState.OPERATIONAL);
      bed.h.runUntilState("h1", Duration.ofSeconds(30), MaintenanceState.ENTERING);
      assertThat(bed.h.state("h1")).isEqualTo(MaintenanceState.ENTERING);
      bed.h.runUntilState("h1", HOUR, MaintenanceState.IN_MAINTENANCE);
      assertThat(bed.pfa("h1").waiting()).isEmpty();
      assertThat(bed.h.status("h1").pfaProtect()).isEqualTo(PfaStatus.REMEDIATING);

      // A cleared alert does not undo the evacuation.
      bed.clear(bed.h1, "ecc", AlertSeverity.PREDICTIVE_FAILURE);
      bed.h.scheduler.advance(Duration.ofMinutes(5));
      assertThat(bed.h.state("h1")).isEqualTo(MaintenanceState.IN_MAINTENANCE);
      assertThat(bed.h.status("h1").pfaProtect()).isEqualTo(PfaStatus.ARMED);
      bed.h.assertNoViolations();
    }
  }

  @Test
  void theRateLimitHoldsFurtherAutomaticEntriesUntilTheWindowAllows() {
    PfaSettings pfa = PfaSettings.defaults().withRateLimit(1, Duration.ofMinutes(30));
    try (Bed bed = new Bed(cluster(0, 0), pfa)) {
      bed.raise(bed.h1, "ecc", AlertSeverity.CRITICAL);
      bed.h.scheduler.advance(Duration.ofSeconds(3));
      assertThat(bed.h.state("h1")).isEqualTo(MaintenanceState.ENTERING);

      bed.raise(bed.h2, "ecc", AlertSeverity.CRITICAL);
      bed.h.scheduler.advance(Duration.ofSeconds(3));
      assertThat(bed.h.state("h2")).isEqualTo(MaintenanceState.OPERATIONAL);
      assertThat(bed.pfa("h2").waiting())
          .hasValueSatisfying(
              w -> assertThat(w).startsWith("rate limit: 1 automatic entry in the last 30 min"));
      assertThat(bed.h.status("h2").pfaProtect()).isEqualTo(PfaStatus.FAILED);

      bed.h.scheduler.advance(Duration.ofMinutes(20));
      assertThat(bed.h.state("h2")).isEqualTo(MaintenanceState.OPERATIONAL);
      bed.h.scheduler.advance(Duration.ofMinutes(11));
      assertThat(bed.h.state("h2")).isNotEqualTo(MaintenanceState.OPERATIONAL);
      assertThat(bed.entriesRequestedBy("alert:bmc")).isEqualTo(2);
    }
  }

  @Test
  void anOperatorWhoCancelsTheAutomaticEvacuationIsNotOverruled() {
    try (Bed bed = new Bed(cluster(0, 0), PfaSettings.defaults())) {
      bed.raise(bed.h1, "ecc", AlertSeverity.CRITICAL);
      bed.h.scheduler.advance(Duration.ofSeconds(3));
      assertThat(bed.h.state("h1")).isEqualTo(MaintenanceState.ENTERING);
      bed.h.request("h1", MaintenanceAction.CANCEL);
      bed.h.runUntilState("h1", HOUR, MaintenanceState.OPERATIONAL);

      bed.h.scheduler.advance(Duration.ofMinutes(10));
      assertThat(bed.h.state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
      assertThat(bed.entriesRequestedBy("alert:bmc")).isEqualTo(1);
      assertThat(bed.h.status("h1").pfaProtect()).isEqualTo(PfaStatus.FAILED);
      // The same record repeated by the source asks nothing again either.
      bed.raise(bed.h1, "ecc", AlertSeverity.CRITICAL);
      bed.h.scheduler.advance(Duration.ofSeconds(5));
      assertThat(bed.entriesRequestedBy("alert:bmc")).isEqualTo(1);
    }
  }

  @Test
  void withPfaProtectOffAlertsAreOnlyShown() {
    EngineSettings off = EngineSettings.defaults().toBuilder().pfaProtect(false).build();
    InMemoryAlertSource source = new InMemoryAlertSource("bmc");
    try (SimHarness h = new SimHarness(cluster(0, 0), off, Map.of("h1", source))) {
      source.append(alert(h.scheduler, "ecc", AlertSeverity.CRITICAL, true));
      h.scheduler.advance(Duration.ofSeconds(10));
      assertThat(h.state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
      assertThat(h.status("h1").pfaProtect()).isEqualTo(PfaStatus.DISABLED);
      assertThat(h.status("h1").pfa().quarantined()).isFalse();
      assertThat(h.status("h1").pfa().alerts())
          .singleElement()
          .satisfies(a -> assertThat(a.action()).isEqualTo(PfaAction.NOTIFY));
      assertThat(String.join("|", h.panels.get("h1").last().lines())).contains("ALERT DIMM A1");
    }
  }
}
