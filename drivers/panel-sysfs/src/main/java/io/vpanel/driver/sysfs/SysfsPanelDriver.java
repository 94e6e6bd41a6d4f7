package io.vpanel.driver.sysfs;

import io.vpanel.spi.Scheduler;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.ButtonInput;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A front panel made of Linux LED-class LEDs and an evdev input device, panel driver {@code sysfs}.
 * The configured LEDs show the indicators (colour through {@code multi_intensity} or a red/green
 * pair, flashing through the {@code timer} trigger or toggled on the scheduler's clock when the
 * kernel lacks it); the input device's key is the maintenance button, reported as press and release
 * for core's hold-to-confirm.
 *
 * <p>It has no text display. The SPI requires a geometry, so it reports the smallest one allowed
 * ({@value #ROWS} x {@value #COLUMNS}); the lines it is given are not shown anywhere.
 */
final class SysfsPanelDriver implements PanelDriver {
  static final int ROWS = 1;
  static final int COLUMNS = 8;

  private final PanelCapabilities capabilities;
  private final Faults faults = new Faults();
  private final LedPanel leds;
  private final Optional<EvdevReader> input;
  private volatile PanelListener listener;
  private volatile boolean closed;

  SysfsPanelDriver(SysfsPanelSettings settings, Scheduler scheduler) {
    this(settings, scheduler, settings.grab() ? EvdevReader.Access.GRAB : EvdevReader.Access.NIO);
  }

  /** Tests choose how the input device is read ({@link EvdevReader.Access#NATIVE_WITHOUT_GRAB}). */
  SysfsPanelDriver(SysfsPanelSettings settings, Scheduler scheduler, EvdevReader.Access access) {
    Duration maxBackoff = Duration.ofMillis(settings.reattachMaxMillis());
    this.leds =
        new LedPanel(
            Path.of(settings.ledRoot()),
            settings.leds(),
            scheduler,
            faults,
            settings.flashOnMillis(),
            settings.flashOffMillis(),
            maxBackoff);
    this.capabilities =
        new PanelCapabilities(
            new DisplayGeometry(ROWS, COLUMNS),
            ButtonInput.PRESS_AND_RELEASE,
            leds.colors(),
            leds.hardwareFlashing());
    this.input =
        settings.inputDevice().isEmpty()
            ? Optional.empty()
            : Optional.of(
                new EvdevReader(
                    Path.of(settings.inputDevice()),
                    settings.keyCode(),
                    scheduler,
                    faults,
                    this::report,
                    maxBackoff,
                    access));
  }

  @Override
  public String name() {
    return SysfsPanelProvider.NAME;
  }

  @Override
  public PanelCapabilities capabilities() {
    return capabilities;
  }

  @Override
  public void start(PanelListener to) {
    if (closed) {
      return;
    }
    listener = to;
    faults.start(to);
    input.ifPresent(EvdevReader::start);
  }

  @Override
  public void render(PanelState state) {
    leds.render(state);
  }

  /** The newest state the LEDs show (the lines are not shown: the panel has no display). */
  PanelState applied() {
    return leds.applied();
  }

  /** The input device's reader, when the panel has one. */
  Optional<EvdevReader> input() {
    return input;
  }

  /** The problems reported now; empty when every LED and the input device work. */
  Optional<String> fault() {
    return faults.current();
  }

  private void report(ButtonEvent event) {
    PanelListener to = listener;
    if (to != null && !closed) {
      to.onButton(event);
    }
  }

  @Override
  public void close() {
    closed = true;
    listener = null;
    faults.stop();
    input.ifPresent(EvdevReader::close);
    leds.close();
  }
}
