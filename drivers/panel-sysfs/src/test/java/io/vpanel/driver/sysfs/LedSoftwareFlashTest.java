package io.vpanel.driver.sysfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.driver.sysfs.SysfsPanelSettings.LedBinding;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.testkit.SteppedScheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without {@code timer} in its trigger list an LED is flashed by the driver: brightness toggled on
 * the scheduler's clock, stepped here on a virtual clock.
 */
class LedSoftwareFlashTest {
  private static final String LED = "vpanel:red:maintenance";

  @TempDir Path temp;
  private final SteppedScheduler clock = new SteppedScheduler();
  private FakeSysfs sysfs;
  private SysfsPanelDriver panel;

  @BeforeEach
  void start() throws IOException {
    sysfs = new FakeSysfs(temp.resolve("leds"));
    sysfs.led(LED, 1, FakeSysfs.WITHOUT_TIMER, null);
    panel =
        (SysfsPanelDriver)
            new SysfsPanelProvider()
                .create(
                    new SysfsPanelSettings(
                        sysfs.root().toString(),
                        Map.of("maintenance", LedBinding.single(LED)),
                        "",
                        "KEY_PROG1",
                        300,
                        700,
                        1000,
                        false),
                    new DriverContext(clock, "sim-01"));
    panel.start(event -> {});
  }

  @AfterEach
  void close() {
    panel.close();
  }

  @Test
  void togglesBrightnessOnTheSchedulersClockWhileFlashing() {
    assertThat(panel.capabilities().hardwareFlashing()).isFalse();
    panel.render(States.in(1, MaintenanceState.ENTERING)); // flashing red

    await().until(() -> sysfs.read(LED, "brightness").equals("1"));
    assertThat(sysfs.trigger(LED)).isEqualTo("none");
    await().until(() -> clock.pendingTasks() == 1);

    clock.advance(Duration.ofMillis(299));
    assertThat(sysfs.read(LED, "brightness")).isEqualTo("1");
    clock.advance(Duration.ofMillis(1)); // 300 ms on
    await().until(() -> sysfs.read(LED, "brightness").equals("0"));
    await().until(() -> clock.pendingTasks() == 1);

    clock.advance(Duration.ofMillis(699));
    assertThat(sysfs.read(LED, "brightness")).isEqualTo("0");
    clock.advance(Duration.ofMillis(1)); // 700 ms off
    await().until(() -> sysfs.read(LED, "brightness").equals("1"));
  }

  @Test
  void stopsTogglingWhenTheLightIsSteady() {
    panel.render(States.in(1, MaintenanceState.ENTERING));
    await().until(() -> clock.pendingTasks() == 1);
    clock.advance(Duration.ofMillis(300));
    await().until(() -> sysfs.read(LED, "brightness").equals("0"));

    var steady = States.in(2, MaintenanceState.IN_MAINTENANCE);
    panel.render(steady);
    await().until(() -> panel.applied() == steady);
    assertThat(sysfs.read(LED, "brightness")).isEqualTo("1");

    clock.advance(Duration.ofSeconds(5)); // the cancelled toggle does nothing
    await().during(Duration.ofMillis(200)).until(() -> sysfs.read(LED, "brightness").equals("1"));
  }
}
