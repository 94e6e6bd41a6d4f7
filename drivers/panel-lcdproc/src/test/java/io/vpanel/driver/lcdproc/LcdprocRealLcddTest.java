package io.vpanel.driver.lcdproc;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.ConfirmFeedback;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import io.vpanel.testkit.LcddFixture;
import io.vpanel.testkit.Poll;
import io.vpanel.testkit.WallClockScheduler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver against a real LCDd (curses driver in tmux): the text after state changes at 20x4 and
 * 16x2, one key press as one key event, LCDd killed and restarted, text safety on the display, the
 * backlight blinking, and the screen's priority going back after its foreground time.
 */
class LcdprocRealLcddTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;

  private LcddFixture lcdd;
  private LcdprocPanelDriver driver;
  private final List<ButtonEvent> keys = new CopyOnWriteArrayList<>();
  private final List<Optional<String>> faults = new CopyOnWriteArrayList<>();
  private final AtomicInteger sizeChanges = new AtomicInteger();

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
    }
    if (lcdd != null) {
      lcdd.close();
    }
  }

  private void start(int width, int height) throws IOException {
    start(width, height, LcdprocSettings.defaults().withTimes(10, 1));
  }

  private void start(int width, int height, LcdprocSettings settings) throws IOException {
    lcdd = LcddFixture.start(dir, width, height);
    driver = new LcdprocPanelDriver(settings.withPort(lcdd.port()), new WallClockScheduler());
    driver.start(
        new PanelListener() {
          @Override
          public void onButton(ButtonEvent event) {
            keys.add(event);
          }

          @Override
          public void onCapabilitiesChanged() {
            sizeChanges.incrementAndGet();
          }

          @Override
          public void onFault(Optional<String> problem) {
            faults.add(problem);
          }
        });
    Poll.atMost(WAIT)
        .explainedBy(lcdd::log)
        .until("the driver's screen to be shown", driver::showing);
  }

  private static PanelState state(
      long version, MaintenanceState maintenance, Light light, String... lines) {
    return new PanelState(
        "rack12-u07",
        version,
        3,
        maintenance,
        false,
        light,
        Light.steady(LightColor.GREEN),
        Light.OFF,
        Light.OFF,
        Light.OFF,
        false,
        List.of(lines),
        Optional.empty(),
        Optional.<ConfirmFeedback>empty());
  }

  private static PanelState state(long version, String... lines) {
    return state(version, MaintenanceState.OPERATIONAL, Light.OFF, lines);
  }

  private void awaitScreen(String... rows) {
    List<String> expected = new ArrayList<>();
    for (String row : rows) {
      expected.add(row.stripTrailing());
    }
    Poll.atMost(WAIT)
        .every(Duration.ofMillis(30))
        .explainedBy(lcdd::log)
        .until(
            "the LCD to show " + expected,
            () -> lcdd.screen().stream().map(String::stripTrailing).toList(),
            expected::equals);
  }

  @Test
  void showsEachStateAt20x4() throws IOException {
    start(20, 4);
    assertThat(driver.capabilities().display()).isEqualTo(new DisplayGeometry(4, 20));
    assertThat(sizeChanges).hasValue(0);

    driver.render(state(1, "RACK12-U07      3 VM", "OPERATIONAL", "DRS AUTO HA OK", ""));
    awaitScreen("RACK12-U07      3 VM", "OPERATIONAL", "DRS AUTO HA OK", "");
    driver.render(
        state(
            2,
            MaintenanceState.ENTERING,
            Light.flashing(LightColor.RED),
            "RACK12-U07      3 VM",
            "EVACUATING 3/3",
            "12.0G LEFT ETA 0:41",
            ""));
    awaitScreen("RACK12-U07      3 VM", "EVACUATING 3/3", "12.0G LEFT ETA 0:41", "");
    driver.render(
        state(
            3,
            MaintenanceState.IN_MAINTENANCE,
            Light.steady(LightColor.GREEN),
            "RACK12-U07      0 VM",
            "SAFE TO SERVICE"));
    awaitScreen("RACK12-U07      0 VM", "SAFE TO SERVICE", "", "");
  }

  @Test
  void showsEachStateAt16x2AndReportsThatSize() throws IOException {
    start(16, 2);
    assertThat(driver.capabilities().display()).isEqualTo(new DisplayGeometry(2, 16));
    assertThat(sizeChanges).hasValue(1);

    driver.render(state(1, "RACK12-U07  3 VM", "OPERATIONAL"));
    awaitScreen("RACK12-U07  3 VM", "OPERATIONAL");
    // A state still laid out for 20x4 (core had not yet seen the new size): cut, never spilled.
    driver.render(state(2, "RACK12-U07      3 VM", "EVACUATING 2/3 NOW", "THIRD ROW", "FOURTH"));
    awaitScreen("RACK12-U07      ", "EVACUATING 2/3 N");
  }

  @Test
  void aSingleKeyPressGivesExactlyOneKeyEvent() throws IOException {
    start(20, 4);
    Instant before = Instant.now();
    lcdd.press("Enter");
    Poll.atMost(WAIT).explainedBy(lcdd::log).until("one key event", () -> keys.size() == 1);
    Poll.atMost(Duration.ofSeconds(1))
        .holdsFor(Duration.ofMillis(700), "no second event", () -> keys.size() == 1);
    assertThat(keys.getFirst()).isInstanceOf(ButtonEvent.Key.class);
    assertThat(keys.getFirst().button()).isEqualTo(PanelButton.MAINTENANCE);
    assertThat(keys.getFirst().at()).isAfterOrEqualTo(before);

    lcdd.press("Left");
    Poll.atMost(WAIT).until("the back key", () -> keys.size() == 2);
    assertThat(keys.get(1)).isEqualTo(new ButtonEvent.Key(PanelButton.BACK, keys.get(1).at()));

    lcdd.press("x"); // no button of this panel, and not reserved: never reaches the driver
    lcdd.press("Enter");
    Poll.atMost(WAIT).until("the third key", () -> keys.size() == 3);
    assertThat(keys.get(2).button()).isEqualTo(PanelButton.MAINTENANCE);
  }

  @Test
  void lcddKilledAndRestartedGetsTheCurrentStateBack() throws IOException {
    start(20, 4);
    driver.render(state(1, "RACK12-U07      3 VM", "EVACUATING 3/3"));
    awaitScreen("RACK12-U07      3 VM", "EVACUATING 3/3", "", "");

    lcdd.kill();
    Poll.atMost(WAIT).until("a fault", () -> faults.stream().anyMatch(Optional::isPresent));
    assertThat(faults.getFirst()).get().asString().contains("LCDd at 127.0.0.1:" + lcdd.port());
    driver.render(state(2, "RACK12-U07      1 VM", "EVACUATING 1/3"));

    lcdd.restart();
    awaitScreen("RACK12-U07      1 VM", "EVACUATING 1/3", "", "");
    Poll.atMost(WAIT).until("the fault to clear", () -> faults.getLast().isEmpty());
    Poll.atMost(WAIT).until("the screen shown again", driver::showing);

    lcdd.press("Enter");
    Poll.atMost(WAIT).until("keys after the restart", () -> keys.size() == 1);
  }

  @Test
  void textIsClippedAndQuotedSafelyOnTheDisplay() throws IOException {
    start(20, 4);
    driver.render(
        state(
            1,
            "a{b}c\"d\\e {} \\}",
            "tab\there\r\nnew",
            "caf\u00e9 \u00fc \u2603 \ud83d\ude00!",
            "1234567890123456789012345"));
    awaitScreen("a{b}c\"d\\e {} \\}", "tab here  new", "cafe u ? ?!", "12345678901234567890");
    assertThat(lcdd.log()).doesNotContain("Could not parse");
  }

  @Test
  void aFlashingMaintenanceLightBlinksTheBacklight() throws IOException {
    start(20, 4);
    driver.render(
        state(1, MaintenanceState.ENTERING, Light.flashing(LightColor.RED), "EVACUATING"));
    awaitScreen("EVACUATING", "", "", "");
    // Blink: the backlight is off (cyan, 46) for 2 frames in 16, else on (red, 41).
    Poll.atMost(WAIT)
        .every(Duration.ofMillis(20))
        .until("the backlight off while blinking", () -> lcdd.screenWithColours().contains("[46m"));
    driver.render(
        state(2, MaintenanceState.IN_MAINTENANCE, Light.steady(LightColor.GREEN), "STEADY"));
    awaitScreen("STEADY", "", "", "");
    Poll.atMost(WAIT)
        .every(Duration.ofMillis(20))
        .until(
            "the backlight steadily on",
            () ->
                lcdd.screenWithColours().contains("[41m")
                    && !lcdd.screenWithColours().contains("[46m"));
    Poll.atMost(Duration.ofSeconds(4))
        .every(Duration.ofMillis(25))
        .holdsFor(
            Duration.ofMillis(2500),
            "no blink once steady",
            () -> !lcdd.screenWithColours().contains("[46m"));
  }

  @Test
  void theScreenTakesTheForegroundOnAChangeAndGoesBackAfterItsTime() throws IOException {
    start(20, 4, LcdprocSettings.defaults().withTimes(1, 1));
    driver.render(state(1, "VPANEL"));
    awaitScreen("VPANEL", "", "", "");
    try (Socket other = new Socket("127.0.0.1", lcdd.port());
        PrintWriter out =
            new PrintWriter(
                new java.io.OutputStreamWriter(other.getOutputStream(), StandardCharsets.US_ASCII),
                true);
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(other.getInputStream(), StandardCharsets.US_ASCII))) {
      out.println("hello");
      assertThat(in.readLine()).startsWith("connect ");
      out.println("screen_add other");
      out.println("screen_set other -priority info -duration 8 -heartbeat off");
      out.println("widget_add other t string");
      out.println("widget_set other t 1 1 {OTHER CLIENT}");
      // After 1 s at "foreground" the panel's screen is "info" too, and LCDd rotates to the other.
      Poll.atMost(WAIT)
          .every(Duration.ofMillis(30))
          .until("the other client's screen", () -> lcdd.screen().getFirst().startsWith("OTHER"));
      // A change that matters brings the panel's screen back at once.
      driver.render(
          state(2, MaintenanceState.ENTERING, Light.flashing(LightColor.RED), "EVACUATING"));
      awaitScreen("EVACUATING", "", "", "");
      Poll.atMost(Duration.ofSeconds(1))
          .every(Duration.ofMillis(30))
          .holdsFor(
              Duration.ofMillis(600),
              "the panel's screen in the foreground",
              () -> lcdd.screen().getFirst().startsWith("EVACUATING"));
    }
  }
}
