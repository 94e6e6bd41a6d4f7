package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.agent.RunningAgent;
import io.vpanel.agent.Wiring;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.driver.sysfs.FakeSysfs;
import io.vpanel.driver.sysfs.FifoInput;
import io.vpanel.driver.tui.TmuxPane;
import io.vpanel.testkit.LcddFixture;
import io.vpanel.testkit.SecretFile;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * One host with every kind of panel at once, each against its real peer: the web panel (read as the
 * page reads it), an LCD through a real LCDd at 16 x 2, LED-class LEDs and an evdev button (a
 * kernel-shaped directory and a FIFO), and a terminal in a tmux pane at 20 x 4. All show the same
 * state through a maintenance cycle; when LCDd dies, only the LCD panel fails — the API names it,
 * the other panels say so and keep following the state — and when LCDd is back the LCD shows the
 * present.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AllPanelsAtOnceTest {
  private static final String TOKEN = "all-panels-token-0123456789";
  private static final String GREEN = "vpanel:green:maintenance";
  private static final String RED = "vpanel:red:maintenance";
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dir;
  private LcddFixture lcdd;
  private TmuxPane terminal;
  private FifoInput button;
  private RunningAgent agent;
  private FakeSysfs sysfs;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws Exception {
    try {
      if (agent != null) {
        agent.close();
      }
    } finally {
      if (lcdd != null) {
        lcdd.close();
      }
      if (terminal != null) {
        terminal.close();
      }
      if (button != null) {
        button.close();
      }
      http.close();
    }
  }

  private String lcd() {
    try {
      return String.join("\n", lcdd.screen());
    } catch (IOException e) {
      return "";
    }
  }

  private String tui() {
    try {
      return String.join("\n", terminal.capture());
    } catch (IOException e) {
      return "";
    }
  }

  private JsonNode host(AgentApi api) {
    try {
      return api.read();
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode panel(JsonNode host, String name) {
    return host.path("panels")
        .valueStream()
        .filter(p -> p.path("name").asString().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no panel " + name + " in " + host.path("panels")));
  }

  /** The lines the web panel was last given, as the page fetches them. */
  private String web(AgentApi api) {
    try {
      return http.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(agent.url() + "/api/v1/hosts/sim-01/panel"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException | InterruptedException e) {
      return "";
    }
  }

  /** Starts LCDd, a tmux terminal, the LED directory and button FIFO, and the agent over them. */
  private AgentApi startAll() throws Exception {
    lcdd = LcddFixture.start(dir.resolve("lcdd"), 16, 2);
    terminal = TmuxPane.start(80, 24);
    sysfs = new FakeSysfs(dir.resolve("leds"));
    sysfs.led(RED);
    sysfs.led(GREEN);
    button = FifoInput.create(dir.resolve("event-kbd"));
    Path token = SecretFile.write(dir.resolve("token"), TOKEN);
    Path config =
        Files.writeString(
            dir.resolve("agent.yaml"),
            """
            host:
              name: sim-01
            hypervisor:
              driver: sim
              seed: 7
              hosts: 3
              vms: 6
              tickMillis: 50
              nicGbps: 1000
              streamGbps: 1000
            panels:
              - driver: web
              - driver: lcdproc
                port: %d
                reconnectMaxSeconds: 1
              - driver: sysfs
                ledRoot: %s
                leds:
                  maintenance: {red: "%s", green: "%s"}
                inputDevice: %s
              - driver: tui
                device: %s
                charset: UTF-8
                sizePollMillis: 200
            api:
              listen: 127.0.0.1:0
              tokenFile: %s
            journal:
              path: %s
            """
                .formatted(
                    lcdd.port(),
                    sysfs.root(),
                    RED,
                    GREEN,
                    button.path(),
                    terminal.tty(),
                    token,
                    dir.resolve("journal.db")));
    agent = Wiring.startAgent(new ConfigLoader().load(config));
    return new AgentApi(http, agent.url(), "sim-01", TOKEN, () -> "");
  }

  @Test
  void everyPanelShowsTheSameStateAndEachFailureIsItsOwn() throws Exception {
    AgentApi api = startAll();

    // Every panel up, each at its own size.
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              JsonNode host = host(api);
              for (String name : List.of("web", "lcdproc", "sysfs", "tui")) {
                assertThat(panel(host, name).path("healthy").asBoolean()).as(name).isTrue();
              }
              assertThat(panel(host, "lcdproc").path("display").asString()).isEqualTo("16x2");
              assertThat(lcd()).contains("OPERATIONAL");
              assertThat(tui()).contains("OPERATIONAL");
              assertThat(web(api)).contains("OPERATIONAL");
            });

    // Into maintenance: all four show it.
    assertThat(api.maintenance("enter").statusCode()).isEqualTo(202);
    api.await(AgentApi.inState("IN_MAINTENANCE"), 90);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(lcd()).contains("SAFE TO SERVICE");
              assertThat(tui()).contains("SAFE TO SERVICE");
              assertThat(web(api)).contains("SAFE TO SERVICE");
              assertThat(sysfs.read(GREEN, "brightness")).isEqualTo("255");
              assertThat(sysfs.read(RED, "brightness")).isEqualTo("0");
            });

    // LCDd dies: only the LCD panel fails, and the others say so.
    lcdd.kill();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonNode host = host(api);
              JsonNode lcdPanel = panel(host, "lcdproc");
              assertThat(lcdPanel.path("healthy").asBoolean()).isFalse();
              assertThat(lcdPanel.path("problem").asString()).isNotBlank();
              for (String name : List.of("web", "sysfs", "tui")) {
                assertThat(panel(host, name).path("healthy").asBoolean()).as(name).isTrue();
              }
            });
    await().atMost(WAIT).until(() -> tui().contains("PANEL LCDPROC FAULT"));

    // The others keep following the state while the LCD is down.
    assertThat(api.maintenance("exit").statusCode()).isEqualTo(202);
    api.await(AgentApi.inState("OPERATIONAL"), 90);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(tui()).contains("OPERATIONAL");
              assertThat(web(api)).contains("OPERATIONAL");
              assertThat(sysfs.read(GREEN, "brightness")).isEqualTo("0");
            });

    // LCDd is back: the LCD shows the present, and nobody reports a fault any more.
    lcdd.restart();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(lcd()).contains("OPERATIONAL");
              assertThat(panel(host(api), "lcdproc").path("healthy").asBoolean()).isTrue();
              assertThat(tui()).doesNotContain("PANEL LCDPROC FAULT");
            });
  }

  @Test
  void aNoticeIsOnEveryPanelAndAShortPressOnTheLcdAcknowledgesIt() throws Exception {
    AgentApi api = startAll();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(lcd()).contains("OPERATIONAL"));
    assertThat(api.notice("{\"text\":\"RAID 1 REBUILD\",\"severity\":\"critical\"}").statusCode())
        .isEqualTo(202);
    // The 16 x 2 LCD shows it every other turn of its one free line; the others at once.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(lcd()).contains("CRIT: RAID 1 REB");
              assertThat(tui()).contains("CRIT: RAID 1 REBUILD");
              assertThat(web(api)).contains("CRIT: RAID 1 REBUILD");
            });

    // LCDd's keys are press-only: the first press acknowledges instead of offering maintenance.
    lcdd.press("Enter");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonNode notice = host(api).path("notices").get(0);
              assertThat(notice.path("acknowledged").path("panel").asString()).isEqualTo("lcdproc");
              assertThat(api.journal("notice"))
                  .contains("notice acknowledged on lcdproc panel: RAID 1 REBUILD");
            });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(tui()).doesNotContain("RAID 1 REBUILD");
              assertThat(web(api)).doesNotContain("RAID 1 REBUILD");
            });
    assertThat(AgentApi.state(host(api))).isEqualTo("OPERATIONAL");
  }
}
