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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code docs/grafana/vpanel.json} parses, has its three sections, and every metric its PromQL
 * (panels, template variables, annotations) names is one a running agent's {@code /metrics} serves:
 * scraped during an evacuation (the ETA and progress) and after an evacuation and a return (the
 * counters and the histogram), with a journal (its health).
 */
class GrafanaDashboardTest {
  private static final Pattern METRIC = Pattern.compile("\\b(vpanel_[a-zA-Z0-9_]+)\\b");
  private static final Pattern SAMPLE =
      Pattern.compile("^(?:# TYPE )?([a-zA-Z_:][a-zA-Z0-9_:]*)", Pattern.MULTILINE);
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

  static Path dashboard() {
    return Path.of("..", "docs", "grafana", "vpanel.json").toAbsolutePath().normalize();
  }

  /** Every PromQL string in the dashboard: targets' expr, variables' queries, annotations. */
  static List<String> queries(JsonNode node) {
    List<String> found = new ArrayList<>();
    collect(node, found);
    return found;
  }

  private static void collect(JsonNode node, List<String> found) {
    if (node.isObject()) {
      for (var field : node.properties()) {
        String name = field.getKey();
        JsonNode value = field.getValue();
        if (value.isString() && Set.of("expr", "query", "definition").contains(name)) {
          found.add(value.asString());
        } else {
          collect(value, found);
        }
      }
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, found));
    }
  }

  private Set<String> scrapedNames() throws Exception {
    HttpResponse<String> scrape =
        http.send(
            HttpRequest.newBuilder(URI.create(agent.url() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(scrape.statusCode()).isEqualTo(200);
    Set<String> names = new TreeSet<>();
    Matcher m = SAMPLE.matcher(scrape.body());
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private MaintenanceState state() {
    return agent.engine().snapshot().host("sim-01").orElseThrow().maintenance().state();
  }

  @Test
  void everyMetricTheDashboardQueriesIsServedByAnAgent() throws Exception {
    JsonNode dash = JsonMapper.builder().build().readTree(dashboard().toFile());
    assertThat(dash.get("uid").asString()).isEqualTo("vpanel");
    List<String> rows = new ArrayList<>();
    dash.get("panels")
        .forEach(
            p -> {
              if ("row".equals(p.get("type").asString())) {
                rows.add(p.get("title").asString());
              }
            });
    assertThat(rows)
        .containsExactly("Cluster overview", "Evacuation of $host", "Migration throughput");
    List<String> queries = queries(dash);
    Set<String> referenced = new TreeSet<>();
    for (String query : queries) {
      Matcher m = METRIC.matcher(query);
      while (m.find()) {
        referenced.add(m.group(1));
      }
    }
    assertThat(referenced).hasSizeGreaterThan(15);

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
              nicGbps: 40
              streamGbps: 40
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
    Duration wait = Duration.ofSeconds(90);
    await().atMost(wait).until(() -> state() == MaintenanceState.OPERATIONAL);
    Set<String> served = new TreeSet<>(scrapedNames());
    assertThat(api.maintenance("enter").statusCode()).isEqualTo(202);
    // While guests move the evacuation has an ETA.
    await()
        .atMost(wait)
        .pollInterval(Duration.ofMillis(50))
        .until(this::scrapedNames, names -> names.contains("vpanel_evacuation_eta_seconds"));
    served.addAll(scrapedNames());
    await().atMost(wait).until(() -> state() == MaintenanceState.IN_MAINTENANCE);
    assertThat(api.maintenance("exit").statusCode()).isEqualTo(202);
    await().atMost(wait).until(() -> state() == MaintenanceState.OPERATIONAL);
    served.addAll(scrapedNames());

    assertThat(served)
        .as("metrics the dashboard queries (%s) that the agent serves", referenced)
        .containsAll(referenced);
  }
}
