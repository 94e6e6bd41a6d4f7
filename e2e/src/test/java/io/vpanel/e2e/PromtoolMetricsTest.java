package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.agent.RunningAgent;
import io.vpanel.agent.Wiring;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.testkit.SecretFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code promtool check metrics} (Debian {@code prometheus}) on a running agent's {@code /metrics}
 * after an evacuation and a return, with a journal and an alert source (an {@code ipmitool} that
 * always fails), so that every counter, histogram and health gauge has samples: the names and types
 * follow Prometheus' conventions (no counter typed as a gauge, {@code _total} on counters, units in
 * names).
 */
class PromtoolMetricsTest {
  @TempDir Path temp;
  private RunningAgent agent;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    http.close();
  }

  private static Optional<Path> promtool() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path candidate = Path.of(dir, "promtool");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private MaintenanceState state() {
    return agent.engine().snapshot().host("sim-01").orElseThrow().maintenance().state();
  }

  @Test
  void theAgentsMetricsPassPromtoolsLint() throws Exception {
    Optional<Path> promtool = promtool();
    Assumptions.assumeTrue(
        promtool.isPresent(),
        "no promtool on PATH (Debian package prometheus; ./test installs it): skipped");
    Path token = SecretFile.write(temp.resolve("token"), "e2e-token-0123456789abcdef");
    Path config =
        Files.writeString(
            temp.resolve("agent.yaml"),
            """
            host:
              name: sim-01
            hypervisor:
              driver: sim
              seed: 5
              hosts: 3
              vms: 6
              tickMillis: 50
              nicGbps: 1000
              streamGbps: 1000
            panels:
              - driver: web
            api:
              listen: 127.0.0.1:0
              tokenFile: %s
            journal:
              path: %s
            alerts:
              - driver: ipmi
                ipmitool: /bin/false
            """
                .formatted(token, temp.resolve("journal.db")));
    agent = Wiring.startAgent(new ConfigLoader().load(config));
    AgentApi api = new AgentApi(http, agent.url(), "sim-01", agent.token(), () -> "");
    Duration wait = Duration.ofSeconds(60);
    await().atMost(wait).until(() -> state() == MaintenanceState.OPERATIONAL);
    assertThat(api.maintenance("enter").statusCode()).isEqualTo(202);
    await().atMost(wait).until(() -> state() == MaintenanceState.IN_MAINTENANCE);
    assertThat(api.maintenance("exit").statusCode()).isEqualTo(202);
    await().atMost(wait).until(() -> state() == MaintenanceState.OPERATIONAL);

    HttpResponse<String> scrape =
        http.send(
            HttpRequest.newBuilder(URI.create(agent.url() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(scrape.statusCode()).isEqualTo(200);
    String metrics = scrape.body();
    assertThat(metrics)
        .contains("# TYPE vpanel_migrations_total counter")
        .contains("# TYPE vpanel_sse_dropped_events_total counter")
        .contains("# TYPE vpanel_migrations_started_total counter")
        .contains("vpanel_journal_up{host=\"sim-01\"} 1")
        .contains("vpanel_alert_source_up{host=\"sim-01\",source=\"ipmi\"} ")
        .contains("vpanel_host_ha_status{host=\"sim-01\",status=")
        .contains("vpanel_evacuation_vms_left{host=\"sim-01\"} 0")
        .contains("vpanel_build_info{java_version=")
        .doesNotContain("# TYPE vpanel_sse_dropped_events gauge");

    Path out = temp.resolve("promtool.out");
    Process check =
        new ProcessBuilder(List.of(promtool.get().toString(), "check", "metrics"))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    check.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
    check.getOutputStream().close();
    assertThat(check.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    String problems = Files.readString(out);
    assertThat(problems).as("promtool check metrics said").isBlank();
    assertThat(check.exitValue()).as("promtool's exit status; it said:\n%s", problems).isZero();
  }
}
