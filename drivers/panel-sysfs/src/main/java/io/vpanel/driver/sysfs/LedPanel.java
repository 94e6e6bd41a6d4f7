package io.vpanel.driver.sysfs;

import io.vpanel.driver.sysfs.SysfsPanelSettings.LedBinding;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The panel's LEDs. {@link #render} keeps only the newest state and returns at once; one virtual
 * thread (the LED thread) owns every LED, writes the files, toggles software-flashed LEDs on the
 * scheduler's clock and probes missing LEDs again with a back-off. A missing or unwritable LED is a
 * fault of that LED only: the others keep showing the state.
 */
final class LedPanel implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LedPanel.class);

  /** The LEDs of one indicator and how they show a colour. */
  private record Indicator(String name, LedBinding binding, List<SysfsLed> leds) {}

  private final List<Indicator> indicators = new ArrayList<>();
  private final Scheduler scheduler;
  private final Faults faults;
  private final int delayOnMillis;
  private final int delayOffMillis;
  private final Duration maxBackoff;
  // A sysfs write blocks in the LED's kernel driver (an I2C controller can be slow), which would
  // hold a virtual thread's carrier: one platform thread of its own.
  private final ExecutorService owner =
      Executors.newSingleThreadExecutor(
          Thread.ofPlatform().daemon().name("sysfs-panel-leds").factory());
  private final AtomicReference<PanelState> latest = new AtomicReference<>();
  private final AtomicBoolean queued = new AtomicBoolean();
  private final Set<LightColor> colors;
  private final boolean hardwareFlashing;
  private volatile PanelState applied;
  private volatile boolean closed;

  // owned by the LED thread
  private boolean phaseOn = true;
  private Scheduler.Cancellable tick;
  private Scheduler.Cancellable probe;
  private Duration backoff = Duration.ofMillis(SysfsPanelSettings.FIRST_RETRY_MILLIS);

  LedPanel(
      Path root,
      Map<String, LedBinding> bindings,
      Scheduler scheduler,
      Faults faults,
      int delayOnMillis,
      int delayOffMillis,
      Duration maxBackoff) {
    this.scheduler = scheduler;
    this.faults = faults;
    this.delayOnMillis = delayOnMillis;
    this.delayOffMillis = delayOffMillis;
    this.maxBackoff = maxBackoff;
    for (String name : SysfsPanelSettings.INDICATORS) {
      LedBinding binding = bindings.get(name);
      if (binding == null) {
        continue;
      }
      List<SysfsLed> leds = new ArrayList<>();
      for (String led : binding.names()) {
        SysfsLed each = new SysfsLed(led, name, root);
        attach(each); // before the LED thread exists: it takes over afterwards
        leds.add(each);
      }
      indicators.add(new Indicator(name, binding, List.copyOf(leds)));
    }
    this.colors = colorsOf(indicators);
    this.hardwareFlashing =
        indicators.stream().flatMap(i -> i.leds().stream()).anyMatch(SysfsLed::attached)
            && indicators.stream()
                .flatMap(i -> i.leds().stream())
                .filter(SysfsLed::attached)
                .allMatch(SysfsLed::hasTimer);
  }

  Set<LightColor> colors() {
    return colors;
  }

  boolean hardwareFlashing() {
    return hardwareFlashing;
  }

  /** The newest state the LED thread has shown, for tests. */
  PanelState applied() {
    return applied;
  }

  void render(PanelState state) {
    if (closed) {
      return;
    }
    latest.set(state);
    if (queued.compareAndSet(false, true)) {
      onOwner(this::applyLatest);
    }
  }

  private void onOwner(Runnable task) {
    try {
      owner.execute(task);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private void applyLatest() {
    queued.set(false);
    PanelState state = latest.get();
    if (state == null || closed) {
      return;
    }
    boolean software = false;
    boolean missing = false;
    for (Indicator indicator : indicators) {
      Light light = lightOf(indicator.name(), state);
      for (SysfsLed led : indicator.leds()) {
        if (!led.attached() && !attach(led)) {
          missing = true;
          continue;
        }
        SysfsLed.Mode mode =
            light.color() == LightColor.OFF
                ? SysfsLed.Mode.OFF
                : light.flashing() ? SysfsLed.Mode.FLASHING : SysfsLed.Mode.STEADY;
        if (!lit(indicator, led, light)) {
          mode = SysfsLed.Mode.OFF;
        }
        software |= mode == SysfsLed.Mode.FLASHING && !led.hasTimer();
        try {
          led.show(mode, channels(indicator, led, light), phaseOn, delayOnMillis, delayOffMillis);
        } catch (IOException e) {
          led.detach();
          missing = true;
          faults.set(led.part(), Optional.of(Problems.led(led.name, led.indicator, led.dir, e)));
        }
      }
    }
    applied = state;
    keepTicking(software);
    keepProbing(missing);
  }

  private boolean attach(SysfsLed led) {
    try {
      led.attach();
      faults.set(led.part(), Optional.empty());
      return true;
    } catch (IOException e) {
      led.detach();
      faults.set(led.part(), Optional.of(Problems.led(led.name, led.indicator, led.dir, e)));
      return false;
    }
  }

  private void keepTicking(boolean needed) {
    if (!needed) {
      if (tick != null) {
        tick.cancel();
        tick = null;
      }
      phaseOn = true;
      return;
    }
    if (tick == null) {
      tick =
          scheduler.schedule(
              Duration.ofMillis(phaseOn ? delayOnMillis : delayOffMillis),
              () ->
                  onOwner(
                      () -> {
                        tick = null;
                        phaseOn = !phaseOn;
                        applyLatest();
                      }));
    }
  }

  private void keepProbing(boolean needed) {
    if (!needed) {
      backoff = Duration.ofMillis(SysfsPanelSettings.FIRST_RETRY_MILLIS);
      return;
    }
    if (probe == null) {
      Duration wait = backoff;
      Duration doubled = backoff.multipliedBy(2);
      backoff = doubled.compareTo(maxBackoff) > 0 ? maxBackoff : doubled;
      probe =
          scheduler.schedule(
              wait,
              () ->
                  onOwner(
                      () -> {
                        probe = null;
                        applyLatest();
                      }));
    }
  }

  private static Light lightOf(String indicator, PanelState state) {
    return switch (indicator) {
      case "maintenance" -> state.maintenance();
      case "managementLink" -> state.managementLink();
      case "pfaProtect" -> state.pfaProtect();
      case "drs" -> state.drs();
      case "ha" -> state.ha();
      // A locate LED blinks; every channel of a multicolour one (white).
      case "identify" -> state.identify() ? Light.flashing(LightColor.AMBER) : Light.OFF;
      default -> throw new IllegalStateException("no indicator " + indicator);
    };
  }

  /** Whether {@code led} of a red/green pair is lit for {@code light}; single LEDs always are. */
  private static boolean lit(Indicator indicator, SysfsLed led, Light light) {
    LedBinding binding = indicator.binding();
    if (binding.led() != null || binding.red() == null || binding.green() == null) {
      return true;
    }
    if (led.name.equals(binding.red()) && led.name.equals(binding.green())) {
      return true;
    }
    if (led.name.equals(binding.red())) {
      return light.color() == LightColor.RED || light.color() == LightColor.AMBER;
    }
    return light.color() == LightColor.GREEN || light.color() == LightColor.AMBER;
  }

  /** The channels of a multicolour LED that show {@code light}: amber is red and green. */
  private static List<String> channels(Indicator indicator, SysfsLed led, Light light) {
    List<String> all = led.channels();
    if (all.isEmpty()) {
      return List.of();
    }
    if (indicator.name().equals("identify")) {
      return all;
    }
    List<String> wanted =
        switch (light.color()) {
          case OFF -> List.of();
          case RED -> List.of("red");
          case GREEN -> List.of("green");
          case AMBER ->
              all.contains("amber")
                  ? List.of("amber")
                  : all.contains("yellow") ? List.of("yellow") : List.of("red", "green");
        };
    if (!wanted.isEmpty() && all.stream().noneMatch(wanted::contains)) {
      return all; // a multicolour LED without that colour: lit anyway, in every colour it has
    }
    return wanted;
  }

  private static Set<LightColor> colorsOf(List<Indicator> indicators) {
    EnumSet<LightColor> colors = EnumSet.noneOf(LightColor.class);
    for (Indicator indicator : indicators) {
      if (indicator.name().equals("identify")) {
        continue;
      }
      LedBinding binding = indicator.binding();
      if (binding.led() == null) {
        if (binding.red() != null) {
          colors.add(LightColor.RED);
        }
        if (binding.green() != null) {
          colors.add(LightColor.GREEN);
        }
        if (binding.red() != null && binding.green() != null) {
          colors.add(LightColor.AMBER);
        }
        continue;
      }
      SysfsLed led = indicator.leds().getFirst();
      List<String> channels = led.channels();
      if (!channels.isEmpty()) {
        if (channels.contains("red")) {
          colors.add(LightColor.RED);
        }
        if (channels.contains("green")) {
          colors.add(LightColor.GREEN);
        }
        if (channels.contains("amber")
            || channels.contains("yellow")
            || (channels.contains("red") && channels.contains("green"))) {
          colors.add(LightColor.AMBER);
        }
        continue;
      }
      // A single-colour LED is lit for any colour; its name says its own
      // (devicename:color:function).
      String lower = led.name.toLowerCase(Locale.ROOT);
      if (lower.contains(":red:") || lower.endsWith(":red")) {
        colors.add(LightColor.RED);
      } else if (lower.contains(":green:") || lower.endsWith(":green")) {
        colors.add(LightColor.GREEN);
      } else if (lower.contains(":amber:")
          || lower.contains(":yellow:")
          || lower.contains(":orange:")) {
        colors.add(LightColor.AMBER);
      } else {
        colors.addAll(EnumSet.of(LightColor.RED, LightColor.GREEN, LightColor.AMBER));
      }
    }
    if (colors.isEmpty()) {
      colors.addAll(EnumSet.of(LightColor.RED, LightColor.GREEN, LightColor.AMBER));
    }
    return Set.copyOf(colors);
  }

  /** Stops the LED thread; the LEDs keep what they show. */
  @Override
  public void close() {
    closed = true;
    onOwner(
        () -> {
          if (tick != null) {
            tick.cancel();
          }
          if (probe != null) {
            probe.cancel();
          }
        });
    owner.shutdown();
    log.debug("LED thread stopped");
  }
}
