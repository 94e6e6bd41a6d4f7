package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.agent.RunningAgent;
import io.vpanel.agent.Wiring;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.testkit.SecretFile;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus (Debian {@code prometheus}) on a free loopback port scrapes a running agent
 * every second with the shipped rules loaded; an evacuation that cannot finish (guests that never
 * converge, no auto-converge, one pre-copy round) ends FAILED, and Prometheus fires {@code
 * VpanelMaintenanceFailed} for the host, read through its HTTP API. An evacuation whose guests
 * never converge (the sim's {@code neverConverge}) stays ENTERING, and Prometheus fires {@code
 * VpanelHostStuckEntering}.
 *
 * <p>The rules are a test copy of {@code docs/prometheus/vpanel-rules.yml} in which every {@code
 * for:} is 1 s (the shipped durations are minutes) and the stuck rule's 5 min allowance is 3 s; the
 * expressions are otherwise the shipped ones.
 */
class PrometheusScrapeTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  @TempDir Path temp;
  private RunningAgent agent;
  private Process prometheus;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() throws InterruptedException {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly();
      }
    }
    if (agent != null) {
      agent.close();
    }
    http.close();
  }

  private HostState host() {
    var h = agent.engine().snapshot().host("sim-01").orElseThrow();
    return new HostState(h.maintenance().state(), h.maintenance().reason().orElse(""));
  }

  private record HostState(MaintenanceState state, String reason) {}

  private JsonNode api(int port, String path) throws IOException, InterruptedException {
    HttpResponse<String> reply =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(reply.statusCode()).as("%s said %s", path, reply.body()).isEqualTo(200);
    return JSON.readTree(reply.body());
  }

  private List<String> firing(int port, String alertname) throws Exception {
    List<String> hosts = new ArrayList<>();
    for (JsonNode alert : api(port, "/api/v1/alerts").at("/data/alerts")) {
      if (alertname.equals(alert.at("/labels/alertname").asString())
          && "firing".equals(alert.get("state").asString())) {
        hosts.add(alert.at("/labels/host").asString());
      }
    }
    return hosts;
  }

  private String log(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * Starts the agent of sim-01 in a fast 3-host simulated cluster, its {@code hypervisor:} section
   * ending with {@code hypervisorKeys} and {@code sections} added at the end, and a Prometheus that
   * scrapes it every second with the shipped rules, every {@code for:} at 1 s and then {@code
   * rules} applied; returns Prometheus' port once it answers.
   */
  private int startAgentAndPrometheus(
      Path binary, String hypervisorKeys, String sections, UnaryOperator<String> rules)
      throws Exception {
    Path token = SecretFile.write(temp.resolve("token"), "e2e-token-0123456789abcdef");
    String agentYaml =
        """
        host:
          name: sim-01
        hypervisor:
          driver: sim
          seed: 5
          hosts: 3
          vms: 6
          tickMillis: 50
          nicGbps: 40
          streamGbps: 40
        %s
        panels:
          - driver: web
        api:
          listen: 127.0.0.1:0
          tokenFile: %s
        %s
        """
            .formatted(hypervisorKeys.indent(2).stripTrailing(), token, sections);
    Path config = Files.writeString(temp.resolve("agent.yaml"), agentYaml);
    agent = Wiring.startAgent(new ConfigLoader().load(config));
    Duration wait = Duration.ofSeconds(60);
    await().atMost(wait).until(() -> host().state() == MaintenanceState.OPERATIONAL);

    String shipped =
        Files.readString(Promtool.docs().resolve("vpanel-rules.yml"))
            .replaceAll("(?m)^(\\s+)for: \\S+$", "$1for: 1s");
    Path rulesFile = Files.writeString(temp.resolve("vpanel-rules.yml"), rules.apply(shipped));
    URI agentUri = URI.create(agent.url());
    Path promConfig =
        Files.writeString(
            temp.resolve("prometheus.yml"),
            """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - %s
            scrape_configs:
              - job_name: vpanel
                static_configs:
                  - targets: ['127.0.0.1:%d']
            """
                .formatted(rulesFile, agentUri.getPort()));
    int port = AgentApi.freePort();
    Path promLog = temp.resolve("prometheus.log");
    prometheus =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + promConfig,
                "--storage.tsdb.path=" + temp.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(promLog.toFile())
            .start();
    try {
      await()
          .atMost(wait)
          .pollInterval(Duration.ofMillis(100))
          .failFast("prometheus exited", () -> !prometheus.isAlive())
          .ignoreExceptions()
          .until(() -> api(port, "/api/v1/status/runtimeinfo") != null);
    } catch (RuntimeException e) {
      throw new IllegalStateException("prometheus did not start:\n" + log(promLog), e);
    }
    return port;
  }

  /** Prometheus scrapes the agent: {@code up} is 1. */
  private void awaitScraped(int port) {
    String up = URLEncoder.encode("up{job=\"vpanel\"}", StandardCharsets.UTF_8);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> api(port, "/api/v1/query?query=" + up).at("/data/result/0/value/1").asString(),
            "1"::equals);
  }

  @Test
  void anEvacuationStuckOnGuestsThatNeverConvergeFiresVpanelHostStuckEntering() throws Exception {
    Optional<Path> binary = Promtool.onPath("prometheus");
    Assumptions.assumeTrue(
        binary.isPresent(),
        "no prometheus on PATH (Debian package prometheus; ./test installs it): skipped");
    // Every guest re-dirties its working set each round: the migrations keep sending and never
    // switch over, so the host stays ENTERING while its ETA stays a few seconds. The test copy of
    // the rule allows 3 s beyond 1.5 x the ETA instead of 5 min.
    int port =
        startAgentAndPrometheus(
            binary.get(),
            "neverConverge: [vm-01, vm-02, vm-03, vm-04, vm-05, vm-06]",
            "",
            rules -> {
              String changed = rules.replace("+ 300)", "+ 3)");
              assertThat(changed).as("the rule's 5 min allowance").isNotEqualTo(rules);
              return changed;
            });
    awaitScraped(port);
    assertThat(firing(port, "VpanelHostStuckEntering")).isEmpty();

    AgentApi agentApi = new AgentApi(http, agent.url(), "sim-01", agent.token(), () -> "");
    assertThat(agentApi.maintenance("enter").statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(30)).until(() -> host().state() == MaintenanceState.ENTERING);
    long enteredAt = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(50))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> firing(port, "VpanelHostStuckEntering"), hosts -> hosts.contains("sim-01"));
    System.out.printf(
        "PrometheusScrapeTest: VpanelHostStuckEntering firing %d ms after the host went ENTERING%n",
        (System.nanoTime() - enteredAt) / 1_000_000);
    assertThat(host().state()).as("still stuck").isEqualTo(MaintenanceState.ENTERING);
    var progress = agent.engine().snapshot().host("sim-01").orElseThrow().maintenance().progress();
    assertThat(progress).isPresent();
    assertThat(progress.get().vmsLeft())
        .as("nothing has arrived")
        .isEqualTo(progress.get().vmsTotal());
    assertThat(firing(port, "VpanelMaintenanceFailed")).isEmpty();
  }

  @Test
  void prometheusScrapesTheAgentLoadsTheRulesAndFiresMaintenanceFailed() throws Exception {
    Optional<Path> binary = Promtool.onPath("prometheus");
    Assumptions.assumeTrue(
        binary.isPresent(),
        "no prometheus on PATH (Debian package prometheus; ./test installs it): skipped");
    int port =
        startAgentAndPrometheus(
            binary.get(),
            "maxRounds: 1",
            """
            maintenance:
              autoConverge: false
              destinationsPerVm: 1
              maxDowntimeMillis: 1
            """,
            UnaryOperator.identity());
    Duration wait = Duration.ofSeconds(60);

    // The shipped rules loaded, every one of them.
    JsonNode groups = api(port, "/api/v1/rules").at("/data/groups");
    List<String> names = new ArrayList<>();
    groups.forEach(g -> g.get("rules").forEach(r -> names.add(r.get("name").asString())));
    assertThat(names)
        .contains(
            "VpanelHostStuckEntering",
            "VpanelEvacuationNoProgress",
            "VpanelMaintenanceFailed",
            "VpanelPanelFailed",
            "VpanelAlertSourceUnreachable",
            "VpanelHaReserveLost",
            "VpanelJournalUnavailable",
            "vpanel:hosts:by_state");
    groups.forEach(
        g ->
            g.get("rules")
                .forEach(
                    r ->
                        assertThat(r.get("health").asString())
                            .as("health of %s: %s", r.get("name"), r.path("lastError"))
                            .isIn("ok", "unknown")));

    // It scrapes the agent.
    awaitScraped(port);
    assertThat(firing(port, "VpanelMaintenanceFailed")).isEmpty();

    AgentApi agentApi = new AgentApi(http, agent.url(), "sim-01", agent.token(), () -> "");
    assertThat(agentApi.maintenance("enter").statusCode()).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                host().state() == MaintenanceState.FAILED
                    || host().state() == MaintenanceState.IN_MAINTENANCE);
    assertThat(host().state())
        .as("the evacuation (reason: %s)", host().reason())
        .isEqualTo(MaintenanceState.FAILED);
    long failedAt = System.nanoTime();
    await()
        .atMost(wait)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> firing(port, "VpanelMaintenanceFailed"), hosts -> hosts.contains("sim-01"));
    System.out.printf(
        "PrometheusScrapeTest: VpanelMaintenanceFailed firing %d ms after the host went FAILED%n",
        (System.nanoTime() - failedAt) / 1_000_000);
    JsonNode alert = null;
    for (JsonNode a : api(port, "/api/v1/alerts").at("/data/alerts")) {
      if ("VpanelMaintenanceFailed".equals(a.at("/labels/alertname").asString())) {
        alert = a;
      }
    }
    assertThat(alert).isNotNull();
    assertThat(alert.at("/labels/severity").asString()).isEqualTo("critical");
    assertThat(alert.at("/annotations/summary").asString()).isEqualTo("sim-01 maintenance FAILED");
  }
}
