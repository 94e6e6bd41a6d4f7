package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.agent.RunningAgent;
import io.vpanel.agent.Wiring;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.testkit.LcddFixture;
import io.vpanel.testkit.Poll;
import io.vpanel.testkit.SecretFile;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The agent of sim-01 (simulated cluster, real time) with one panel: {@code lcdproc}, on a real
 * LCDd 20 x 4 (curses driver in tmux), keys pressed with tmux. The press-only gesture end to end:
 * Enter offers, a second Enter within the confirm window confirms, a single press starts nothing,
 * Left withdraws; a full enter-then-exit cycle; and LCDd killed with SIGKILL mid-evacuation, then
 * restarted on its port: the screen comes back with the current state.
 */
class LcdprocPanelEvacuationTest {
  private static final String TOKEN = "lcdproc-e2e-token-0123456789";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  private LcddFixture lcdd;
  private RunningAgent agent;
  private AgentApi api;

  /** Starts LCDd and the agent; {@code cluster} is the sim driver's size and network. */
  private void start(String cluster) throws IOException {
    lcdd = LcddFixture.start(dir, 20, 4);
    int port = AgentApi.freePort();
    Path token = dir.resolve("token");
    SecretFile.write(token, TOKEN);
    Path config = dir.resolve("vpanel.yaml");
    String yaml =
        """
        host:
          name: sim-01
        hypervisor:
          driver: sim
          seed: 5
        %s
        panels:
          - driver: lcdproc
            port: %d
            reconnectMaxSeconds: 1
        api:
          listen: 127.0.0.1:%d
          tokenFile: %s
        """
            .formatted(cluster.indent(2).stripTrailing(), lcdd.port(), port, token);
    Files.writeString(config, yaml);
    agent = Wiring.startAgent(new ConfigLoader().load(config));
    api =
        new AgentApi(
            HttpClient.newHttpClient(), "http://127.0.0.1:" + port, "sim-01", TOKEN, lcdd::log);
    api.await(h -> h.path("runningVms").asInt() > 0, 60);
    awaitRow(1, row -> row.equals("OPERATIONAL"));
  }

  @AfterEach
  void stop() {
    try {
      if (agent != null) {
        agent.close();
      }
    } finally {
      if (lcdd != null) {
        lcdd.close();
      }
    }
  }

  private List<String> awaitRow(int index, Predicate<String> shows) {
    return Poll.atMost(WAIT)
        .every(Duration.ofMillis(40))
        .ignoring(IOException.class)
        .explainedBy(lcdd::log)
        .until(
            "row " + (index + 1) + " of the LCD to match",
            () -> lcdd.screen().stream().map(String::stripTrailing).toList(),
            rows -> shows.test(rows.get(index)));
  }

  private String state() throws Exception {
    return AgentApi.state(api.read());
  }

  /** A small, fast cluster: sim-01 empties in seconds. */
  private void startFast() throws IOException {
    start("hosts: 3\nvms: 3\nnicGbps: 40\nstreamGbps: 20");
  }

  @Test
  void aSinglePressStartsNothingAndBackWithdrawsTheOffer() throws Exception {
    startFast();
    lcdd.press("Enter");
    awaitRow(2, "PRESS AGAIN TO ENTER"::equals);
    assertThat(state()).isEqualTo("OPERATIONAL");
    // The offer lapses after the confirm window (5 s): nothing started.
    awaitRow(2, row -> !row.startsWith("PRESS AGAIN"));
    assertThat(state()).isEqualTo("OPERATIONAL");
    Poll.atMost(Duration.ofSeconds(3))
        .holdsFor(Duration.ofSeconds(1), "still operational", () -> state().equals("OPERATIONAL"));

    lcdd.press("Enter");
    awaitRow(2, "PRESS AGAIN TO ENTER"::equals);
    lcdd.press("Left");
    awaitRow(2, row -> !row.startsWith("PRESS AGAIN"));
    assertThat(state()).isEqualTo("OPERATIONAL");
    assertThat(lcdd.screen().get(1).stripTrailing()).isEqualTo("OPERATIONAL");
  }

  @Test
  void enterThenExitMaintenanceWithTheKeysOfTheLcd() throws Exception {
    startFast();
    lcdd.press("Enter");
    awaitRow(2, "PRESS AGAIN TO ENTER"::equals);
    lcdd.press("Enter");
    api.await(AgentApi.inState("ENTERING").or(AgentApi.inState("IN_MAINTENANCE")), 30);
    JsonNode done = api.await(AgentApi.inState("IN_MAINTENANCE"), 240);
    assertThat(done.path("runningVms").asInt()).isZero();
    List<String> safe = awaitRow(1, "SAFE TO SERVICE"::equals);
    assertThat(safe.get(0)).startsWith("SIM-01").endsWith("0 VM");

    lcdd.press("Enter");
    awaitRow(2, "PRESS AGAIN TO EXIT"::equals);
    assertThat(state()).isEqualTo("IN_MAINTENANCE");
    lcdd.press("Enter");
    api.await(AgentApi.inState("OPERATIONAL"), 240);
    awaitRow(1, "OPERATIONAL"::equals);
  }

  @Test
  void lcddKilledMidEvacuationComesBackWithTheCurrentState() throws Exception {
    // Slow enough that the evacuation runs on while LCDd is down and restarting.
    start("hosts: 3\nvms: 6\nnicGbps: 10\nstreamGbps: 4");
    assertThat(api.maintenance("enter").statusCode()).isEqualTo(202);
    awaitRow(1, row -> row.startsWith("EVACUATING"));
    api.await(AgentApi.inState("ENTERING"), 30);

    lcdd.kill();
    lcdd.restart();
    List<String> back =
        awaitRow(1, row -> row.startsWith("EVACUATING") || row.equals("SAFE TO SERVICE"));
    assertThat(back.get(0)).startsWith("SIM-01");
    String now = state();
    if (back.get(1).startsWith("EVACUATING")) {
      assertThat(now).isIn("ENTERING", "IN_MAINTENANCE");
    } else {
      assertThat(now).isEqualTo("IN_MAINTENANCE");
    }
    // The evacuation goes on while the panel reconnected, and the LCD follows it to its end.
    api.await(AgentApi.inState("IN_MAINTENANCE"), 240);
    awaitRow(1, "SAFE TO SERVICE"::equals);
  }
}
