package io.vpanel.driver.ipmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.alert.AlertListener;
import io.vpanel.spi.alert.AlertSeverity;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.alert.SourceHealth;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelState;
import io.vpanel.testkit.Poll;
import io.vpanel.testkit.SecretFile;
import io.vpanel.testkit.WallClockScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ipmi alert source and the identify panel against a real ipmi_sim. */
class IpmiSimBmcTest {
  @TempDir Path dir;
  private IpmiSimBmc bmc;
  private final WallClockScheduler scheduler = new WallClockScheduler();
  private final List<AutoCloseable> open = new ArrayList<>();

  static final class Reports implements AlertListener {
    final List<HardwareAlert> alerts = new CopyOnWriteArrayList<>();
    final List<String> cursors = new CopyOnWriteArrayList<>();
    final List<SourceHealth> health = new CopyOnWriteArrayList<>();

    @Override
    public void onAlert(HardwareAlert alert, String cursor) {
      alerts.add(alert);
      cursors.add(cursor);
    }

    @Override
    public void onHealth(SourceHealth report) {
      health.add(report);
    }

    List<String> described() {
      return alerts.stream().map(a -> a.severity() + " " + a.describe()).toList();
    }

    SourceHealth lastHealth() {
      return health.isEmpty() ? null : health.get(health.size() - 1);
    }
  }

  @BeforeEach
  void startBmc() throws Exception {
    bmc = IpmiSimBmc.start(dir.resolve("bmc"));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    bmc.close();
    scheduler.close();
  }

  private Reports start(IpmiSettings settings, Optional<String> cursor) {
    AlertSource source =
        new IpmiAlertSourceProvider().create(settings, new DriverContext(scheduler, "sim-01"));
    open.add(source);
    Reports reports = new Reports();
    source.start(cursor, reports);
    Poll.atMost(Duration.ofSeconds(30))
        .until("a first health report", () -> !reports.health.isEmpty());
    return reports;
  }

  private static void await(String what, java.util.concurrent.Callable<Boolean> condition) {
    Poll.atMost(Duration.ofSeconds(30)).until(what, condition);
  }

  @Test
  void injectedEventsArriveWithTheirSeverityAndCauseAndTheirClearingUnderTheSameId()
      throws Exception {
    Reports r = start(bmc.settings(), Optional.empty());
    assertThat(r.lastHealth().status()).isEqualTo(SourceHealth.Status.OK);
    bmc.dimmEccLimit(true);
    bmc.inject("sensor_set_bit 0x20 0 3 1 1 1");
    bmc.inject("sensor_set_value 0x20 0 1 95 1");
    // drive slot 7 predictive failure, a record without a sensor of its own
    bmc.inject("sel_add 0x20 0x02 0 0 0 0 0x20 0x00 0x04 0x0d 0x07 0x6f 0x02 0xff 0xff");
    await("five alerts", () -> r.alerts.size() >= 5);
    assertThat(r.described())
        .containsExactly(
            "PREDICTIVE_FAILURE DIMM A1: correctable ECC over threshold",
            "CRITICAL PSU1 Status: failure",
            "WARNING CPU Temp: upper non-critical going high",
            "CRITICAL CPU Temp: upper critical going high",
            "PREDICTIVE_FAILURE Drive Slot #0x07: predictive failure");
    assertThat(r.alerts).allMatch(a -> a.source().equals("ipmi") && a.asserted());
    assertThat(r.alerts.get(0).at()).isAfter(java.time.Instant.now().minusSeconds(60));

    bmc.inject("sensor_set_value 0x20 0 1 45 1");
    bmc.dimmEccLimit(false);
    await("three clearings", () -> r.alerts.size() >= 8);
    List<HardwareAlert> cleared = r.alerts.subList(5, 8);
    assertThat(cleared).noneMatch(HardwareAlert::asserted);
    assertThat(cleared.stream().map(HardwareAlert::id))
        .containsExactlyInAnyOrder(
            r.alerts.get(0).id(), r.alerts.get(2).id(), r.alerts.get(3).id());
    assertThat(cleared.stream().map(HardwareAlert::describe))
        .contains("DIMM A1: correctable ECC over threshold (cleared)");
  }

  @Test
  void restartedWithItsCursorItReportsWhatCameMeanwhileAndNothingTwice() throws Exception {
    Reports first = start(bmc.settings(), Optional.empty());
    bmc.dimmEccLimit(true);
    await("the first alert", () -> first.alerts.size() == 1);
    String cursor = first.cursors.get(0);
    open.remove(0).close();

    bmc.inject("sensor_set_bit 0x20 0 3 2 1 1"); // PSU predictive failure
    bmc.dimmEccLimit(false);
    Reports second = start(bmc.settings(), Optional.of(cursor));
    await("the two records made while it was down", () -> second.alerts.size() >= 2);
    Poll.atMost(Duration.ofSeconds(10))
        .holdsFor(Duration.ofSeconds(2), "nothing more", () -> second.alerts.size() == 2);
    assertThat(second.described())
        .containsExactly(
            "PREDICTIVE_FAILURE PSU1 Status: predictive failure",
            "PREDICTIVE_FAILURE DIMM A1: correctable ECC over threshold (cleared)");

    // once more from the newest cursor: nothing at all
    open.remove(0).close();
    Reports third = start(bmc.settings(), Optional.of(second.cursors.get(1)));
    Poll.atMost(Duration.ofSeconds(10))
        .holdsFor(Duration.ofSeconds(3), "nothing repeated", () -> third.alerts.isEmpty());
  }

  @Test
  void aSelClearedWhileItWasDownAndABmcRestartLoseNothingAndRepeatNothing() throws Exception {
    Reports first = start(bmc.settings(), Optional.empty());
    bmc.dimmEccLimit(true);
    bmc.inject("sensor_set_bit 0x20 0 3 1 1 1");
    await("two alerts", () -> first.alerts.size() == 2);
    String cursor = first.cursors.get(1);
    open.remove(0).close();

    bmc.ipmitool("sel", "clear");
    bmc.restart(); // SEL kept, sensor states reset by bmc.emu
    bmc.inject("sel_add 0x20 0x02 0 0 0 0 0x20 0x00 0x04 0x0d 0x03 0x6f 0x01 0xff 0xff");
    Reports second = start(bmc.settings(), Optional.of(cursor));
    await("the record after the clear", () -> second.alerts.size() >= 1);
    Poll.atMost(Duration.ofSeconds(10))
        .holdsFor(Duration.ofSeconds(2), "only it", () -> second.alerts.size() == 1);
    assertThat(second.described()).containsExactly("CRITICAL Drive Slot #0x03: drive fault");
  }

  @Test
  void aWrongPasswordIsAHealthWithItsReason() throws Exception {
    Path wrong = dir.resolve("wrong-password");
    SecretFile.write(wrong, "not-the-password");
    Reports r =
        start(
            IpmiSettings.lan("127.0.0.1", bmc.udpPort(), "admin", wrong.toString())
                .withPollSeconds(1),
            Optional.empty());
    assertThat(r.lastHealth().status()).isEqualTo(SourceHealth.Status.UNREACHABLE);
    assertThat(r.lastHealth().reason())
        .contains("BMC 127.0.0.1:" + bmc.udpPort())
        .contains("password")
        .doesNotContain(IpmiSimBmc.PASSWORD);
  }

  @Test
  void aPasswordFileOthersCanReadIsRefusedWithTheFix() throws Exception {
    Files.setPosixFilePermissions(bmc.passwordFile(), PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(
            () ->
                new IpmiAlertSourceProvider()
                    .create(bmc.settings(), new DriverContext(scheduler, "sim-01")))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("readable or writable by its group or others")
        .hasMessageContaining("chmod 600 " + bmc.passwordFile());
  }

  @Test
  void aStoppedBmcIsUnreachableThenBackWithTheRecordsMadeMeanwhile() throws Exception {
    Reports r = start(bmc.settings().withTimeoutSeconds(4), Optional.empty());
    assertThat(r.lastHealth().status()).isEqualTo(SourceHealth.Status.OK);
    bmc.stop();
    await(
        "unreachable",
        () ->
            r.lastHealth().status() == SourceHealth.Status.UNREACHABLE
                && r.lastHealth().reason().contains("not answering"));
    bmc.restart();
    bmc.dimmEccLimit(true);
    await("ok again", () -> r.lastHealth().status() == SourceHealth.Status.OK);
    await("the record made after the restart", () -> r.alerts.size() == 1);
    assertThat(r.alerts.get(0).severity()).isEqualTo(AlertSeverity.PREDICTIVE_FAILURE);
  }

  @Test
  void theIdentifyPanelLightsTheChassisIdentifyWhileSafeToServiceOnlyOnChange() throws Exception {
    PanelDriver panel =
        new IpmiIdentifyPanelProvider()
            .create(bmc.identifySettings(), new DriverContext(scheduler, "sim-01"));
    panel.start(
        new io.vpanel.spi.panel.PanelListener() {
          @Override
          public void onButton(io.vpanel.spi.panel.ButtonEvent event) {}
        });
    panel.render(state(1, false));
    panel.render(state(2, true));
    panel.render(state(3, true));
    assertThat(bmc.chassisLog()).containsExactly("set identify 0 0", "set identify 0 1");
    panel.close();
    assertThat(bmc.chassisLog())
        .containsExactly("set identify 0 0", "set identify 0 1", "set identify 0 0");
  }

  static PanelState state(long version, boolean identify) {
    return new PanelState(
        "sim-01",
        version,
        0,
        identify ? MaintenanceState.IN_MAINTENANCE : MaintenanceState.OPERATIONAL,
        identify,
        Light.OFF,
        Light.OFF,
        Light.OFF,
        Light.OFF,
        Light.OFF,
        identify,
        List.of("        "),
        Optional.empty(),
        Optional.empty());
  }
}
