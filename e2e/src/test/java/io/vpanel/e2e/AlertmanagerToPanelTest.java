package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.agent.RunningAgent;
import io.vpanel.agent.Wiring;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.testkit.SecretFile;
import io.vpanel.web.ApiTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Alertmanager to the panel, against a real Alertmanager: an agent started from YAML (sim
 * hypervisor, web panel, a tokens file with a {@code notifier} token for Alertmanager) and an
 * Alertmanager whose route sends to the agent's receiver with that token as {@code
 * http_config.authorization}. An alert posted to Alertmanager's API appears as a notice in {@code
 * GET /api/v1/hosts/sim-01} and on the web panel's lines; Alertmanager's repeated notifications do
 * not duplicate it; resolved, it leaves both. Repeated {@code vpanel.e2e.alertmanagerRounds} times
 * (default 10) to measure the time from the post to Alertmanager to the panel showing it.
 */
class AlertmanagerToPanelTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String ADMIN = "e2e-admin-token-0123456789abcdef";
  private static final String NOTIFIER = "e2e-alertmanager-token-0123456789";

  @TempDir Path temp;
  private RunningAgent agent;
  private AlertmanagerProcess alertmanager;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (alertmanager != null) {
      alertmanager.close();
    }
    if (agent != null) {
      agent.close();
    }
    http.close();
  }

  private static Path secret(Path file, String text) throws Exception {
    SecretFile.write(file, text);
    return file;
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> reply =
        http.send(
            HttpRequest.newBuilder(URI.create(agent.url() + path))
                .header("Authorization", "Bearer " + ADMIN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
    return JSON.readTree(reply.body());
  }

  private List<JsonNode> notices(String text) throws Exception {
    return StreamSupport.stream(get("/api/v1/hosts/sim-01").path("notices").spliterator(), false)
        .filter(n -> n.path("text").asString().equals(text))
        .toList();
  }

  private String panelLines() throws Exception {
    JsonNode state = get("/api/v1/hosts/sim-01/panel").path("state");
    return StreamSupport.stream(state.path("lines").spliterator(), false)
        .map(JsonNode::asString)
        .reduce("", (a, b) -> a + "\n" + b);
  }

  private static String alert(
      String name, String summary, Instant startsAt, Optional<Instant> endsAt) {
    return """
        [{"labels":{"alertname":"%s","instance":"sim-01:9100","job":"node","severity":"critical"},
          "annotations":{"summary":"%s","description":"raised by the vpanel e2e test"},
          "startsAt":"%s"%s,
          "generatorURL":"http://127.0.0.1/e2e"}]
        """
        .formatted(
            name, summary, startsAt, endsAt.map(t -> ",\"endsAt\":\"" + t + "\"").orElse(""));
  }

  @Test
  void anAlertPostedToAlertmanagerIsShownOnThePanelOnceAndLeavesWhenResolved() throws Exception {
    Optional<Path> binary = AlertmanagerProcess.binary();
    Assumptions.assumeTrue(
        binary.isPresent(),
        "no alertmanager binary on PATH (Debian package prometheus-alertmanager; ./test installs"
            + " it): the Alertmanager end-to-end test is skipped");

    Path tokens =
        secret(
            temp.resolve("tokens"),
            "root admin "
                + ApiTokens.hash(ADMIN)
                + "\nalertmanager notifier "
                + ApiTokens.hash(NOTIFIER)
                + "\n");
    Path config =
        Files.writeString(
            temp.resolve("agent.yaml"),
            """
            host:
              name: sim-01
            hypervisor:
              driver: sim
              seed: 11
              hosts: 3
              vms: 6
            panels:
              - driver: web
            api:
              listen: 127.0.0.1:0
              tokensFile: %s
              readsNeedToken: true
              alertmanager:
                hostLabels: [host, instance, hostname]
                noticeTtlMinutes: 60
            """
                .formatted(tokens));
    agent = Wiring.startAgent(new ConfigLoader().load(config));
    Duration wait = Duration.ofSeconds(60);
    await()
        .atMost(wait)
        .until(
            () ->
                agent
                    .engine()
                    .snapshot()
                    .host("sim-01")
                    .map(h -> h.maintenance().state() == MaintenanceState.OPERATIONAL)
                    .orElse(false));

    // Alertmanager reads the notifier token from a file of its own, mode 600.
    Path credentials = secret(temp.resolve("alertmanager-token"), NOTIFIER + "\n");
    alertmanager =
        AlertmanagerProcess.start(
            binary.get(),
            temp.resolve("alertmanager"),
            """
            route:
              receiver: vpanel
              group_by: [alertname, instance]
              group_wait: 50ms
              group_interval: 200ms
              repeat_interval: 1s
            receivers:
              - name: vpanel
                webhook_configs:
                  - url: %s/api/v1/alertmanager
                    send_resolved: true
                    http_config:
                      authorization:
                        type: Bearer
                        credentials_file: %s
            """
                .formatted(agent.url(), credentials));

    int rounds = Integer.getInteger("vpanel.e2e.alertmanagerRounds", 10);
    List<Long> toApi = new ArrayList<>();
    List<Long> toPanel = new ArrayList<>();
    List<Long> toRemoval = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      String name = "VpanelE2eDisk" + round;
      String summary = "E2E DISK " + round;
      Instant startsAt = Instant.now().minusSeconds(5);
      long t0 = System.nanoTime();
      alertmanager.postAlerts(alert(name, summary, startsAt, Optional.empty()));
      long[] seenAt = {-1, -1};
      int current = round;
      await()
          .atMost(wait)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(5))
          .untilAsserted(
              () -> {
                // Each time is taken once its answer is in: an upper bound.
                if (seenAt[0] < 0 && !notices(summary).isEmpty()) {
                  seenAt[0] = System.nanoTime();
                }
                if (seenAt[1] < 0 && panelLines().contains("CRIT: " + summary)) {
                  seenAt[1] = System.nanoTime();
                }
                assertThat(seenAt[0])
                    .as("round %d: the API shows the notice", current)
                    .isPositive();
                assertThat(seenAt[1]).as("round %d: the panel shows it", current).isPositive();
              });
      toApi.add((seenAt[0] - t0) / 1_000_000);
      toPanel.add((seenAt[1] - t0) / 1_000_000);

      JsonNode notice = notices(summary).get(0);
      assertThat(notice.path("severity").asString()).isEqualTo("critical");
      assertThat(notice.path("from").asString()).isEqualTo("alertmanager:vpanel");
      // Alertmanager sends a firing alert without its end: the configured hour applies.
      assertThat(
              Duration.between(
                  Instant.parse(notice.path("at").asString()),
                  Instant.parse(notice.path("expiresAt").asString())))
          .isEqualTo(Duration.ofMinutes(60));

      if (round == 0) {
        // Alertmanager repeats the notification (repeat_interval 1s): one notice all along.
        long sent = alertmanager.webhookNotifications("alertmanager_notifications_total");
        await()
            .atMost(wait)
            .until(
                () ->
                    alertmanager.webhookNotifications("alertmanager_notifications_total")
                        >= sent + 3);
        assertThat(notices(summary))
            .as("after repeated notifications")
            .singleElement()
            .satisfies(
                n -> assertThat(n.path("id").asString()).isEqualTo(notice.path("id").asString()));
        // The same alert posted again to Alertmanager (as Prometheus re-sends it): still one.
        alertmanager.postAlerts(alert(name, summary, startsAt, Optional.empty()));
        long again = alertmanager.webhookNotifications("alertmanager_notifications_total");
        await()
            .atMost(wait)
            .until(
                () ->
                    alertmanager.webhookNotifications("alertmanager_notifications_total")
                        >= again + 2);
        assertThat(notices(summary)).hasSize(1);
        assertThat(alertmanager.webhookNotifications("alertmanager_notifications_failed_total"))
            .as("notifications the receiver refused:\n%s", alertmanager.log())
            .isZero();
      }

      // Resolved: an end in the past.
      long r0 = System.nanoTime();
      alertmanager.postAlerts(
          alert(name, summary, startsAt, Optional.of(Instant.now().minusMillis(100))));
      await()
          .atMost(wait)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(5))
          .until(() -> notices(summary).isEmpty() && !panelLines().contains(summary));
      toRemoval.add((System.nanoTime() - r0) / 1_000_000);
    }
    assertThat(alertmanager.webhookNotifications("alertmanager_notifications_failed_total"))
        .as("notifications the receiver refused:\n%s", alertmanager.log())
        .isZero();
    assertThat(get("/api/v1/hosts/sim-01").path("notices")).isEmpty();
    HttpResponse<String> metrics =
        http.send(
            HttpRequest.newBuilder(URI.create(agent.url() + "/metrics"))
                .header("Authorization", "Bearer " + ADMIN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    java.util.regex.Matcher withdrawn =
        java.util.regex.Pattern.compile(
                "vpanel_alertmanager_alerts_total\\{outcome=\"withdrawn\"\\} ([0-9.]+)")
            .matcher(metrics.body());
    assertThat(withdrawn.find()).as(metrics.body()).isTrue();
    assertThat(Double.parseDouble(withdrawn.group(1))).isEqualTo(rounds);

    System.out.printf(
        "alertmanager e2e over %d alerts (group_wait 50ms, group_interval 200ms): post to"
            + " Alertmanager -> GET /hosts shows the notice p50 %d ms p99 %d ms max %d ms; -> web"
            + " panel lines show it p50 %d ms p99 %d ms max %d ms; resolved -> removed p50 %d ms"
            + " p99 %d ms max %d ms%n",
        rounds,
        percentile(toApi, 50),
        percentile(toApi, 99),
        percentile(toApi, 100),
        percentile(toPanel, 50),
        percentile(toPanel, 99),
        percentile(toPanel, 100),
        percentile(toRemoval, 50),
        percentile(toRemoval, 99),
        percentile(toRemoval, 100));
    System.out.println(
        "alertmanager e2e raw ms, api: " + toApi + " panel: " + toPanel + " removal: " + toRemoval);
  }

  @Test
  void theShippedSampleRouteIsAValidAlertmanagerConfiguration() throws Exception {
    Optional<Path> amtool =
        AlertmanagerProcess.binary()
            .map(b -> b.resolveSibling("amtool"))
            .filter(Files::isExecutable);
    Assumptions.assumeTrue(
        amtool.isPresent(), "no amtool beside the alertmanager binary: the check is skipped");
    Path sample = Path.of("..", "docs", "prometheus", "alertmanager.yml").toAbsolutePath();
    assertThat(sample).exists();
    Path out = temp.resolve("amtool.out");
    Process check =
        new ProcessBuilder(amtool.get().toString(), "check-config", sample.toString())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertThat(check.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(check.exitValue()).as(Files.readString(out)).isZero();
    assertThat(Files.readString(out)).contains("SUCCESS");
  }

  private static long percentile(List<Long> values, int p) {
    List<Long> sorted = values.stream().sorted().toList();
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}
