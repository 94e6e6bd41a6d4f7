package io.vpanel.core.panel;

import io.vpanel.core.model.HaStatus;
import io.vpanel.core.model.MaintenanceView;
import io.vpanel.core.model.PfaStatus;
import io.vpanel.core.model.ProgressView;
import io.vpanel.core.plan.Sizes;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.panel.ConfirmFeedback;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.HoldFeedback;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a host's status into what one panel shows: the lights of the panel semantics table in the
 * colours the panel has, and the text of its alphanumeric display laid out for its size — the most
 * important lines first, so a 16 x 2 LCD shows the name, the count and what matters now, a 4 x 20
 * one the state line and the details too. Pure; no clock, no I/O.
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
      int columns) {

    /** This input for a display of another size. */
    public Input sizedFor(DisplayGeometry display) {
      return new Input(
          host,
          version,
          hypervisorConnected,
          runningVms,
          maintenance,
          managementLink,
          pfaProtect,
          drs,
          ha,
          hold,
          message,
          notices,
          rotation,
          display.rows(),
          display.columns());
    }
  }

  /** The layout of {@code in} for a display of {@code in.rows()} x {@code in.columns()}. */
  public static PanelState project(Input in) {
    return project(in, Optional.empty(), PanelCapabilities.full(geometry(in)));
  }

  private static DisplayGeometry geometry(Input in) {
    return new DisplayGeometry(in.rows(), in.columns());
  }

  /**
   * What one panel shows: {@code in} laid out for the panel's display (its rows and columns win
   * over the input's), its lights in the closest colours it has, and a pending press-only offer.
   */
  public static PanelState project(
      Input in, Optional<ConfirmFeedback> confirm, PanelCapabilities panel) {
    MaintenanceView m = in.maintenance();
    Input sized = in.sizedFor(panel.display());
    Set<LightColor> colors = panel.colors();
    return new PanelState(
        in.host(),
        in.version(),
        in.runningVms(),
        m.state(),
        m.safeToService(),
        closest(maintenanceLight(m), colors),
        closest(linkLight(in.managementLink()), colors),
        closest(pfaLight(in.pfaProtect()), colors),
        closest(drsLight(in.drs()), colors),
        closest(haLight(in.ha()), colors),
        m.safeToService(),
        lines(sized, confirm),
        in.hold(),
        confirm);
  }

  /**
   * The light in the nearest colour the panel has: amber falls back to red, then green; red to
   * amber, then green; green to amber, then red. A panel with one colour shows every lit state in
   * it (the flashing and the display tell them apart).
   */
  static Light closest(Light light, Set<LightColor> colors) {
    if (colors.contains(light.color())) {
      return light;
    }
    List<LightColor> order =
        switch (light.color()) {
          case OFF -> List.of(LightColor.OFF);
          case AMBER -> List.of(LightColor.RED, LightColor.GREEN);
          case RED -> List.of(LightColor.AMBER, LightColor.GREEN);
          case GREEN -> List.of(LightColor.AMBER, LightColor.RED);
        };
    for (LightColor color : order) {
      if (colors.contains(color)) {
        return new Light(color, light.flashing());
      }
    }
    return Light.OFF;
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

  /**
   * A move's features in the panel's few characters: {@code multifd x4, zstd, auto-converge}
   * becomes {@code MFDx4 ZSTD AUTOCONV}.
   */
  static String featureWords(String features) {
    return features
        .replace("multifd x", "MFDx")
        .replace("auto-converge", "AUTOCONV")
        .replace("post-copy", "POSTCOPY")
        .replace("xbzrle", "XBZRLE")
        .replace("zstd", "ZSTD")
        .replace(",", "");
  }

  static List<String> lines(Input in) {
    return lines(in, Optional.empty());
  }

  static List<String> lines(Input in, Optional<ConfirmFeedback> confirm) {
    int cols = in.columns();
    MaintenanceView m = in.maintenance();
    List<String> rows = new ArrayList<>();
    String count = in.runningVms() + " VM";
    String name = in.host().toUpperCase(Locale.ROOT);
    String title =
        count.length() >= cols
            ? fit(count, cols)
            : fit(clip(name, cols - count.length() - 1), cols - count.length()) + count;
    Optional<String> prompt = prompt(in, confirm, cols);
    if (in.rows() < 3) {
      String line = smallDisplayLine(in, prompt, cols);
      return in.rows() == 1 ? List.of(fit(line, cols)) : List.of(title, fit(line, cols));
    }
    rows.add(title);
    rows.add(fit(stateLine(in), cols));

    List<String> detail = new ArrayList<>();
    List<String> moveFeatures = new ArrayList<>();
    Optional<ProgressView> progress = m.progress();
    prompt.ifPresent(detail::add);
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
      p.holdingUpFeatures()
          .ifPresent(features -> moveFeatures.addAll(wrap(featureWords(features), cols)));
    }
    if (detail.isEmpty() && m.state() == MaintenanceState.OPERATIONAL && in.notices().isEmpty()) {
      detail.add("DRS " + drsWord(in.drs()) + " HA " + haWord(in.ha()));
    }
    int room = in.rows() - 2;
    if (in.notices().isEmpty() && detail.size() + moveFeatures.size() <= room) {
      // The features of the move holding up fit below it.
      detail.addAll(moveFeatures);
      moveFeatures.clear();
    }
    if ((!in.notices().isEmpty() || !moveFeatures.isEmpty()) && room > 0) {
      // The last free row rotates through alerts and notices (the engine bumps the rotation); when
      // no row is free, the last one takes turns with them, and with the features of the move
      // holding up where they did not fit. Turn 0 is the newest: the engine starts the rotation
      // over when something is new.
      List<String> pool = new ArrayList<>(in.notices());
      if (detail.size() >= room) {
        pool.add(detail.get(room - 1));
        while (detail.size() >= room) {
          detail.remove(detail.size() - 1);
        }
      }
      pool.addAll(moveFeatures);
      detail.add(pool.get(Math.floorMod(in.rotation(), pool.size())));
    }
    for (int i = 2; i < in.rows(); i++) {
      rows.add(fit(i - 2 < detail.size() ? detail.get(i - 2) : "", cols));
    }
    return rows;
  }

  /**
   * The one line below the title on a display of one or two rows. What the technician is doing
   * comes first: a hold or a press waiting for its confirmation. Otherwise the state (SAFE TO
   * SERVICE, EVACUATING 3/12, HYPERVISOR LOST) takes turns with whatever else there is to say — a
   * refusal, alerts, notices, a failed panel — and is shown every other turn, so neither hides the
   * other for long.
   */
  private static String smallDisplayLine(Input in, Optional<String> prompt, int cols) {
    if (prompt.isPresent()) {
      return prompt.get();
    }
    List<String> others = new ArrayList<>();
    in.message().ifPresent(text -> others.addAll(wrap(text, cols)));
    MaintenanceView m = in.maintenance();
    if (m.state() == MaintenanceState.FAILED && in.message().isEmpty()) {
      m.reason().ifPresent(text -> others.addAll(wrap(text, cols)));
    }
    others.addAll(in.notices());
    String state = stateLine(in);
    if (others.isEmpty()) {
      return state;
    }
    // Turn 0 is what there is to say: the engine starts the rotation over when something is new.
    int turn = Math.floorMod(in.rotation(), 2 * others.size());
    return turn % 2 == 1 ? state : others.get(turn / 2);
  }

  /**
   * The line that tells the technician what the button does now, during a gesture; the short form
   * wherever the long one does not fit ({@code PRESS AGAIN TO CANCEL} is 21 characters), so the
   * action word always shows.
   */
  private static Optional<String> prompt(Input in, Optional<ConfirmFeedback> confirm, int cols) {
    if (in.hold().isPresent()) {
      HoldFeedback hold = in.hold().get();
      long seconds = Math.max(1, (hold.confirmAfter().toMillis() + 999) / 1000);
      String action = hold.action().toUpperCase(Locale.ROOT);
      return Optional.of(
          fitting("HOLD " + seconds + "S TO " + action, "HOLD " + seconds + "S: " + action, cols));
    }
    return confirm.map(
        c -> {
          String action = c.action().toUpperCase(Locale.ROOT);
          return fitting("PRESS AGAIN TO " + action, "AGAIN TO " + action, cols);
        });
  }

  private static String fitting(String long_, String short_, int cols) {
    return long_.length() <= cols ? long_ : short_;
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

  /**
   * {@code text} as a display may show it: whitespace runs (CR, LF, tabs) become one space, other
   * control characters (ESC of an escape sequence) and invisible formatting characters (bidi
   * overrides, zero-width) become {@code ?}, and an unpaired surrogate becomes {@code ?}: whatever
   * a driver, a BMC or an API client wrote, a panel only ever gets printable text.
   */
  static String displayable(String text) {
    StringBuilder out = new StringBuilder(text.length());
    boolean space = false;
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
        if (!space) {
          out.append(' ');
        }
        space = true;
        continue;
      }
      space = false;
      boolean unpaired = c <= Character.MAX_VALUE && Character.isSurrogate((char) c);
      if (Character.isISOControl(c) || unpaired || Character.getType(c) == Character.FORMAT) {
        out.append('?');
      } else {
        out.appendCodePoint(c);
      }
    }
    return out.toString();
  }

  private static String clip(String text, int width) {
    String flat = displayable(text);
    if (flat.length() <= width) {
      return flat;
    }
    int cut = Math.max(0, width);
    // Never leave half of a surrogate pair at the end.
    if (cut > 0 && Character.isHighSurrogate(flat.charAt(cut - 1))) {
      cut--;
    }
    return flat.substring(0, cut);
  }

  /** Breaks {@code text} into lines of at most {@code width}, at spaces where it can. */
  static List<String> wrap(String text, int width) {
    List<String> out = new ArrayList<>();
    String rest = displayable(text).trim();
    while (!rest.isEmpty()) {
      if (rest.length() <= width) {
        out.add(rest);
        break;
      }
      int cut = rest.lastIndexOf(' ', width);
      if (cut <= 0 && width == 1 && Character.isHighSurrogate(rest.charAt(0))) {
        // A surrogate pair is two chars: on a line one char wide it shows as ? (found by fuzzing).
        out.add("?");
        rest = rest.substring(2).trim();
        continue;
      }
      if (cut <= 0) {
        cut = width > 1 && Character.isHighSurrogate(rest.charAt(width - 1)) ? width - 1 : width;
      }
      out.add(rest.substring(0, cut).trim());
      rest = rest.substring(cut).trim();
    }
    return out;
  }
}
