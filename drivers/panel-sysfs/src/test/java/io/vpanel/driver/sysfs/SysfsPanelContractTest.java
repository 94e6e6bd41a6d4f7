package io.vpanel.driver.sysfs;

import io.vpanel.driver.sysfs.SysfsPanelSettings.LedBinding;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelState;
import io.vpanel.testkit.PanelDriverContract;
import io.vpanel.testkit.SteppedScheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The panel contract against the driver's real peers: a fake {@code /sys/class/leds} (a red/green
 * pair for the maintenance light) and a FIFO carrying input_event records for the button.
 *
 * <p>The panel has no text display, so there is no peer to read lines from. {@link #shownOnPeer}
 * returns the lines of the state the LED thread last applied, and only once the maintenance LED
 * files on disk show that state's maintenance light: the contract's display checks become "the LEDs
 * show the newest state given, at once for many states". The lines themselves are nowhere.
 */
class SysfsPanelContractTest extends PanelDriverContract {
  private static final String RED = "vpanel:red:maintenance";
  private static final String GREEN = "vpanel:green:maintenance";

  @TempDir Path temp;
  private FakeSysfs sysfs;
  private FifoInput fifo;
  private SysfsPanelDriver driver;

  @Override
  protected PanelDriver createPanel() {
    try {
      sysfs = new FakeSysfs(temp.resolve("leds"));
      sysfs.led(RED);
      sysfs.led(GREEN);
      fifo = FifoInput.create(temp.resolve("event-kbd"));
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
    SysfsPanelSettings settings =
        new SysfsPanelSettings(
            sysfs.root().toString(),
            Map.of("maintenance", LedBinding.pair(RED, GREEN)),
            fifo.path().toString(),
            "148",
            500,
            500,
            1000,
            false);
    driver =
        (SysfsPanelDriver)
            new SysfsPanelProvider()
                .create(settings, new DriverContext(new SteppedScheduler(), host()));
    return driver;
  }

  @AfterEach
  void closeFifo() throws IOException {
    fifo.close();
  }

  @Override
  protected String host() {
    return "sim-01";
  }

  @Override
  protected void pressOnPeer(boolean pressed) throws IOException {
    fifo.write(FifoInput.key(Instant.now(), 148, pressed ? 1 : 0));
  }

  @Override
  protected List<String> shownOnPeer() {
    PanelState applied = driver.applied();
    if (applied == null || !ledsShow(applied.maintenance())) {
      return List.of();
    }
    return applied.lines();
  }

  private boolean ledsShow(Light light) {
    boolean red = light.color() == LightColor.RED || light.color() == LightColor.AMBER;
    boolean green = light.color() == LightColor.GREEN || light.color() == LightColor.AMBER;
    return shows(RED, red, light.flashing()) && shows(GREEN, green, light.flashing());
  }

  private boolean shows(String led, boolean lit, boolean flashing) {
    String brightness = sysfs.read(led, "brightness");
    String trigger = sysfs.trigger(led);
    if (!lit) {
      return brightness.equals("0") && trigger.equals("none");
    }
    return brightness.equals("255") && trigger.equals(flashing ? "timer" : "none");
  }

  @Override
  protected void await(BooleanSupplier condition, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(20))
        .until(condition::getAsBoolean);
  }
}
