package io.vpanel.driver.redfish;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import io.vpanel.testkit.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The identify panel switches the BMC's locator, only on change, retrying when it fails. */
class RedfishIdentifyTest {
  @TempDir Path dir;
  RedfishFixture fixture;
  PanelDriver panel;
  final List<Optional<String>> faults = new CopyOnWriteArrayList<>();
  long version;

  @BeforeEach
  void startService() throws Exception {
    fixture = new RedfishFixture(dir);
  }

  @AfterEach
  void stop() {
    if (panel != null) {
      panel.close();
    }
    fixture.close();
  }

  private void start(String auth) {
    panel =
        new RedfishIdentifyPanelProvider()
            .create(fixture.settings("auto", auth), new DriverContext(fixture.scheduler, "host-1"));
    panel.start(
        new PanelListener() {
          @Override
          public void onButton(ButtonEvent event) {}

          @Override
          public void onFault(Optional<String> problem) {
            faults.add(problem);
          }
        });
  }

  private PanelState state(boolean identify) {
    Light off = Light.OFF;
    return new PanelState(
        "host-1",
        ++version,
        3,
        MaintenanceState.OPERATIONAL,
        false,
        off,
        off,
        off,
        off,
        off,
        identify,
        List.of("line"),
        Optional.empty(),
        Optional.empty());
  }

  @Test
  void identifyOnAndOffSwitchLocationIndicatorActiveOnlyOnChange() {
    start("session");
    assertThat(panel.name()).isEqualTo("redfish-identify");
    panel.render(state(true));
    Poll.atMost(Duration.ofSeconds(10)).until("locator on", fixture.mock::locatorActive);
    panel.render(state(true));
    panel.render(state(true));
    panel.render(state(false));
    Poll.atMost(Duration.ofSeconds(10)).until("locator off", () -> !fixture.mock.locatorActive());
    Poll.atMost(Duration.ofSeconds(5))
        .holdsFor(Duration.ofMillis(500), "two patches", () -> fixture.mock.patches().size() == 2);
    assertThat(fixture.mock.patches().get(0)).contains("\"LocationIndicatorActive\":true");
  }

  @Test
  void withoutLocationIndicatorActiveItFallsBackToIndicatorLed() {
    fixture.mock.legacyLed(true);
    start("basic");
    panel.render(state(true));
    Poll.atMost(Duration.ofSeconds(10))
        .until("LED lit", () -> fixture.mock.indicatorLed().equals("Lit"));
    panel.render(state(false));
    Poll.atMost(Duration.ofSeconds(10))
        .until("LED off", () -> fixture.mock.indicatorLed().equals("Off"));
    assertThat(fixture.mock.patches()).allMatch(p -> p.contains("IndicatorLED"));
  }

  @Test
  void aFailedSwitchIsAFaultAndIsRetriedUntilTheServiceTakesIt() {
    fixture.mock.password("changed");
    start("session");
    panel.render(state(true));
    Poll.atMost(Duration.ofSeconds(10))
        .until(
            "a fault",
            () -> faults.stream().anyMatch(f -> f.isPresent() && f.get().contains("401")));
    fixture.mock.password("redfish-test-secret");
    Poll.atMost(Duration.ofSeconds(10)).until("locator on", fixture.mock::locatorActive);
    Poll.atMost(Duration.ofSeconds(5))
        .until("fault cleared", () -> faults.get(faults.size() - 1).isEmpty());
  }
}
