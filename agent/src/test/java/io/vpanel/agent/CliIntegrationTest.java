package io.vpanel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vpanel.core.engine.EngineSettings;
import io.vpanel.driver.sim.SimSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code vpanel} command line, run in-process against a running demo. The tests run in any
 * order: the one maintenance cycle is a single test, which leaves the demo as it found it.
 */
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class CliIntegrationTest {
  static final String TOKEN = "cli-token-0123456789";

  static RunningAgent demo;
  static TestHttp api;
  static String url;

  @BeforeAll
  static void start() {
    SimSettings d = SimSettings.defaults();
    SimSettings sim = new SimSettings(d.seed(), 4, 24, 40, 20, d.tickMillis(), d.maxRounds());
    demo =
        Wiring.startDemo(
            new Wiring.DemoOptions("127.0.0.1", 0, sim, TOKEN, EngineSettings.defaults()));
    url = demo.url();
    api = new TestHttp(url, TOKEN);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> api.totalRunningVms() == 24);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
    if (demo != null) {
      demo.close();
    }
  }

  /** What one run of the CLI printed and returned. */
  record Run(int status, String out, String err) {
    List<String> outLines() {
      return out.lines().toList();
    }
  }

  /** Runs the CLI with System.out and System.err captured; the CLI prints through them. */
  static synchronized Run vpanel(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    int status;
    try (PrintStream capturedOut = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        PrintStream capturedErr = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
      System.setOut(capturedOut);
      System.setErr(capturedErr);
      status = Main.run(args);
      capturedOut.flush();
      capturedErr.flush();
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    Run run =
        new Run(
            status,
            outBytes.toString(StandardCharsets.UTF_8),
            errBytes.toString(StandardCharsets.UTF_8));
    System.out.println("$ vpanel " + String.join(" ", args) + "  -> " + status);
    System.out.print(run.out());
    System.out.print(run.err());
    assertThat(run.out() + run.err()).as("the token is never printed").doesNotContain(TOKEN);
    return run;
  }

  private static String[] args(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", url));
    return all.toArray(String[]::new);
  }

  private static String[] withToken(String... args) {
    List<String> all = new ArrayList<>(List.of(args(args)));
    all.addAll(List.of("--token", TOKEN));
    return all.toArray(String[]::new);
  }

  @Test
  void statusListsEveryHost() {
    Run run = vpanel(args("status"));
    assertThat(run.status()).as(run.err()).isZero();
    List<String> lines = run.outLines();
    assertThat(lines.get(0)).startsWith("HOST").contains("STATE", "VMS", "LINK", "HA");
    assertThat(lines).hasSize(5);
    for (String host : List.of("sim-01", "sim-02", "sim-03", "sim-04")) {
      assertThat(lines).anyMatch(l -> l.startsWith(host + " ") && l.contains("OPERATIONAL"));
    }
  }

  @Test
  void planPrintsTheGoSummaryAndTheMoves() {
    Set<String> uuids = api.runningUuids("sim-02");
    Run run = vpanel(args("plan", "sim-02"));
    assertThat(run.status()).as(run.err()).isZero();
    List<String> lines = run.outLines();
    assertThat(lines.get(0)).startsWith("GO:");
    assertThat(lines).filteredOn(l -> l.contains("-> sim-")).hasSize(uuids.size());
    assertThat(lines).filteredOn(l -> l.contains("-> sim-02")).isEmpty();
    assertThat(lines).anyMatch(l -> l.contains("concurrency at start:"));
    assertThat(api.state("sim-02")).isEqualTo("OPERATIONAL");
  }

  @Test
  void planOfAnUnknownHostFailsWithThe404Reason() {
    Run run = vpanel(args("plan", "sim-99"));
    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("vpanel:").contains("unknown host 'sim-99'");
  }

  @Test
  void maintenanceOfAnUnknownHostFailsWithThe404Reason() {
    Run run = vpanel(withToken("maintenance", "enter", "sim-99"));
    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("sim-99").contains("unknown host");
  }

  @Test
  void maintenanceWithoutTokenNamesTheOptionAndTheVariable() {
    assumeTrue(System.getenv("VPANEL_TOKEN") == null, "VPANEL_TOKEN is set in this environment");
    Run run = vpanel(args("maintenance", "enter", "sim-02"));
    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("--token").contains("VPANEL_TOKEN");
    assertThat(api.state("sim-02")).isEqualTo("OPERATIONAL");
  }

  @Test
  void maintenanceWithAWrongTokenFails() {
    Run run =
        vpanel("maintenance", "enter", "sim-02", "--url", url, "--token", "wrong-token-0123456789");
    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("invalid token");
    assertThat(api.state("sim-02")).isEqualTo("OPERATIONAL");
  }

  @Test
  void anUnknownActionFailsWithTheKnownOnes() {
    Run run = vpanel(withToken("maintenance", "reboot", "sim-02"));
    assertThat(run.status()).isNotZero();
    assertThat(run.err()).contains("reboot").contains("enter").contains("exit").contains("cancel");
    assertThat(api.state("sim-02")).isEqualTo("OPERATIONAL");
  }

  @Test
  void anUnreachableAgentIsReportedWithTheUrl() throws IOException {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    String nowhere = "http://127.0.0.1:" + port;
    for (String[] args :
        List.of(
            new String[] {"status", "--url", nowhere},
            new String[] {"plan", "sim-01", "--url", nowhere},
            new String[] {"maintenance", "enter", "sim-01", "--url", nowhere, "--token", TOKEN})) {
      Run run = vpanel(args);
      assertThat(run.status()).as(String.join(" ", args)).isEqualTo(1);
      assertThat(run.err()).contains("cannot reach the agent").contains(nowhere);
    }
  }

  @Test
  void aUrlThatIsNotAnAgentIsReported() {
    // Something answers there, but not the API.
    Run run = vpanel("status", "--url", url + "/nope");
    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).startsWith("vpanel:");
  }

  @Test
  void usageErrorsAreNotZero() {
    assertThat(vpanel("frobnicate").status()).isNotZero();
    assertThat(vpanel(args("plan")).status()).as("HOST missing").isNotZero();
    assertThat(vpanel(args("maintenance", "enter")).status()).as("HOST missing").isNotZero();
    Run help = vpanel("--help");
    assertThat(help.status()).isZero();
    assertThat(help.out()).contains("status", "plan", "maintenance", "demo", "agent");
  }

  @Test
  void aMaintenanceCycleFromTheCommandLine() {
    enterWithWaitFollowsProgressUntilInMaintenance();
    aSecondEnterFailsWithTheReason();
    statusShowsTheHostInMaintenance();
    cancelWhenNotEnteringFails();
    exitWithWaitBringsTheHostBack();
  }

  private void enterWithWaitFollowsProgressUntilInMaintenance() {
    int total = api.totalRunningVms();
    Run run = vpanel(withToken("maintenance", "enter", "sim-02", "--wait"));
    assertThat(run.status()).as(run.err()).isZero();
    List<String> lines = run.outLines();
    assertThat(lines.get(0)).startsWith("sim-02: GO:");
    assertThat(lines.size()).as("progress lines follow").isGreaterThanOrEqualTo(2);
    assertThat(lines.get(lines.size() - 1))
        .startsWith("IN_MAINTENANCE")
        .contains(" 0 VMs running")
        .endsWith("SAFE TO SERVICE");
    assertThat(api.state("sim-02")).isEqualTo("IN_MAINTENANCE");
    assertThat(api.host("sim-02").get("runningVms").asInt()).isZero();
    assertThat(api.totalRunningVms()).isEqualTo(total);
  }

  private void aSecondEnterFailsWithTheReason() {
    Run run = vpanel(withToken("maintenance", "enter", "sim-02"));
    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("sim-02").contains("IN_MAINTENANCE");
  }

  private void statusShowsTheHostInMaintenance() {
    Run run = vpanel(args("status"));
    assertThat(run.status()).isZero();
    assertThat(run.outLines())
        .anyMatch(l -> l.startsWith("sim-02 ") && l.contains("IN_MAINTENANCE"))
        .anyMatch(l -> l.contains("SAFE TO SERVICE"));
  }

  private void cancelWhenNotEnteringFails() {
    Run run = vpanel(withToken("maintenance", "cancel", "sim-02"));
    assertThat(run.status()).isEqualTo(1);
    assertThat(run.err()).contains("only an evacuation in progress can be cancelled");
  }

  private void exitWithWaitBringsTheHostBack() {
    Run run = vpanel(withToken("maintenance", "exit", "sim-02", "--wait"));
    assertThat(run.status()).as(run.err()).isZero();
    List<String> lines = run.outLines();
    assertThat(lines.get(0)).startsWith("sim-02: exiting maintenance:");
    assertThat(lines.get(lines.size() - 1)).startsWith("OPERATIONAL");
    assertThat(api.state("sim-02")).isEqualTo("OPERATIONAL");
    assertThat(api.host("sim-02").get("runningVms").asInt()).isPositive();
  }

  @Test
  void readsNeedNoToken() {
    Run run = vpanel(args("plan", "sim-03"));
    assertThat(run.status()).isZero();
  }
}
