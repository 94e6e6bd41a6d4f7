package io.vpanel.core.engine;

import io.vpanel.core.model.PanelHealth;
import io.vpanel.core.panel.PanelProjection;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.panel.ConfirmFeedback;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands every panel of every host its own layout of the host's state, off the owner thread: each
 * panel renders on its own thread, newest state wins (states that came while it rendered are
 * skipped), and a panel that throws or does not return within {@code panelRenderTimeout} is shown
 * failed — in the host's status and so in the API and metrics — until a render succeeds again,
 * without delaying the other panels or the maintenance flow. Owner thread, except {@link
 * Channel#drain} on the panel's thread.
 */
final class PanelFanOut {
  private static final System.Logger log = System.getLogger(ClusterEngine.class.getName());
  private static final Duration WATCH_PERIOD = Duration.ofSeconds(1);
  private static final int MAX_REASON = 300;

  private final EngineParts parts;
  private final Map<PanelDriver, Channel> channels = new LinkedHashMap<>();
  private Scheduler.Cancellable watch;

  PanelFanOut(EngineParts parts) {
    this.parts = parts;
  }

  void add(HostRecord host, PanelDriver panel) {
    channels.put(panel, new Channel(host, panel));
  }

  /** Each panel of {@code host}, with its health. */
  List<PanelHealth> health(HostRecord host) {
    List<PanelHealth> health = new ArrayList<>();
    for (Channel channel : channels.values()) {
      if (channel.host == host) {
        health.add(channel.health());
      }
    }
    return health;
  }

  /**
   * {@code panel} says its device became unusable ({@code problem}) or usable again (empty). The
   * panel is shown failed with the driver's reason until then, and keeps being given states.
   */
  void fault(PanelDriver panel, Optional<String> problem) {
    Channel channel = channels.get(panel);
    if (channel != null) {
      channel.deviceFault(problem);
    }
  }

  /**
   * One short display line for each failed panel of {@code host} ({@code PANEL sysfs FAULT}), so
   * that the host's other panels show that one of them is not showing; the reason is in the API.
   */
  List<String> faultLines(HostRecord host) {
    List<String> lines = new ArrayList<>();
    for (Channel channel : channels.values()) {
      if (channel.host == host && !channel.health().healthy()) {
        lines.add("PANEL " + channel.panel.name().toUpperCase(Locale.ROOT) + " FAULT");
      }
    }
    return lines;
  }

  /** Lays {@code input} out for each panel of {@code host} and sends what changed. */
  void show(HostRecord host, PanelProjection.Input input, Optional<ConfirmFeedback> confirm) {
    for (Channel channel : channels.values()) {
      if (channel.host == host) {
        channel.show(input, confirm);
      }
    }
  }

  private void ensureWatch() {
    if (watch == null && !parts.closed) {
      watch = parts.scheduler.schedule(WATCH_PERIOD, this::watch);
    }
  }

  private void watch() {
    watch = null;
    boolean busy = false;
    Instant now = parts.scheduler.now();
    for (Channel channel : channels.values()) {
      if (channel.renderingSince != null) {
        busy = true;
        Duration running = Duration.between(channel.renderingSince, now);
        if (running.compareTo(parts.settings.panelRenderTimeout()) > 0) {
          channel.unhealthy(
              "render has not returned within "
                  + parts.settings.panelRenderTimeout().toSeconds()
                  + " s");
        }
      }
    }
    if (busy) {
      ensureWatch();
    }
  }

  /** A driver's reason as one bounded line: control characters become spaces. */
  static String printable(String reason) {
    String line =
        reason
            .codePoints()
            .map(c -> Character.isISOControl(c) ? ' ' : c)
            .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
            .toString()
            .strip();
    if (line.length() > MAX_REASON) {
      int end = MAX_REASON;
      if (Character.isHighSurrogate(line.charAt(end - 1))) {
        end--;
      }
      line = line.substring(0, end) + "...";
    }
    return line.isEmpty() ? "unusable (no reason given)" : line;
  }

  /** One panel: the owner's view of it, and the hand-over to its render thread. */
  private final class Channel {
    final HostRecord host;
    final PanelDriver panel;
    private final AtomicReference<PanelState> next = new AtomicReference<>();
    private final AtomicBoolean draining = new AtomicBoolean();

    // Owner thread from here on.
    private PanelState given;
    private long version;
    // Render health (does render return, without error?) and the device's own fault, as the
    // driver reports it; the panel is healthy when both are.
    private boolean healthy = true;
    private String problem;
    private String deviceFault;
    private Instant since;
    private long shownVersion;
    private Instant renderingSince;
    private DisplayGeometry display = DisplayGeometry.FOUR_BY_TWENTY;

    Channel(HostRecord host, PanelDriver panel) {
      this.host = host;
      this.panel = panel;
      this.since = parts.scheduler.now();
    }

    PanelHealth health() {
      Optional<String> why =
          Optional.ofNullable(deviceFault).or(() -> Optional.ofNullable(problem));
      return new PanelHealth(
          panel.name(), display, healthy && deviceFault == null, why, since, shownVersion);
    }

    void deviceFault(Optional<String> reported) {
      String now = reported.map(PanelFanOut::printable).orElse(null);
      if (Objects.equals(now, deviceFault)) {
        return;
      }
      boolean wasHealthy = health().healthy();
      deviceFault = now;
      if (wasHealthy != health().healthy()) {
        since = parts.scheduler.now();
      }
      String text =
          now == null
              ? "panel " + panel.name() + " of " + host.name() + " is back"
              : "panel " + panel.name() + " of " + host.name() + " failed: " + now;
      parts.activity.record(
          "panel", host.name(), text, Map.of("panel", panel.name(), "healthy", now == null));
      parts.publish();
    }

    void show(PanelProjection.Input input, Optional<ConfirmFeedback> confirm) {
      PanelCapabilities capabilities;
      try {
        capabilities = panel.capabilities();
      } catch (RuntimeException e) {
        unhealthy("capabilities failed: " + ActivityLog.reason(e));
        return;
      }
      display = capabilities.display();
      PanelState state = PanelProjection.project(input, confirm, capabilities);
      if (state.looksLike(given)) {
        return;
      }
      given = state.withVersion(++version);
      offer(given);
    }

    private void offer(PanelState state) {
      next.set(state);
      if (draining.compareAndSet(false, true)) {
        parts.panelIo.execute(this::drain);
      }
    }

    /** On the panel's thread: renders the newest state until none is waiting. */
    private void drain() {
      while (true) {
        PanelState state = next.getAndSet(null);
        if (state == null) {
          draining.set(false);
          if (next.get() == null || !draining.compareAndSet(false, true)) {
            return;
          }
          continue;
        }
        parts.scheduler.execute(() -> started());
        Throwable error = null;
        try {
          panel.render(state);
        } catch (RuntimeException | Error e) {
          error = e;
        }
        Throwable failure = error;
        parts.scheduler.execute(() -> rendered(state, failure));
      }
    }

    private void started() {
      if (renderingSince == null) {
        renderingSince = parts.scheduler.now();
      }
      ensureWatch();
    }

    private void rendered(PanelState state, Throwable failure) {
      renderingSince = null;
      if (failure == null) {
        shownVersion = Math.max(shownVersion, state.version());
        if (!healthy) {
          healthy = true;
          problem = null;
          if (deviceFault == null) {
            since = parts.scheduler.now();
          }
          log.log(System.Logger.Level.INFO, host.name() + ": panel " + panel.name() + " recovered");
          parts.publish();
        }
        return;
      }
      log.log(
          System.Logger.Level.WARNING,
          host.name() + ": panel " + panel.name() + " failed to render",
          failure);
      unhealthy("render failed: " + ActivityLog.reason(failure));
      // Try again with what it should show, in case the device came back.
      parts.scheduler.schedule(
          parts.settings.panelRenderTimeout(),
          () -> {
            if (!healthy && renderingSince == null && next.get() == null && !parts.closed) {
              offer(given);
            }
          });
    }

    void unhealthy(String why) {
      if (healthy || !why.equals(problem)) {
        if (health().healthy()) {
          since = parts.scheduler.now();
        }
        healthy = false;
        problem = why;
        parts.publish();
      }
    }
  }
}
