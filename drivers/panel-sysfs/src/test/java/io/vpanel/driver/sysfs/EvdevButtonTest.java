package io.vpanel.driver.sysfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.testkit.SteppedScheduler;
import io.vpanel.testkit.WallClockScheduler;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The maintenance button from an evdev device, here a FIFO carrying real 24-byte {@code
 * input_event} records: presses and releases with the scheduler's timestamps, auto-repeat and other
 * keys ignored, garbage and truncated records survived, a vanishing device reported and reattached.
 * Read with {@code java.nio} ({@code grab: false}); {@link NativeEvdevButtonTest} runs the same
 * tests through the native read path of {@code grab: true}.
 */
class EvdevButtonTest {
  static final int KEY = 148; // KEY_PROG1, the default

  @TempDir Path temp;
  final List<ButtonEvent> events = new CopyOnWriteArrayList<>();
  final List<Optional<String>> faults = new CopyOnWriteArrayList<>();
  SysfsPanelDriver panel;
  FifoInput fifo;
  private WallClockScheduler real;

  /** How the panel reads the device. */
  EvdevReader.Access access() {
    return EvdevReader.Access.NIO;
  }

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

  Path device() {
    return temp.resolve("event-kbd");
  }

  void start(Scheduler scheduler) {
    SysfsPanelSettings settings =
        new SysfsPanelSettings(
            temp.resolve("leds").toString(),
            Map.of(),
            device().toString(),
            "KEY_PROG1",
            500,
            500,
            200,
            false);
    panel =
        access() == EvdevReader.Access.NIO
            ? (SysfsPanelDriver)
                new SysfsPanelProvider().create(settings, new DriverContext(scheduler, "sim-01"))
            : new SysfsPanelDriver(settings, scheduler, access());
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

  SteppedScheduler startStepped() throws Exception {
    fifo = FifoInput.create(device());
    SteppedScheduler clock = new SteppedScheduler();
    start(clock);
    return clock;
  }

  void startReal() throws Exception {
    real = new WallClockScheduler();
    start(real);
  }

  static Instant kernel(long seconds) {
    return Instant.parse("2026-03-01T10:00:00Z").plusSeconds(seconds);
  }

  @Test
  void reportsPressAndReleaseStampedByTheScheduler() throws Exception {
    SteppedScheduler clock = startStepped();
    Instant pressedAt = clock.now();
    fifo.write(FifoInput.key(kernel(0), KEY, 1));
    await().until(() -> events.size() == 1);

    clock.advance(Duration.ofMillis(3_250));
    fifo.write(FifoInput.key(kernel(3), KEY, 0));
    await().until(() -> events.size() == 2);

    assertThat(events.get(0))
        .isEqualTo(new ButtonEvent.Pressed(PanelButton.MAINTENANCE, pressedAt));
    assertThat(events.get(1))
        .isEqualTo(new ButtonEvent.Released(PanelButton.MAINTENANCE, pressedAt.plusMillis(3_250)));
    assertThat(faults).isEmpty();
  }

  @Test
  void aPressAndReleaseReadTogetherKeepTheKernelsSpacing() throws Exception {
    SteppedScheduler clock = startStepped();
    Instant now = clock.now();
    fifo.write(
        FifoInput.key(kernel(0), KEY, 1), FifoInput.key(kernel(0).plusMillis(3_500), KEY, 0));
    await().until(() -> events.size() == 2);

    assertThat(events.get(0)).isInstanceOf(ButtonEvent.Pressed.class);
    assertThat(events.get(1)).isInstanceOf(ButtonEvent.Released.class);
    assertThat(Duration.between(events.get(0).at(), events.get(1).at()))
        .isEqualTo(Duration.ofMillis(3_500));
    assertThat(events.get(1).at()).isEqualTo(now);
  }

  @Test
  void keyRepeatGivesNoExtraPress() throws Exception {
    startStepped();
    fifo.write(FifoInput.key(kernel(0), KEY, 1));
    for (int i = 1; i <= 10; i++) {
      fifo.write(FifoInput.key(kernel(0).plusMillis(250 + 33L * i), KEY, 2));
    }
    fifo.write(FifoInput.key(kernel(1), KEY, 1)); // a second press without release: ignored
    fifo.write(FifoInput.key(kernel(2), KEY, 0));
    fifo.write(FifoInput.key(kernel(3), KEY, 0)); // a second release: ignored
    fifo.write(FifoInput.key(kernel(4), KEY, 1));
    await().until(() -> events.size() >= 3);
    await().during(Duration.ofMillis(200)).until(() -> events.size() == 3);

    assertThat(events)
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly("Pressed", "Released", "Pressed");
  }

  @Test
  void otherKeysAndEventTypesAreIgnored() throws Exception {
    startStepped();
    fifo.write(FifoInput.key(kernel(0), 30, 1)); // KEY_A
    fifo.write(FifoInput.key(kernel(0), 30, 0));
    fifo.write(FifoInput.record(kernel(0), 2, 0, 5)); // EV_REL
    fifo.write(FifoInput.record(kernel(0), 0x11, 0, 1)); // EV_LED
    fifo.write(FifoInput.record(kernel(0), FifoInput.EV_SYN, 0, 0));
    fifo.write(FifoInput.key(kernel(1), KEY, 1));
    await().until(() -> events.size() == 1);
    await().during(Duration.ofMillis(200)).until(() -> events.size() == 1);
    assertThat(events.getFirst()).isInstanceOf(ButtonEvent.Pressed.class);
  }

  @Test
  void garbageBytesAreSkippedAndTheNextGoodRecordIsHandled() throws Exception {
    startStepped();
    byte[] junk = new byte[7];
    java.util.Arrays.fill(junk, (byte) 0xff);
    byte[] nonsense = FifoInput.record(kernel(0), 0x7777, KEY, 1); // no such event type
    byte[] badValue = FifoInput.record(kernel(0), FifoInput.EV_KEY, KEY, 99);
    fifo.write(junk, nonsense, badValue, FifoInput.key(kernel(1), KEY, 1));
    await().until(() -> events.size() == 1);
    fifo.write("not an input event at all, just text\n".getBytes());
    fifo.write(FifoInput.key(kernel(2), KEY, 0));
    await().until(() -> events.size() == 2);

    assertThat(events)
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly("Pressed", "Released");
    assertThat(faults).isEmpty();
  }

  @Test
  void aTruncatedRecordAtEndOfInputIsDroppedAndTheDeviceReattached() throws Exception {
    fifo = FifoInput.create(device());
    startReal();
    // A whole press and release first, so the reader is known to hold the FIFO open: closing the
    // only writer before the reader opened it would discard the bytes and leave no end of input.
    fifo.write(FifoInput.key(Instant.now(), KEY, 1), FifoInput.key(Instant.now(), KEY, 0));
    await().until(() -> events.size() == 2);
    fifo.write(java.util.Arrays.copyOf(FifoInput.record(kernel(0), FifoInput.EV_KEY, KEY, 1), 10));
    fifo.close(); // the writer goes mid-record
    await().until(() -> !faults.isEmpty());
    assertThat(faults.getFirst().orElseThrow()).startsWith("input device " + device() + ": closed");
    assertThat(events).as("the truncated record is no press").hasSize(2);

    fifo.open();
    await().atMost(Duration.ofSeconds(10)).until(() -> faults.getLast().isEmpty());
    fifo.write(FifoInput.key(Instant.now(), KEY, 1));
    await().until(() -> events.size() == 3);
  }

  @Test
  void aVanishingDeviceIsReportedAndReattachedWhenItIsBack() throws Exception {
    fifo = FifoInput.create(device());
    startReal();
    fifo.write(FifoInput.key(Instant.now(), KEY, 1));
    await().until(() -> events.size() == 1);

    fifo.delete();
    fifo.close();
    // The held button is let go: a hold must not complete with the device gone.
    await().until(() -> events.size() == 2);
    assertThat(events.get(1)).isInstanceOf(ButtonEvent.Released.class);
    await()
        .until(
            () ->
                faults.stream()
                    .flatMap(Optional::stream)
                    .anyMatch(p -> p.contains(device() + ": missing")));
    assertThat(panel.fault()).isPresent();

    fifo.make();
    fifo.open();
    await().atMost(Duration.ofSeconds(10)).until(() -> faults.getLast().isEmpty());
    fifo.write(FifoInput.key(Instant.now(), KEY, 1), FifoInput.key(Instant.now(), KEY, 0));
    await().until(() -> events.size() == 4);
    assertThat(events.subList(2, 4))
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly("Pressed", "Released");
  }

  @Test
  void aMissingDeviceAtStartIsReportedUntilItAppears() throws Exception {
    startReal();
    await().until(() -> !faults.isEmpty());
    assertThat(faults.getFirst().orElseThrow())
        .isEqualTo(
            "input device "
                + device()
                + ": missing (unplugged, or the path in inputDevice is wrong); waiting for it to"
                + " appear");

    fifo = FifoInput.create(device());
    await().atMost(Duration.ofSeconds(10)).until(() -> faults.getLast().isEmpty());
    fifo.write(FifoInput.key(Instant.now(), KEY, 1));
    await().until(() -> events.size() == 1);
  }

  @Test
  void aDirectoryInPlaceOfTheDeviceIsReportedNotCrashedOn() throws Exception {
    Files.createDirectory(device());
    startReal();
    await().until(() -> !faults.isEmpty());
    assertThat(faults.getFirst().orElseThrow())
        .isEqualTo(
            "input device "
                + device()
                + ": is a directory, not an input device; check"
                + " inputDevice");
  }

  @Test
  void permissionDeniedNamesTheGroupAndTheReadme() throws Exception {
    assertThat(Problems.input(device(), new AccessDeniedException(device().toString())))
        .isEqualTo(
            "input device "
                + device()
                + ": permission denied — add the agent's user to group input, or install the udev"
                + " rule in drivers/panel-sysfs/README.md");
  }

  @Test
  void aDeviceWithoutReadPermissionIsReported() throws Exception {
    // Root reads any file whatever its mode; only a non-root run can see this for real.
    Assumptions.assumeFalse(
        "root".equals(System.getProperty("user.name")), "permission checks do not apply to root");
    Files.createFile(device());
    Files.setPosixFilePermissions(device(), PosixFilePermissions.fromString("---------"));
    startReal();
    await().until(() -> !faults.isEmpty());
    assertThat(faults.getFirst().orElseThrow()).contains("permission denied");
  }

  @Test
  void readsOnAPlatformDaemonThread() throws Exception {
    startStepped();
    fifo.write(FifoInput.key(kernel(0), KEY, 1));
    await().until(() -> events.size() == 1);
    Thread reader = panel.input().orElseThrow().thread();
    // a read waiting for the next key would pin a virtual thread's carrier
    assertThat(reader.isVirtual()).isFalse();
    assertThat(reader.isDaemon()).isTrue();
    assertThat(reader.getName()).isEqualTo("sysfs-panel-input " + device());
  }

  @Test
  void reportsNothingAfterClose() throws Exception {
    startStepped();
    panel.close();
    fifo.write(FifoInput.key(kernel(0), KEY, 1));
    await().during(Duration.ofMillis(300)).until(events::isEmpty);
  }

  /** How many of this process's open descriptors are {@code path}. */
  static long descriptorsOf(Path path) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(
              fd -> {
                try {
                  return Files.readSymbolicLink(fd).equals(path);
                } catch (IOException e) {
                  return false; // gone meanwhile, or the listing's own descriptor
                }
              })
          .count();
    }
  }
}
