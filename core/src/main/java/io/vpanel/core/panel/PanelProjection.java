package io.vpanel.core.panel;

import io.vpanel.core.model.HaStatus;
import io.vpanel.core.model.MaintenanceView;
import io.vpanel.core.model.PfaStatus;
import io.vpanel.core.model.ProgressView;
import io.vpanel.core.plan.Sizes;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.panel.HoldFeedback;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns a host's status into the one panel state every panel driver renders: the lights of the
 * panel semantics table and the text of the alphanumeric display. Pure; no clock, no I/O.
 */
public final class PanelProjection {
  private PanelProjection() {}

  /** What the projection needs of a host. */
  public record Input(
      String host,
      long version,
      boolean hypervisorConnected,
      int runningVms,
      MaintenanceView maintenance,
      LinkStatus managementLink,
      PfaStatus pfaProtect,
      DrsMode drs,
      HaStatus ha,
      Optional<HoldFeedback> hold,
      Optional<String> message,
      List<String> notices,
      int rotation,
      int rows,
      int columns) {}

  public static PanelState project(Input in) {
    MaintenanceView m = in.maintenance();
    return new PanelState(
        in.host(),
        in.version(),
        in.runningVms(),
        m.state(),
        m.safeToService(),
        maintenanceLight(m),
        linkLight(in.managementLink()),
        pfaLight(in.pfaProtect()),
        drsLight(in.drs()),
        haLight(in.ha()),
        m.safeToService(),
        lines(in),
        in.hold(),
        Optional.empty());
  }

  static Light maintenanceLight(MaintenanceView m) {
    return switch (m.state()) {
      case OPERATIONAL -> Light.OFF;
      case ENTERING, EXITING -> Light.flashing(LightColor.RED);
      case IN_MAINTENANCE -> Light.steady(LightColor.GREEN);
      case FAILED -> Light.steady(LightColor.RED);
    };
  }

  static Light linkLight(LinkStatus link) {
    return switch (link) {
      case NONE -> Light.OFF;
      case CONNECTED -> Light.steady(LightColor.GREEN);
      case DEGRADED -> Light.steady(LightColor.AMBER);
      case LOST -> Light.steady(LightColor.RED);
    };
  }

  static Light pfaLight(PfaStatus pfa) {
    return switch (pfa) {
      case DISABLED -> Light.OFF;
      case ARMED -> Light.steady(LightColor.GREEN);
      case REMEDIATING -> Light.steady(LightColor.AMBER);
      case FAILED -> Light.steady(LightColor.RED);
    };
  }

  static Light drsLight(DrsMode drs) {
    return switch (drs) {
      case OFF -> Light.OFF;
      case AUTOMATIC -> Light.steady(LightColor.GREEN);
      case MANUAL -> Light.steady(LightColor.AMBER);
    };
  }

  static Light haLight(HaStatus ha) {
    return switch (ha) {
      case OFF -> Light.OFF;
      case PROTECTED -> Light.steady(LightColor.GREEN);
      case INSUFFICIENT -> Light.steady(LightColor.AMBER);
      case FAULT -> Light.steady(LightColor.RED);
    };
  }

  static List<String> lines(Input in) {
    int cols = in.columns();
    MaintenanceView m = in.maintenance();
    List<String> rows = new ArrayList<>();
    String count = in.runningVms() + " VM";
    String name = in.host().toUpperCase(Locale.ROOT);
    rows.add(fit(clip(name, cols - count.length() - 1), cols - count.length()) + count);
    rows.add(fit(stateLine(in), cols));

    List<String> detail = new ArrayList<>();
    Optional<ProgressView> progress = m.progress();
    if (in.hold().isPresent()) {
      HoldFeedback hold = in.hold().get();
      long seconds = Math.max(1, (hold.confirmAfter().toMillis() + 999) / 1000);
      detail.add("HOLD " + seconds + "S TO " + hold.action().toUpperCase(Locale.ROOT));
    }
    in.message().ifPresent(text -> detail.addAll(wrap(text, cols)));
    if (m.state() == MaintenanceState.FAILED) {
      m.reason().ifPresent(text -> detail.addAll(wrap(text, cols)));
    }
    if (progress.isPresent()
        && (m.state() == MaintenanceState.ENTERING || m.state() == MaintenanceState.EXITING)) {
      ProgressView p = progress.get();
      String eta = p.etaSeconds().map(PanelProjection::clock).orElse("--:--");
      detail.add(Sizes.shortBytes(p.bytesLeft()) + " LEFT ETA " + eta);
      p.holdingUp().ifPresent(vm -> detail.add("WAIT " + vm));
    }
    if (detail.isEmpty() && m.state() == MaintenanceState.OPERATIONAL && in.notices().isEmpty()) {
      detail.add("DRS " + drsWord(in.drs()) + " HA " + haWord(in.ha()));
    }
    int room = in.rows() - 2;
    if (!in.notices().isEmpty() && room > 0) {
      // The last free row rotates through alerts and notices (the engine bumps the rotation); when
      // no row is free, the last one takes turns with them.
      List<String> pool = new ArrayList<>();
      if (detail.size() >= room) {
        pool.add(detail.get(room - 1));
        while (detail.size() >= room) {
          detail.remove(detail.size() - 1);
        }
      }
      pool.addAll(in.notices());
      detail.add(pool.get(Math.floorMod(in.rotation(), pool.size())));
    }
    for (int i = 2; i < in.rows(); i++) {
      rows.add(fit(i - 2 < detail.size() ? detail.get(i - 2) : "", cols));
    }
    return rows;
  }

  private static String stateLine(Input in) {
    MaintenanceView m = in.maintenance();
    if (!in.hypervisorConnected()) {
      return "HYPERVISOR LOST";
    }
    Optional<ProgressView> p = m.progress();
    return switch (m.state()) {
      case OPERATIONAL -> "OPERATIONAL";
      case ENTERING ->
          p.map(v -> "EVACUATING " + v.vmsLeft() + "/" + v.vmsTotal()).orElse("EVACUATING");
      case IN_MAINTENANCE ->
          m.safeToService() ? "SAFE TO SERVICE" : "NOT SAFE: " + in.runningVms() + " RUNNING";
      case EXITING -> p.map(v -> "EXITING " + v.vmsLeft() + " TO GO").orElse("EXITING");
      case FAILED -> "MAINTENANCE FAILED";
    };
  }

  private static String drsWord(DrsMode drs) {
    return switch (drs) {
      case OFF -> "OFF";
      case AUTOMATIC -> "AUTO";
      case MANUAL -> "MAN";
    };
  }

  private static String haWord(HaStatus ha) {
    return switch (ha) {
      case OFF -> "OFF";
      case PROTECTED -> "OK";
      case INSUFFICIENT -> "LOW";
      case FAULT -> "FAULT";
    };
  }

  /** {@code m:ss}, or {@code h:mm:ss} past an hour. */
  static String clock(double seconds) {
    long s = Math.max(0, Math.round(seconds));
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  /** Pads or clips {@code text} to exactly {@code width} characters. */
  public static String fit(String text, int width) {
    String clipped = clip(text, width);
    return clipped + " ".repeat(width - clipped.length());
  }

  private static String clip(String text, int width) {
    String flat = text.replaceAll("\\s+", " ");
    return flat.length() <= width ? flat : flat.substring(0, Math.max(0, width));
  }

  /** Breaks {@code text} into lines of at most {@code width}, at spaces where it can. */
  static List<String> wrap(String text, int width) {
    List<String> out = new ArrayList<>();
    String rest = text.replaceAll("\\s+", " ").trim();
    while (!rest.isEmpty()) {
      if (rest.length() <= width) {
        out.add(rest);
        break;
      }
      int cut = rest.lastIndexOf(' ', width);
      if (cut <= 0) {
        cut = width;
      }
      out.add(rest.substring(0, cut).trim());
      rest = rest.substring(cut).trim();
    }
    return out;
  }
}
