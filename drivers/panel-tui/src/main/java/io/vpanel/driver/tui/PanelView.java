package io.vpanel.driver.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.panel.ConfirmFeedback;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How the terminal panel looks, centred in the terminal:
 *
 * <pre>
 * rack12-u07                    12 VMs running
 * ENTERING MAINTENANCE
 * +--------------------+
 * |MAINT ENTERING 3/12 |   the display lines as core laid them out
 * +--------------------+
 * [MAINT] [LINK] [pfa] [DRS] [HA] [id]
 * Enter: maintenance  Esc: back
 * </pre>
 *
 * A lit lamp is upper case and coloured (green, amber as ANSI yellow, red; identify blue), an unlit
 * one lower case in the terminal's own colours; without colour a lit lamp is in reverse video and
 * carries its colour's initial ({@code [MAINT G]}). A flashing lamp alternates between lit and
 * unlit. Everything taken from the state goes through {@link SafeText}. Drawing only; the session
 * thread owns the screen it draws on.
 */
final class PanelView {
  static final String TOO_SMALL = "terminal too small";

  private record Lamp(String label, Light light, boolean identify) {}

  private final TuiSettings settings;
  private final boolean ascii;
  private final String maintenanceKey;
  private final String backKey;
  private final int width;
  private final int height;

  PanelView(TuiSettings settings, boolean ascii) {
    this.settings = settings;
    this.ascii = ascii;
    this.maintenanceKey = Keys.label(settings.maintenanceKey());
    this.backKey = Keys.label(settings.backKey());
    int lamps = lampsWidth();
    int legend =
        Math.max(
            legend(Optional.empty()).length(),
            legend(Optional.of(new ConfirmFeedback("cancel", null))).length());
    this.width = Math.max(Math.max(settings.columns() + 2, lamps), Math.max(legend, 30));
    this.height = settings.rows() + 6;
  }

  /** The smallest terminal the panel fits. */
  TerminalSize needed() {
    return new TerminalSize(width, height);
  }

  /** Draws {@code state} (or a waiting notice when null) on a cleared {@code g}. */
  void draw(TextGraphics g, TerminalSize size, PanelState state, boolean flashOn) {
    g.setForegroundColor(TextColor.ANSI.DEFAULT);
    g.setBackgroundColor(TextColor.ANSI.DEFAULT);
    g.clearModifiers();
    g.fill(' ');
    if (size.getColumns() < width || size.getRows() < height) {
      tooSmall(g, size);
      return;
    }
    int left = (size.getColumns() - width) / 2;
    int top = (size.getRows() - height) / 2;
    if (state == null) {
      g.putString(left, top, SafeText.upTo("vpanel: waiting for the host's state", width, ascii));
      return;
    }
    int columns = settings.columns();
    // title: host and VM count
    String vms = state.runningVms() + (state.runningVms() == 1 ? " VM running" : " VMs running");
    String host = SafeText.upTo(state.host(), Math.max(0, width - vms.length() - 1), ascii);
    g.enableModifiers(SGR.BOLD);
    g.putString(left, top, host);
    g.disableModifiers(SGR.BOLD);
    g.putString(left + width - vms.length(), top, vms);
    // the state, and SAFE TO SERVICE
    String stateText = stateText(state.maintenanceState());
    g.putString(left, top + 1, stateText);
    if (state.safeToService()) {
      String safe = "SAFE TO SERVICE";
      int at = Math.max(left + stateText.length() + 2, left + width - safe.length());
      colored(g, LightColor.GREEN, true);
      g.putString(at, top + 1, safe);
      plain(g);
    }
    // the display box
    int boxTop = top + 2;
    horizontal(g, left, boxTop, columns, ascii ? '+' : '┌', ascii ? '+' : '┐');
    for (int row = 0; row < settings.rows(); row++) {
      String line = row < state.lines().size() ? state.lines().get(row) : "";
      char side = ascii ? '|' : '│';
      g.setCharacter(left, boxTop + 1 + row, side);
      g.putString(left + 1, boxTop + 1 + row, SafeText.cell(line, columns, ascii));
      g.setCharacter(left + 1 + columns, boxTop + 1 + row, side);
    }
    horizontal(
        g, left, boxTop + settings.rows() + 1, columns, ascii ? '+' : '└', ascii ? '+' : '┘');
    // the lamps
    int x = left;
    int lampRow = boxTop + settings.rows() + 2;
    for (Lamp lamp : lamps(state)) {
      String text = lampText(lamp, flashOn);
      boolean lit = lit(lamp, flashOn);
      if (lit) {
        if (settings.color()) {
          colored(g, lamp.identify() ? null : lamp.light().color(), false);
        } else {
          g.enableModifiers(SGR.REVERSE);
        }
      }
      g.putString(x, lampRow, text);
      plain(g);
      x += text.length() + 1;
    }
    // the key legend
    g.putString(left, lampRow + 1, SafeText.upTo(legend(state.confirm()), width, true));
  }

  private void horizontal(TextGraphics g, int left, int row, int columns, char start, char end) {
    g.setCharacter(left, row, start);
    g.drawLine(left + 1, row, left + columns, row, ascii ? '-' : '─');
    g.setCharacter(left + columns + 1, row, end);
  }

  private void tooSmall(TextGraphics g, TerminalSize size) {
    List<String> words =
        List.of(
            TOO_SMALL,
            "need " + width + "x" + height,
            "have " + size.getColumns() + "x" + size.getRows());
    List<String> lines = new ArrayList<>();
    String joined = String.join(": ", words.subList(0, 2)) + ", " + words.get(2);
    if (joined.length() <= size.getColumns()) {
      lines.add(joined);
    } else {
      lines.addAll(words);
    }
    for (int i = 0; i < lines.size() && i < size.getRows(); i++) {
      String line = lines.get(i);
      g.putString(
          0, i, line.length() > size.getColumns() ? line.substring(0, size.getColumns()) : line);
    }
  }

  private static String stateText(MaintenanceState state) {
    return switch (state) {
      case OPERATIONAL -> "OPERATIONAL";
      case ENTERING -> "ENTERING MAINTENANCE";
      case IN_MAINTENANCE -> "IN MAINTENANCE";
      case EXITING -> "EXITING MAINTENANCE";
      case FAILED -> "MAINTENANCE FAILED";
    };
  }

  private String legend(Optional<ConfirmFeedback> confirm) {
    return confirm
        .map(
            offer ->
                maintenanceKey
                    + ": confirm "
                    + (offer.action() == null ? "" : offer.action())
                    + "  "
                    + backKey
                    + ": back")
        .orElse(maintenanceKey + ": maintenance  " + backKey + ": back");
  }

  private static List<Lamp> lamps(PanelState state) {
    return List.of(
        new Lamp("MAINT", state.maintenance(), false),
        new Lamp("LINK", state.managementLink(), false),
        new Lamp("PFA", state.pfaProtect(), false),
        new Lamp("DRS", state.drs(), false),
        new Lamp("HA", state.ha(), false),
        new Lamp("ID", state.identify() ? Light.steady(LightColor.GREEN) : Light.OFF, true));
  }

  private int lampsWidth() {
    int total = -1;
    for (String label : List.of("MAINT", "LINK", "PFA", "DRS", "HA", "ID")) {
      total += label.length() + 2 + (settings.color() ? 0 : 2) + 1;
    }
    return total;
  }

  private static boolean lit(Lamp lamp, boolean flashOn) {
    Light light = lamp.light();
    return light.color() != LightColor.OFF && (!light.flashing() || flashOn);
  }

  private String lampText(Lamp lamp, boolean flashOn) {
    boolean lit = lit(lamp, flashOn);
    String label = lit ? lamp.label() : lamp.label().toLowerCase(java.util.Locale.ROOT);
    if (settings.color()) {
      return "[" + label + "]";
    }
    String initial;
    if (!lit) {
      initial = "-";
    } else if (lamp.identify()) {
      initial = "*";
    } else {
      initial =
          switch (lamp.light().color()) {
            case GREEN -> "G";
            case AMBER -> "A";
            case RED -> "R";
            case OFF -> "-";
          };
    }
    return "[" + label + " " + initial + "]";
  }

  /**
   * Colours for a lit lamp of {@code color} (null: identify, blue); {@code text}: foreground only.
   */
  private void colored(TextGraphics g, LightColor color, boolean text) {
    if (!settings.color()) {
      if (!text) {
        g.enableModifiers(SGR.REVERSE);
      }
      return;
    }
    TextColor ansi =
        color == null
            ? TextColor.ANSI.BLUE
            : switch (color) {
              case GREEN -> TextColor.ANSI.GREEN;
              case AMBER -> TextColor.ANSI.YELLOW;
              case RED -> TextColor.ANSI.RED;
              case OFF -> TextColor.ANSI.DEFAULT;
            };
    if (text) {
      g.setForegroundColor(ansi);
      g.enableModifiers(SGR.BOLD);
    } else {
      g.setBackgroundColor(ansi);
      g.setForegroundColor(color == null ? TextColor.ANSI.WHITE : TextColor.ANSI.BLACK);
      g.enableModifiers(SGR.BOLD);
    }
  }

  private static void plain(TextGraphics g) {
    g.setForegroundColor(TextColor.ANSI.DEFAULT);
    g.setBackgroundColor(TextColor.ANSI.DEFAULT);
    g.clearModifiers();
  }
}
