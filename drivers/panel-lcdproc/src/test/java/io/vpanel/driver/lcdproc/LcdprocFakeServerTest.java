package io.vpanel.driver.lcdproc;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import io.vpanel.testkit.LcddFixture;
import io.vpanel.testkit.Poll;
import io.vpanel.testkit.WallClockScheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The driver against a scripted fake LCDd that misbehaves: malformed, unknown and overlong lines,
 * unsolicited {@code listen}/{@code ignore}/{@code key} between replies, {@code huh?}, a half line
 * then silence, a server closing mid-conversation, a size change across a reconnect. The driver
 * survives each, keeps rendering after reconnecting and reports keys correctly.
 */
class LcdprocFakeServerTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final LcdprocPanelDriver.Timing FAST =
      new LcdprocPanelDriver.Timing(
          Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofMillis(1000));

  private FakeLcdd server;
  private LcdprocPanelDriver driver;
  private final List<ButtonEvent> keys = new CopyOnWriteArrayList<>();
  private final List<Optional<String>> faults = new CopyOnWriteArrayList<>();
  private final AtomicInteger sizeChanges = new AtomicInteger();

  @AfterEach
  void stop() throws IOException {
    if (driver != null) {
      driver.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(FakeLcdd.Script script) throws IOException {
    server = new FakeLcdd(script);
    LcdprocSettings settings =
        new LcdprocSettings(
            "127.0.0.1", server.port(), "Enter", "Left", "foreground", "info", 10, "blink", 1, 300);
    driver = new LcdprocPanelDriver(settings, new WallClockScheduler(), FAST);
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
  }

  private static PanelState state(long version, String... lines) {
    return new PanelState(
        "rack12-u07",
        version,
        3,
        MaintenanceState.ENTERING,
        false,
        Light.flashing(LightColor.RED),
        Light.OFF,
        Light.OFF,
        Light.OFF,
        Light.OFF,
        false,
        List.of(lines),
        Optional.empty(),
        Optional.empty());
  }

  private void awaitSent(int connection, String command) {
    Poll.atMost(WAIT)
        .until(
            "connection " + connection + " to receive " + command,
            () -> server.received(connection),
            received -> received.contains(command));
  }

  private static String row(int y, String text, int width) {
    return "widget_set vpanel l" + y + " 1 " + y + " {" + LcdText.row(text, width) + "}";
  }

  @Test
  void survivesGarbageBetweenRepliesAndReportsKeysCorrectly() throws IOException {
    start(
        (peer, n) -> {
          peer.handshake(20, 4);
          peer.send("listen vpanel"); // before any reply, as LCDd may
          peer.send("key Enter");
          peer.send("success");
          peer.send("complete nonsense \u0001\u00ff");
          peer.send("");
          peer.send("x".repeat(10_000)); // an overlong line, skipped whole
          peer.send("huh? Invalid command \"frobnicate\"");
          peer.send("connect LCDproc without a size");
          peer.send("ignore vpanel");
          peer.send("key Unknown");
          peer.send("key Left");
          peer.send("listen vpanel");
          peer.send("key");
          peer.send("menuevent select x");
          peer.sendRaw("success\r\n");
          peer.send("key Enter");
          peer.drain();
        });
    Poll.atMost(WAIT).until("three keys", () -> keys.size() == 3);
    assertThat(keys.stream().map(ButtonEvent::button))
        .containsExactly(PanelButton.MAINTENANCE, PanelButton.BACK, PanelButton.MAINTENANCE);
    assertThat(keys).allSatisfy(k -> assertThat(k).isInstanceOf(ButtonEvent.Key.class));

    driver.render(state(1, "STILL HERE", "EVACUATING 2/3"));
    awaitSent(1, row(1, "STILL HERE", 20));
    awaitSent(1, row(2, "EVACUATING 2/3", 20));
    assertThat(server.connections()).isEqualTo(1);
    assertThat(driver.capabilities().display()).isEqualTo(DisplayGeometry.FOUR_BY_TWENTY);
    assertThat(faults).isEmpty();
    assertThat(server.received(1))
        .contains(
            "hello",
            "client_set -name vpanel",
            "screen_add vpanel",
            "widget_add vpanel l4 string",
            "client_add_key Enter Left");
  }

  @Test
  void onlyChangedRowsAreSentAgain() throws IOException {
    start(
        (peer, n) -> {
          peer.handshake(20, 4);
          peer.drain();
        });
    driver.render(state(1, "HOST", "EVACUATING 3/3", "ETA 0:41", "NOTE"));
    awaitSent(1, row(4, "NOTE", 20));
    int before = server.received(1).size();
    driver.render(state(2, "HOST", "EVACUATING 2/3", "ETA 0:41", "NOTE"));
    awaitSent(1, row(2, "EVACUATING 2/3", 20));
    driver.render(state(3, "HOST", "EVACUATING 2/3", "ETA 0:41", "NOTE")); // same text
    driver.render(state(4, "HOST", "EVACUATING 2/3", "ETA 0:40", "NOTE"));
    awaitSent(1, row(3, "ETA 0:40", 20));
    assertThat(server.received(1).subList(before, server.received(1).size()))
        .filteredOn(c -> !c.equals("noop"))
        .containsExactly(row(2, "EVACUATING 2/3", 20), row(3, "ETA 0:40", 20));
  }

  @Test
  void aHalfLineThenSilenceIsGivenUpAndTheDriverReconnects() throws IOException {
    start(
        (peer, n) -> {
          switch (n) {
            case 1 -> {
              peer.readUntil("hello");
              peer.sendRaw("connect LCDproc 0.5.9 protocol 0.3 lcd wid 20 hg"); // and nothing more
              peer.drain();
            }
            case 2 -> {
              peer.handshake(20, 4);
              peer.readUntil("client_add_key");
              peer.sendRaw("succ"); // connected, then a half line and silence: no noop answered
              peer.drain();
            }
            default -> {
              peer.handshake(20, 4);
              while (peer.read() != null) {
                if (peer.received.getLast().equals("noop")) {
                  peer.send("noop complete");
                }
              }
            }
          }
        });
    driver.render(state(1, "AFTER SILENCE"));
    awaitSent(3, row(1, "AFTER SILENCE", 20));
    assertThat(faults).anySatisfy(f -> assertThat(f).get().asString().contains("'connect'"));
    assertThat(faults).anySatisfy(f -> assertThat(f).get().asString().contains("sent nothing"));
    Poll.atMost(WAIT).until("the fault cleared", () -> faults.getLast().isEmpty());
    // Answered noops keep the third connection alive past the silence limit.
    Poll.atMost(Duration.ofSeconds(3))
        .holdsFor(Duration.ofMillis(1500), "one connection more", () -> server.connections() == 3);
    driver.render(state(2, "STILL ALIVE"));
    awaitSent(3, row(1, "STILL ALIVE", 20));
  }

  @Test
  void aServerClosingMidConversationIsReconnectedAndRedrawnWithTheNewestState() throws IOException {
    start(
        (peer, n) -> {
          peer.handshake(20, 4);
          if (n == 1) {
            peer.readUntil("widget_set vpanel l1 1 1 {FIRST");
            peer.send("success");
            peer.sendRaw("suc");
            peer.close(); // mid-line, mid-conversation
            return;
          }
          peer.send("key Enter");
          peer.drain();
        });
    driver.render(state(1, "FIRST"));
    Poll.atMost(WAIT).until("the second connection", () -> server.connections() >= 2);
    driver.render(state(2, "SECOND"));
    awaitSent(2, row(1, "SECOND", 20));
    assertThat(server.received(2)).contains("screen_add vpanel", "client_add_key Enter Left");
    Poll.atMost(WAIT).until("a key on the new connection", () -> keys.size() == 1);
    assertThat(faults.getFirst()).get().asString().contains("closed the connection");
    Poll.atMost(WAIT).until("the fault cleared", () -> faults.getLast().isEmpty());
  }

  @Test
  void aSizeChangeAcrossAReconnectIsReported() throws IOException {
    start(
        (peer, n) -> {
          if (n == 1) {
            peer.handshake(20, 4);
            peer.readUntil("widget_set vpanel l4");
            return; // closes
          }
          peer.handshake(16, 2);
          peer.drain();
        });
    driver.render(state(1, "RACK12-U07      3 VM", "EVACUATING 3/3 NOW", "ROW 3", "ROW 4"));
    Poll.atMost(WAIT).until("the new size", () -> sizeChanges.get() == 1);
    assertThat(driver.capabilities().display()).isEqualTo(new DisplayGeometry(2, 16));
    awaitSent(2, row(2, "EVACUATING 3/3 NOW", 16));
    assertThat(server.received(2))
        .contains("widget_add vpanel l2 string", row(1, "RACK12-U07      3 VM", 16))
        .doesNotContain("widget_add vpanel l3 string")
        .noneMatch(c -> c.startsWith("widget_set vpanel l3"));
  }

  @Test
  void aHuhAboutTheBacklightFallsBackToBacklightOn() throws IOException {
    start(
        (peer, n) -> {
          peer.handshake(20, 4);
          String line;
          while ((line = peer.read()) != null) {
            if (line.contains("-backlight blink")) {
              peer.send("huh? unknown backlight mode");
              peer.send("success");
            }
          }
        });
    driver.render(state(1, "BLINKING"));
    awaitSent(1, "screen_set vpanel -backlight on");
  }

  @Test
  void nothingListeningIsOneFaultNotOnePerAttempt() throws IOException {
    int port = LcddFixture.freePort();
    LcdprocSettings settings =
        new LcdprocSettings(
            "127.0.0.1", port, "Enter", "Left", "foreground", "info", 10, "blink", 1, 300);
    driver = new LcdprocPanelDriver(settings, new WallClockScheduler(), FAST);
    driver.start(
        new PanelListener() {
          @Override
          public void onButton(ButtonEvent event) {
            keys.add(event);
          }

          @Override
          public void onFault(Optional<String> problem) {
            faults.add(problem);
          }
        });
    Poll.atMost(WAIT).until("a fault", () -> !faults.isEmpty());
    assertThat(faults.getFirst())
        .get()
        .asString()
        .contains("LCDd at 127.0.0.1:" + port, "is LCDd running");
    assertThat(faults).hasSize(1); // one report per outage, not one per attempt
  }
}
