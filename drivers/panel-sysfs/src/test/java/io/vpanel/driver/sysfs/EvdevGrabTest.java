package io.vpanel.driver.sysfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.driver.sysfs.SysfsPanelSettings.LedBinding;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.PanelListener;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code grab: true} where no evdev device exists (no {@code /dev/input}, no {@code /dev/uinput}):
 * a real {@code ioctl(fd, EVIOCGRAB, 1)} on a FIFO, which the kernel refuses with {@code ENOTTY},
 * reported as the panel's fault while the LEDs keep working, and tried again with back-off; a
 * missing path; the words for {@code EBUSY}, which needs a second grabber on a real device. A grab
 * that succeeds is not tested here (see the README).
 */
class EvdevGrabTest {
  private static final String LED = "vpanel:green:maintenance";

  @TempDir Path temp;
  private final List<ButtonEvent> events = new CopyOnWriteArrayList<>();
  private final List<Optional<String>> faults = new CopyOnWriteArrayList<>();
  private SysfsPanelDriver panel;
  private FifoInput fifo;
  private WallClockScheduler real;

  @AfterEach
  void close() throws IOException {
    if (panel != null) {
      panel.close();
    }
    if (fifo != null) {
      fifo.close();
    }
    if (real != null) {
      real.close();
    }
  }

  private Path device() {
    return temp.resolve("event-kbd");
  }

  private String notEvdev() {
    return "input device "
        + device()
        + ": cannot grab it exclusively (not an evdev device: ENOTTY); set grab: false or point"
        + " inputDevice at /dev/input/eventN";
  }

  private String missing() {
    return "input device "
        + device()
        + ": missing (unplugged, or the path in inputDevice is wrong); waiting for it to appear";
  }

  private void start(Scheduler scheduler, Map<String, LedBinding> leds) throws IOException {
    FakeSysfs sysfs = new FakeSysfs(temp.resolve("leds"));
    sysfs.led(LED);
    SysfsPanelSettings settings =
        new SysfsPanelSettings(
            sysfs.root().toString(), leds, device().toString(), "KEY_PROG1", 500, 500, 400, true);
    panel =
        (SysfsPanelDriver)
            new SysfsPanelProvider().create(settings, new DriverContext(scheduler, "sim-01"));
    panel.start(
        new PanelListener() {
          @Override
          public void onButton(ButtonEvent event) {
            events.add(event);
          }

          @Override
          public void onFault(Optional<String> problem) {
            faults.add(problem);
          }
        });
  }

  @Test
  void aFifoRefusesTheGrabWithEnottyAndTheLedsKeepWorking() throws Exception {
    fifo = FifoInput.create(device());
    start(new SteppedScheduler(), Map.of("maintenance", LedBinding.single(LED)));
    await().until(() -> !faults.isEmpty());
    assertThat(faults.getFirst()).contains(notEvdev());
    assertThat(panel.fault()).contains(notEvdev());
    // the refused descriptor is closed again: only the test's writer has the FIFO open
    assertThat(EvdevButtonTest.descriptorsOf(device())).isEqualTo(1);
    assertThat(panel.input().orElseThrow().thread().isVirtual()).isFalse();

    PanelState state = States.in(1, MaintenanceState.IN_MAINTENANCE); // steady green
    panel.render(state);
    await().until(() -> panel.applied() == state);
    FakeSysfs sysfs = new FakeSysfs(temp.resolve("leds"));
    assertThat(sysfs.read(LED, "brightness")).isEqualTo("255");
    assertThat(sysfs.trigger(LED)).isEqualTo("none");

    fifo.write(FifoInput.key(EvdevButtonTest.kernel(0), EvdevButtonTest.KEY, 1));
    await().during(Duration.ofMillis(200)).until(events::isEmpty);
  }

  @Test
  void aRefusedGrabIsTriedAgainWithBackOffAndReportedAgain() throws Exception {
    fifo = FifoInput.create(device());
    SteppedScheduler clock = new SteppedScheduler();
    start(clock, Map.of());
    EvdevReader reader = panel.input().orElseThrow();
    await().until(() -> faults.size() == 1 && clock.pendingTasks() == 1);
    assertThat(reader.attempts()).isEqualTo(1);

    int tries = 1;
    for (long wait : new long[] {100, 200, 400, 400}) { // doubling up to reattachMaxMillis
      clock.advance(Duration.ofMillis(wait - 1));
      assertThat(reader.attempts()).as("before %d ms", wait).isEqualTo(tries);
      clock.advance(Duration.ofMillis(1));
      int expected = ++tries;
      await().until(() -> reader.attempts() == expected && clock.pendingTasks() == 1);
    }
    // the same fault is not reported again while it lasts
    assertThat(faults).containsExactly(Optional.of(notEvdev()));

    fifo.close();
    fifo.delete();
    clock.advance(Duration.ofMillis(400));
    await().until(() -> faults.size() == 2 && clock.pendingTasks() == 1);
    assertThat(faults.getLast()).contains(missing());

    fifo.make();
    fifo.open();
    clock.advance(Duration.ofMillis(400));
    await().until(() -> faults.size() == 3);
    assertThat(faults.getLast()).contains(notEvdev());
    assertThat(events).isEmpty();
  }

  @Test
  void aMissingDeviceIsReportedAsMissing() throws Exception {
    real = new WallClockScheduler();
    start(real, Map.of());
    await().until(() -> !faults.isEmpty());
    assertThat(faults.getFirst()).contains(missing());
  }

  @Test
  void aGrabHeldByAnotherProcessNamesEbusy() {
    Path device = Path.of("/dev/input/event3");
    assertThat(
            Problems.input(
                device,
                new NativeEvdev.GrabRefused(
                    device, NativeEvdev.EBUSY, "EBUSY", "Device or resource busy")))
        .isEqualTo(
            "input device /dev/input/event3: another process holds it exclusively (EBUSY); stop it"
                + " (e.g. a desktop session) or set grab: false");
    assertThat(
            Problems.input(
                device,
                new NativeEvdev.GrabRefused(device, NativeEvdev.EINVAL, "EINVAL", "Invalid")))
        .isEqualTo(
            "input device /dev/input/event3: cannot grab it exclusively (not an evdev device:"
                + " EINVAL); set grab: false or point inputDevice at /dev/input/eventN");
  }

  @Test
  void grabIsOffByDefault() {
    assertThat(SysfsPanelSettings.defaults().grab()).isFalse();
  }
}
