package io.vpanel.driver.sysfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.driver.sysfs.SysfsPanelSettings.LedBinding;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelState;
import io.vpanel.testkit.SteppedScheduler;
import io.vpanel.testkit.WallClockScheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LED files after each maintenance state, for a multicolour LED, a red/green pair, one LED. */
class LedStatesTest {
  private static final String MULTI = "vpanel:multi:maintenance";
  private static final String RED = "vpanel:red:maintenance";
  private static final String GREEN = "vpanel:green:maintenance";
  private static final String SINGLE = "vpanel:maintenance";

  @TempDir Path temp;
  private FakeSysfs sysfs;
  private SysfsPanelDriver panel;
  private final List<Optional<String>> faults = new CopyOnWriteArrayList<>();
  private long version;

  @BeforeEach
  void lay() throws IOException {
    sysfs = new FakeSysfs(temp.resolve("leds"));
    sysfs.multicolour(MULTI, "red green blue");
    sysfs.led(RED);
    sysfs.led(GREEN);
    sysfs.led(SINGLE);
  }

  @AfterEach
  void close() {
    if (panel != null) {
      panel.close();
    }
  }

  private void start(Map<String, LedBinding> leds) {
    SysfsPanelSettings settings =
        new SysfsPanelSettings(
            sysfs.root().toString(), leds, "", "KEY_PROG1", 400, 600, 1000, false);
    panel =
        (SysfsPanelDriver)
            new SysfsPanelProvider()
                .create(settings, new DriverContext(new SteppedScheduler(), "sim-01"));
    panel.start(
        new io.vpanel.spi.panel.PanelListener() {
          @Override
          public void onButton(io.vpanel.spi.panel.ButtonEvent event) {}

          @Override
          public void onFault(Optional<String> problem) {
            faults.add(problem);
          }
        });
  }

  private void show(MaintenanceState state) {
    show(States.in(++version, state));
  }

  private void show(PanelState state) {
    panel.render(state);
    await().atMost(Duration.ofSeconds(10)).until(() -> panel.applied() == state);
  }

  @Test
  void multicolourLedShowsEachMaintenanceStateThroughItsIntensities() {
    start(Map.of("maintenance", LedBinding.single(MULTI)));
    assertThat(panel.capabilities().colors())
        .containsExactlyInAnyOrder(
            LightColor.OFF, LightColor.RED, LightColor.GREEN, LightColor.AMBER);
    assertThat(panel.capabilities().hardwareFlashing()).isTrue();

    show(MaintenanceState.OPERATIONAL);
    assertThat(sysfs.read(MULTI, "brightness")).isEqualTo("0");
    assertThat(sysfs.trigger(MULTI)).isEqualTo("none");
    assertThat(sysfs.read(MULTI, "multi_intensity")).isEqualTo("0 0 0");

    show(MaintenanceState.ENTERING); // flashing red
    assertThat(sysfs.read(MULTI, "multi_intensity")).isEqualTo("255 0 0");
    assertThat(sysfs.trigger(MULTI)).isEqualTo("timer");
    assertThat(sysfs.read(MULTI, "delay_on")).isEqualTo("400");
    assertThat(sysfs.read(MULTI, "delay_off")).isEqualTo("600");
    assertThat(sysfs.read(MULTI, "brightness")).isEqualTo("255");

    show(MaintenanceState.IN_MAINTENANCE); // steady green
    assertThat(sysfs.read(MULTI, "multi_intensity")).isEqualTo("0 255 0");
    assertThat(sysfs.trigger(MULTI)).isEqualTo("none");
    assertThat(sysfs.read(MULTI, "brightness")).isEqualTo("255");

    show(MaintenanceState.EXITING); // flashing red
    assertThat(sysfs.read(MULTI, "multi_intensity")).isEqualTo("255 0 0");
    assertThat(sysfs.trigger(MULTI)).isEqualTo("timer");

    show(MaintenanceState.FAILED); // steady red
    assertThat(sysfs.read(MULTI, "multi_intensity")).isEqualTo("255 0 0");
    assertThat(sysfs.trigger(MULTI)).isEqualTo("none");
    assertThat(sysfs.read(MULTI, "brightness")).isEqualTo("255");

    show(MaintenanceState.OPERATIONAL);
    assertThat(sysfs.read(MULTI, "brightness")).isEqualTo("0");
    assertThat(sysfs.trigger(MULTI)).isEqualTo("none");
    assertThat(faults).isEmpty();
  }

  @Test
  void multicolourAmberIsRedAndGreen() {
    start(Map.of("drs", LedBinding.single(MULTI)));
    show(MaintenanceState.OPERATIONAL); // drs steady amber
    assertThat(sysfs.read(MULTI, "multi_intensity")).isEqualTo("255 255 0");
    assertThat(sysfs.read(MULTI, "brightness")).isEqualTo("255");
  }

  @Test
  void redAndGreenPairShowsEachMaintenanceState() {
    start(Map.of("maintenance", LedBinding.pair(RED, GREEN)));

    show(MaintenanceState.OPERATIONAL);
    assertLed(RED, "none", "0");
    assertLed(GREEN, "none", "0");

    show(MaintenanceState.ENTERING);
    assertLed(RED, "timer", "255");
    assertThat(sysfs.read(RED, "delay_on")).isEqualTo("400");
    assertLed(GREEN, "none", "0");

    show(MaintenanceState.IN_MAINTENANCE);
    assertLed(RED, "none", "0");
    assertLed(GREEN, "none", "255");

    show(MaintenanceState.EXITING);
    assertLed(RED, "timer", "255");
    assertLed(GREEN, "none", "0");

    show(MaintenanceState.FAILED);
    assertLed(RED, "none", "255");
    assertLed(GREEN, "none", "0");
  }

  @Test
  void pairShowsAmberWithBothLeds() {
    start(Map.of("drs", LedBinding.pair(RED, GREEN)));
    show(MaintenanceState.OPERATIONAL); // drs steady amber
    assertLed(RED, "none", "255");
    assertLed(GREEN, "none", "255");
  }

  @Test
  void singleLedIsLitForAnyColourAndFlashesWithTheTimer() {
    start(Map.of("maintenance", LedBinding.single(SINGLE)));

    show(MaintenanceState.OPERATIONAL);
    assertLed(SINGLE, "none", "0");
    show(MaintenanceState.ENTERING);
    assertLed(SINGLE, "timer", "255");
    show(MaintenanceState.IN_MAINTENANCE);
    assertLed(SINGLE, "none", "255");
    show(MaintenanceState.EXITING);
    assertLed(SINGLE, "timer", "255");
    show(MaintenanceState.FAILED);
    assertLed(SINGLE, "none", "255");
    show(MaintenanceState.OPERATIONAL);
    assertLed(SINGLE, "none", "0");
  }

  @Test
  void identifyBlinksEveryChannel() {
    start(Map.of("identify", LedBinding.single(MULTI)));
    show(States.with(1, MaintenanceState.OPERATIONAL, Light.OFF, true));
    assertThat(sysfs.read(MULTI, "multi_intensity")).isEqualTo("255 255 255");
    assertThat(sysfs.trigger(MULTI)).isEqualTo("timer");
    show(States.with(2, MaintenanceState.OPERATIONAL, Light.OFF, false));
    assertLed(MULTI, "none", "0");
  }

  @Test
  void writesOnlyFilesWhoseValueChanges() throws IOException {
    start(Map.of("maintenance", LedBinding.single(MULTI)));
    show(MaintenanceState.IN_MAINTENANCE);
    assertLed(MULTI, "none", "255");
    // Mark the files: a write of the same value would overwrite the marks.
    sysfs.poke(MULTI, "brightness", "mark");
    sysfs.poke(MULTI, "multi_intensity", "mark");
    sysfs.poke(MULTI, "trigger", "mark");

    show(States.in(++version, MaintenanceState.IN_MAINTENANCE)); // the same lights again
    assertThat(sysfs.read(MULTI, "brightness")).isEqualTo("mark");
    assertThat(sysfs.read(MULTI, "multi_intensity")).isEqualTo("mark");
    assertThat(sysfs.read(MULTI, "trigger")).isEqualTo("mark");

    show(MaintenanceState.FAILED); // colour changes, brightness and trigger do not
    assertThat(sysfs.read(MULTI, "multi_intensity")).isEqualTo("255 0 0");
    assertThat(sysfs.read(MULTI, "brightness")).isEqualTo("mark");
    assertThat(sysfs.read(MULTI, "trigger")).isEqualTo("mark");
  }

  @Test
  void aMissingLedIsAFaultOfItsOwnAndTheOthersKeepWorking() throws IOException {
    sysfs.remove(GREEN);
    start(
        Map.of(
            "maintenance", LedBinding.single(SINGLE), "managementLink", LedBinding.single(GREEN)));
    await().until(() -> !faults.isEmpty());
    assertThat(faults.getLast().orElseThrow())
        .contains("LED " + GREEN + " (managementLink)")
        .contains("does not exist");

    show(MaintenanceState.IN_MAINTENANCE);
    assertLed(SINGLE, "none", "255");
    assertThat(panel.fault()).isPresent();
  }

  @Test
  void anLedThatComesBackIsUsedAgainAndTheFaultClears() throws IOException {
    WallClockScheduler scheduler = new WallClockScheduler();
    try {
      sysfs.remove(GREEN);
      SysfsPanelSettings settings =
          new SysfsPanelSettings(
              sysfs.root().toString(),
              Map.of("managementLink", LedBinding.single(GREEN)),
              "",
              "KEY_PROG1",
              500,
              500,
              200,
              false);
      panel =
          (SysfsPanelDriver)
              new SysfsPanelProvider().create(settings, new DriverContext(scheduler, "sim-01"));
      panel.start(
          new io.vpanel.spi.panel.PanelListener() {
            @Override
            public void onButton(io.vpanel.spi.panel.ButtonEvent event) {}

            @Override
            public void onFault(Optional<String> problem) {
              faults.add(problem);
            }
          });
      panel.render(States.in(1, MaintenanceState.OPERATIONAL)); // management link steady green
      await().until(() -> faults.size() == 1 && faults.getFirst().isPresent());

      sysfs.led(GREEN); // the LED's driver is loaded again
      await().atMost(Duration.ofSeconds(10)).until(() -> faults.getLast().isEmpty());
      await().until(() -> sysfs.read(GREEN, "brightness").equals("255"));
    } finally {
      panel.close();
      panel = null;
      scheduler.close();
    }
  }

  @Test
  void anLedThatCannotBeWrittenIsReported() throws IOException {
    // A directory where the brightness file should be fails even for root.
    java.nio.file.Files.delete(sysfs.root().resolve(SINGLE).resolve("brightness"));
    java.nio.file.Files.createDirectory(sysfs.root().resolve(SINGLE).resolve("brightness"));
    start(Map.of("maintenance", LedBinding.single(SINGLE)));
    await().until(() -> !faults.isEmpty());
    assertThat(faults.getLast().orElseThrow()).contains("LED " + SINGLE + " (maintenance)");
  }

  private void assertLed(String name, String trigger, String brightness) {
    assertThat(sysfs.trigger(name)).as(name + " trigger").isEqualTo(trigger);
    assertThat(sysfs.read(name, "brightness")).as(name + " brightness").isEqualTo(brightness);
  }
}
