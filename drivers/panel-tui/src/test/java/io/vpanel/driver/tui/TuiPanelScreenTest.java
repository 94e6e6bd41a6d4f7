package io.vpanel.driver.tui;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.ConfirmFeedback;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import io.vpanel.testkit.SteppedScheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The terminal panel as a technician sees and uses it, driven through a tmux pane: every
 * maintenance state's screen, the lamps' colours and flashing, keys (one event per strike, BACK,
 * other keys and escape sequences ignored), resizing, a terminal too small, hostile text in the
 * display lines, ASCII and monochrome terminals, and the terminal going away and coming back.
 */
class TuiPanelScreenTest {
  private static final String HOST = "rack12-u07";
  private final List<ButtonEvent> events = new CopyOnWriteArrayList<>();
  private final List<Optional<String>> faults = new CopyOnWriteArrayList<>();
  private final List<TmuxPane> panes = new ArrayList<>();
  private final SteppedScheduler clock = new SteppedScheduler();
  private TmuxPane pane;
  private PanelDriver panel;

  private final PanelListener listener =
      new PanelListener() {
        @Override
        public void onButton(ButtonEvent event) {
          events.add(event);
        }

        @Override
        public void onFault(Optional<String> problem) {
          faults.add(problem);
        }
      };

  @AfterEach
  void stop() {
    if (panel != null) {
      panel.close();
    }
    panes.forEach(TmuxPane::close);
  }

  private TmuxPane newPane(int columns, int rows) throws IOException {
    TmuxPane created = TmuxPane.start(columns, rows);
    panes.add(created);
    return created;
  }

  private PanelDriver open(TuiSettings settings) {
    panel = new TuiPanelProvider().create(settings, new DriverContext(clock, HOST));
    panel.start(listener);
    return panel;
  }

  private PanelDriver openOnPane(boolean color, String charset, String maintKey, String backKey)
      throws IOException {
    pane = newPane(80, 24);
    return open(new TuiSettings(pane.tty(), 4, 20, maintKey, backKey, color, charset, 200));
  }

  private PanelDriver openOnPane() throws IOException {
    return openOnPane(true, "UTF-8", "Enter", "Escape");
  }

  private static ConditionFactory eventually() {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions();
  }

  private void screenShows(Callable<Boolean> condition) {
    try {
      eventually().until(condition);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      String shown;
      try {
        shown = pane.captureWithEscapes().replace("\u001b", "\\e");
      } catch (IOException | RuntimeException gone) {
        shown = "(no pane: " + gone.getMessage() + ")";
      }
      throw new AssertionError(e.getMessage() + "\nthe pane shows:\n" + shown, e);
    }
  }

  private String screen() throws IOException {
    return String.join("\n", pane.capture());
  }

  static PanelState state(
      long version, MaintenanceState maintenanceState, int vms, Light maintenance, String... rows) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String row = i < rows.length ? rows[i] : "";
      lines.add((row + " ".repeat(20)).substring(0, Math.max(20, row.length())));
    }
    boolean safe = maintenanceState == MaintenanceState.IN_MAINTENANCE && vms == 0;
    return new PanelState(
        HOST,
        version,
        vms,
        maintenanceState,
        safe,
        maintenance,
        Light.steady(LightColor.GREEN),
        Light.OFF,
        Light.steady(LightColor.AMBER),
        Light.steady(LightColor.RED),
        safe,
        lines,
        Optional.empty(),
        Optional.empty());
  }

  @Test
  void eachMaintenanceStateHasItsScreen() throws IOException {
    openOnPane();
    record Case(MaintenanceState state, int vms, Light light, String shown, String line) {}
    List<Case> cases =
        List.of(
            new Case(MaintenanceState.OPERATIONAL, 12, Light.OFF, "OPERATIONAL", "12 VMs running"),
            new Case(
                MaintenanceState.ENTERING,
                7,
                Light.steady(LightColor.AMBER),
                "ENTERING MAINTENANCE",
                "7 VMs running"),
            new Case(
                MaintenanceState.IN_MAINTENANCE,
                0,
                Light.steady(LightColor.GREEN),
                "IN MAINTENANCE",
                "0 VMs running"),
            new Case(
                MaintenanceState.EXITING,
                1,
                Light.steady(LightColor.AMBER),
                "EXITING MAINTENANCE",
                "1 VM running"),
            new Case(
                MaintenanceState.FAILED,
                3,
                Light.steady(LightColor.RED),
                "MAINTENANCE FAILED",
                "3 VMs running"));
    long version = 1;
    for (Case each : cases) {
      String row = "STATE " + each.state().name();
      panel.render(state(version++, each.state(), each.vms(), each.light(), row, "SECOND"));
      screenShows(
          () -> {
            String text = screen();
            List<String> box = TmuxPane.boxRows(pane.capture());
            return text.contains(HOST)
                && text.contains(each.line())
                && text.contains(each.shown())
                && box.size() == 4
                && box.get(0).equals(row)
                && box.get(1).equals("SECOND")
                && text.contains("Enter: maintenance  Esc: back")
                && text.contains(
                    each.state() == MaintenanceState.IN_MAINTENANCE
                        ? "SAFE TO SERVICE"
                        : each.shown())
                && (each.state() == MaintenanceState.IN_MAINTENANCE
                    || !text.contains("SAFE TO SERVICE"));
          });
    }
    // the whole screen of one state, as a technician reads it
    assertThat(screen()).contains("[MAINT]", "[LINK]", "[pfa]", "[DRS]", "[HA]", "[id]");
  }

  @Test
  void aConfirmOfferChangesTheLegend() throws IOException {
    openOnPane();
    PanelState offered =
        withConfirm(
            state(1, MaintenanceState.OPERATIONAL, 5, Light.OFF, "PRESS AGAIN TO", "ENTER MAINT"),
            new ConfirmFeedback("enter", Instant.EPOCH));
    panel.render(offered);
    screenShows(
        () ->
            screen().contains("Enter: confirm enter  Esc: back")
                && TmuxPane.boxRows(pane.capture()).getFirst().equals("PRESS AGAIN TO"));
  }

  private static PanelState withConfirm(PanelState s, ConfirmFeedback offer) {
    return new PanelState(
        s.host(),
        s.version(),
        s.runningVms(),
        s.maintenanceState(),
        s.safeToService(),
        s.maintenance(),
        s.managementLink(),
        s.pfaProtect(),
        s.drs(),
        s.ha(),
        s.identify(),
        s.lines(),
        s.hold(),
        Optional.of(offer));
  }

  @Test
  void theLampsShowTheirColoursInAnsi() throws IOException {
    openOnPane();
    panel.render(
        state(1, MaintenanceState.IN_MAINTENANCE, 0, Light.steady(LightColor.GREEN), "SAFE"));
    // green, amber (yellow) and red backgrounds; identify blue; an unlit lamp in plain colours
    screenShows(
        () -> {
          String text = pane.captureWithEscapes();
          return lampColour(text, "[MAINT]").contains("42")
              && lampColour(text, "[LINK]").contains("42")
              && lampColour(text, "[DRS]").contains("43")
              && lampColour(text, "[HA]").contains("41")
              && lampColour(text, "[ID]").contains("44")
              && text.contains("[pfa]")
              && !lampColour(text, "[pfa]").matches(".*4[1-4].*");
        });
  }

  /** The SGR parameters in force where {@code label} starts in an {@code capture-pane -e} text. */
  private static String lampColour(String text, String label) {
    int at = text.indexOf(label);
    if (at < 0) {
      return "";
    }
    int line = text.lastIndexOf('\n', at) + 1;
    String before = text.substring(line, at);
    StringBuilder sgr = new StringBuilder();
    int i = 0;
    while ((i = before.indexOf("\u001b[", i)) >= 0) {
      int end = before.indexOf('m', i);
      String params = before.substring(i + 2, end);
      if (params.isEmpty() || params.equals("0") || params.equals("49") || params.equals("39")) {
        if (params.isEmpty() || params.equals("0")) {
          sgr.setLength(0);
        }
      }
      sgr.append(';').append(params);
      i = end;
    }
    // the parameters since the last reset
    String all = sgr.toString();
    int reset = Math.max(all.lastIndexOf(";0;"), all.lastIndexOf(";0"));
    return reset >= 0 && all.endsWith(";0") ? "" : all;
  }

  @Test
  void aFlashingLampTogglesWithTheSchedulersClock() throws IOException {
    openOnPane();
    panel.render(state(1, MaintenanceState.ENTERING, 4, Light.flashing(LightColor.AMBER), "E"));
    screenShows(() -> screen().contains("[MAINT]"));
    clock.advance(Duration.ofMillis(500));
    screenShows(() -> screen().contains("[maint]"));
    clock.advance(Duration.ofMillis(500));
    screenShows(() -> screen().contains("[MAINT]"));
    // a steady lamp does not toggle
    assertThat(screen()).contains("[DRS]");
  }

  @Test
  void aKeyStrikeGivesExactlyOneKeyEvent() throws IOException {
    openOnPane();
    panel.render(state(1, MaintenanceState.OPERATIONAL, 2, Light.OFF, "READY"));
    screenShows(() -> screen().contains("READY"));
    pane.sendKeys("Enter");
    eventually().until(() -> events.size() == 1);
    Awaitility.await().during(Duration.ofMillis(600)).until(() -> events.size() == 1);
    assertThat(events.getFirst()).isInstanceOf(ButtonEvent.Key.class);
    assertThat(events.getFirst().button()).isEqualTo(PanelButton.MAINTENANCE);
    assertThat(events.getFirst().at()).isEqualTo(clock.now());
    // a CR LF pair (a serial terminal's Enter) is one stroke too
    pane.sendLiteral("\r\n");
    eventually().until(() -> events.size() == 2);
    Awaitility.await().during(Duration.ofMillis(600)).until(() -> events.size() == 2);
  }

  @Test
  void escapeIsTheBackKey() throws IOException {
    openOnPane();
    pane.sendKeys("Escape");
    eventually().until(() -> events.size() == 1);
    Awaitility.await().during(Duration.ofMillis(600)).until(() -> events.size() == 1);
    assertThat(events.getFirst()).isEqualTo(new ButtonEvent.Key(PanelButton.BACK, clock.now()));
  }

  @Test
  void otherKeysAndUnknownEscapeSequencesAreIgnored() throws IOException {
    openOnPane(true, "UTF-8", "m", "b");
    pane.sendLiteral("xyz q\t");
    pane.sendKeys("Enter", "Escape", "F5", "Up", "Left", "C-c", "BSpace");
    pane.sendLiteral(
        "\u001b[99;99z\u001b[1;5A\u001b]0;title m b\u0007\u001bm\u00e9\u001b["
            + "9".repeat(500)
            + "m");
    pane.sendLiteral("\u001bPq m b \u001b\\");
    Awaitility.await().during(Duration.ofSeconds(1)).until(events::isEmpty);
    pane.sendKeys("M");
    eventually().until(() -> events.size() == 1);
    pane.sendKeys("b");
    eventually().until(() -> events.size() == 2);
    assertThat(events)
        .extracting(ButtonEvent::button)
        .containsExactly(PanelButton.MAINTENANCE, PanelButton.BACK);
  }

  @Test
  void aResizedPaneIsRedrawnAtItsNewSize() throws IOException {
    openOnPane();
    panel.render(state(1, MaintenanceState.OPERATIONAL, 9, Light.OFF, "BEFORE RESIZE"));
    screenShows(() -> TmuxPane.boxRows(pane.capture()).contains("BEFORE RESIZE"));
    int needed = ((TuiPanelDriver) panel).needed().getColumns();
    assertThat(boxLeft(pane.capture())).isEqualTo((80 - needed) / 2);

    pane.resize(100, 30);
    screenShows(() -> pane.capture().size() == 30 && boxLeft(pane.capture()) == (100 - needed) / 2);
    pane.resize(needed, 10);
    screenShows(
        () ->
            boxLeft(pane.capture()) == 0
                && TmuxPane.boxRows(pane.capture()).contains("BEFORE RESIZE"));
  }

  private static int boxLeft(List<String> lines) {
    for (String line : lines) {
      int at = line.indexOf("\u250c\u2500");
      if (at >= 0) {
        return at;
      }
    }
    return -1;
  }

  @Test
  void aTooSmallTerminalSaysSoAndThePanelComesBackWhenItGrows() throws IOException {
    openOnPane();
    panel.render(state(1, MaintenanceState.OPERATIONAL, 9, Light.OFF, "FITS"));
    screenShows(() -> screen().contains("FITS"));
    pane.resize(30, 6);
    screenShows(() -> screen().contains("terminal too small") && !screen().contains("FITS"));
    assertThat(screen())
        .contains("need " + ((TuiPanelDriver) panel).needed().getColumns() + "x10", "have 30x6");
    pane.resize(80, 24);
    screenShows(() -> screen().contains("FITS") && !screen().contains("too small"));
  }

  @Test
  void hostileTextInTheLinesCannotEscapeItsBox() throws IOException {
    openOnPane();
    String hostileHost = "evil\u001b[2J\u001b[31mhost\r\n";
    PanelState hostile =
        new PanelState(
            hostileHost,
            1,
            3,
            MaintenanceState.OPERATIONAL,
            false,
            Light.OFF,
            Light.OFF,
            Light.OFF,
            Light.OFF,
            Light.OFF,
            false,
            List.of(
                "\u001b[2J\u001b[H CLEARED? ",
                "A\r\nB\u0007\u0008C",
                "\u009b31m\u202eRTL\u0301",
                "\u001b]0;t\u0007\u4e2d\ud83d\ude00 " + "X".repeat(40)),
            Optional.empty(),
            Optional.empty());
    panel.render(hostile);
    screenShows(
        () -> {
          List<String> lines = pane.capture();
          List<String> box = TmuxPane.boxRows(lines);
          return box.size() == 4
              && box.get(0).equals(" [2J [H CLEARED?")
              && box.get(1).equals("A  B  C")
              && box.get(2).equals(" 31m?RTL?")
              && box.get(3).equals(" ]0;t ??? XXXXXXXXXX")
              && screen().contains("evil [2J [31mhost")
              && screen().contains("Enter: maintenance");
        });
    // every box row ends at the right border: nothing spilled out of the box
    List<String> lines = pane.capture();
    int left = boxLeft(lines);
    lines.stream()
        .filter(l -> l.length() > left && l.charAt(left) == '\u2502')
        .forEach(l -> assertThat(l.charAt(left + 21)).isEqualTo('\u2502'));
    // and no red from the hostile SGR
    assertThat(pane.captureWithEscapes()).doesNotContain("\u001b[31m", ";31m", "\u001b[2J");
  }

  @Test
  void anAsciiTerminalGetsAPlainBox() throws IOException {
    openOnPane(true, "US-ASCII", "Enter", "Escape");
    PanelState s = state(1, MaintenanceState.OPERATIONAL, 1, Light.OFF, "caf\u00e9 \u2500");
    panel.render(
        new PanelState(
            "h\u00f4st",
            1,
            1,
            s.maintenanceState(),
            false,
            s.maintenance(),
            s.managementLink(),
            s.pfaProtect(),
            s.drs(),
            s.ha(),
            false,
            s.lines(),
            Optional.empty(),
            Optional.empty()));
    screenShows(
        () ->
            screen().contains("+--------------------+")
                && screen().contains("|caf? ?")
                && screen().contains("h?st"));
    assertThat(screen()).doesNotContain("\u2500", "\u2502");
  }

  @Test
  void withoutColourALitLampIsInReverseVideoWithItsColoursInitial() throws IOException {
    openOnPane(false, "UTF-8", "Enter", "Escape");
    panel.render(state(1, MaintenanceState.ENTERING, 4, Light.steady(LightColor.AMBER), "E"));
    screenShows(
        () ->
            screen().contains("[MAINT A] [LINK G] [pfa -] [DRS A] [HA R] [id -]")
                && pane.captureWithEscapes().contains("\u001b[7m"));
    assertThat(pane.captureWithEscapes()).doesNotContain("[42m", "[43m", "[41m");
  }

  @Test
  void theTerminalGoingAwayIsAFaultAndItsReturnClearsIt() throws IOException {
    // the driver's device is a link, so a second pane can take the first one's place
    Path link = Files.createTempDirectory(Path.of("/tmp"), "tuilink").resolve("panel-tty");
    TmuxPane first = newPane(80, 24);
    Files.createSymbolicLink(link, Path.of(first.tty()));
    open(new TuiSettings(link.toString(), 4, 20, "Enter", "Escape", true, "UTF-8", 200));
    panel.render(state(1, MaintenanceState.OPERATIONAL, 2, Light.OFF, "FIRST TERMINAL"));
    pane = first;
    screenShows(() -> screen().contains("FIRST TERMINAL"));

    first.kill();
    eventually().until(() -> !faults.isEmpty());
    assertThat(faults.getFirst())
        .hasValueSatisfying(problem -> assertThat(problem).contains(link.toString()));
    // the panel keeps taking states while the terminal is gone
    panel.render(state(2, MaintenanceState.OPERATIONAL, 2, Light.OFF, "SECOND TERMINAL"));

    TmuxPane second = newPane(80, 24);
    Files.delete(link);
    Files.createSymbolicLink(link, Path.of(second.tty()));
    pane = second;
    eventually().until(() -> faults.getLast().isEmpty());
    screenShows(() -> screen().contains("SECOND TERMINAL"));
    pane.sendKeys("Enter");
    eventually().until(() -> events.size() == 1);
    Files.delete(link);
    Files.delete(link.getParent());
  }

  @Test
  void aDeviceThatIsNoTerminalIsAClearFault() {
    open(new TuiSettings("/dev/null", 4, 20, "Enter", "Escape", true, "UTF-8", 200));
    eventually().until(() -> !faults.isEmpty());
    assertThat(faults.getFirst().orElseThrow())
        .contains("/dev/null")
        .contains("not a usable terminal");
    panel.close();
    open(new TuiSettings("/dev/no-such-tty", 4, 20, "Enter", "Escape", true, "UTF-8", 200));
    eventually().until(() -> faults.size() == 2);
    assertThat(faults.get(1).orElseThrow()).isEqualTo("terminal /dev/no-such-tty: no such device");
  }
}
