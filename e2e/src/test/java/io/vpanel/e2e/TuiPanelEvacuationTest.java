package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.agent.RunningAgent;
import io.vpanel.agent.Wiring;
import io.vpanel.agent.config.AgentConfig;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.driver.tui.TmuxPane;
import io.vpanel.testkit.SecretFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The terminal panel on a simulated cluster, end to end: the agent is started from a configuration
 * file as {@code vpanel agent} would be ({@link ConfigLoader}, {@link Wiring#startAgent}), with
 * host sim-01's only panel a {@code tui} panel on a tmux pane's terminal. Through that pane alone
 * (keys with {@code send-keys}, the screen with {@code capture-pane}) it proves that a single key
 * only offers the action and starts nothing, that BACK withdraws the offer, that a key and a
 * confirming key evacuate the host (the screen shows the evacuation, then IN MAINTENANCE, SAFE TO
 * SERVICE and 0 VMs), and that key and key again bring the host out of maintenance with its VMs.
 */
class TuiPanelEvacuationTest {
  private static final Duration UI = Duration.ofSeconds(20);
  private static final Duration EVACUATION = Duration.ofMinutes(2);

  @TempDir Path dir;

  private TmuxPane pane;
  private RunningAgent agent;
  private final Set<String> screensSeen = new LinkedHashSet<>();

  @AfterEach
  void stop() {
    try {
      if (agent != null) {
        agent.close();
      }
    } finally {
      if (pane != null) {
        pane.close();
      }
    }
  }

  @Test
  void keyThenKeyEvacuatesTheHostAndKeyThenKeyBringsItBack() throws IOException {
    pane = TmuxPane.start(80, 24);
    Path token = dir.resolve("token");
    SecretFile.write(token, "tui-e2e-token-0123456789");
    Path config = dir.resolve("vpanel.yaml");
    Files.writeString(
        config,
        """
        host:
          name: sim-01
        hypervisor:
          driver: sim
          seed: 1
          hosts: 4
          vms: 24
          nicGbps: 40
          streamGbps: 20
        panels:
          - driver: tui
            device: %s
            rows: 4
            columns: 20
            charset: UTF-8
            sizePollMillis: 200
        api:
          listen: 127.0.0.1:%d
          tokenFile: %s
        """
            .formatted(pane.tty(), AgentApi.freePort(), token));
    AgentConfig loaded = new ConfigLoader().load(config);
    agent = Wiring.startAgent(loaded);

    List<String> start = waitForScreen("the operational host", s -> s.contains("OPERATIONAL"));
    int vms = vmCount(start);
    assertThat(vms).as("VMs on sim-01 at start").isPositive();
    assertThat(box(start).getFirst()).startsWith("SIM-01");
    assertThat(String.join("\n", start)).contains("Enter: maintenance  Esc: back");

    // one key only offers; the offer lapses and nothing has started
    pane.sendKeys("Enter");
    waitForScreen(
        "the offer after one key",
        s -> s.contains("PRESS AGAIN TO ENTER") && s.contains("Enter: confirm enter"));
    waitForScreen(
        "the offer lapsed",
        s -> !s.contains("PRESS AGAIN") && s.contains("OPERATIONAL") && s.contains(vms + " VM"));
    assertThat(screensSeen).noneMatch(s -> s.contains("ENTERING") || s.contains("EVACUATING"));

    // BACK withdraws an offer
    pane.sendKeys("Enter");
    waitForScreen("the offer again", s -> s.contains("PRESS AGAIN TO ENTER"));
    pane.sendKeys("Escape");
    waitForScreen(
        "the offer withdrawn", s -> !s.contains("PRESS AGAIN") && s.contains("OPERATIONAL"));
    assertThat(screensSeen).noneMatch(s -> s.contains("ENTERING"));

    // key + key: enter maintenance; the screen shows the evacuation, then SAFE TO SERVICE
    pane.sendKeys("Enter");
    waitForScreen("the offer to enter", s -> s.contains("PRESS AGAIN TO ENTER"));
    pane.sendKeys("Enter");
    List<String> safe =
        waitForScreen(
            EVACUATION,
            "sim-01 in maintenance and safe to service",
            s ->
                s.contains("IN MAINTENANCE")
                    && s.contains("SAFE TO SERVICE")
                    && s.contains("0 VMs running"));
    assertThat(screensSeen)
        .as("a screen of the evacuation")
        .anyMatch(s -> s.contains("ENTERING MAINTENANCE") && s.contains("EVACUATING"));
    assertThat(box(safe).get(1)).isEqualTo("SAFE TO SERVICE");
    assertThat(String.join("\n", safe)).contains("[MAINT]");

    // key + key: exit maintenance; the VMs come back
    pane.sendKeys("Enter");
    waitForScreen("the offer to exit", s -> s.contains("PRESS AGAIN TO EXIT"));
    pane.sendKeys("Enter");
    waitForScreen(
        EVACUATION,
        "sim-01 operational with its VMs back",
        s -> s.contains("OPERATIONAL") && !s.contains("PRESS AGAIN") && s.contains(vms + " VMs"));
    assertThat(screensSeen).anyMatch(s -> s.contains("EXITING MAINTENANCE"));
  }

  private List<String> waitForScreen(String what, Predicate<String> shows) {
    return waitForScreen(UI, what, shows);
  }

  /** Polls the pane, keeping every distinct screen, until one {@code shows} what is awaited. */
  private List<String> waitForScreen(Duration timeout, String what, Predicate<String> shows) {
    List<List<String>> last = new ArrayList<>();
    try {
      Awaitility.await(what)
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptions()
          .until(
              () -> {
                List<String> lines = pane.capture();
                String text = String.join("\n", lines);
                screensSeen.add(text);
                last.clear();
                last.add(lines);
                return shows.test(text);
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          e.getMessage()
              + "\nthe pane shows:\n"
              + (last.isEmpty() ? "" : String.join("\n", last.getFirst())),
          e);
    }
    return last.getFirst();
  }

  private static List<String> box(List<String> screen) {
    return TmuxPane.boxRows(screen);
  }

  private static int vmCount(List<String> screen) {
    for (String line : screen) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("(\\d+) VMs? running").matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("no VM count on the screen:\n" + String.join("\n", screen));
  }
}
