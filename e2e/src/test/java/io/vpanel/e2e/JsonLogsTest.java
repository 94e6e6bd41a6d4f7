package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.testkit.Poll;
import io.vpanel.testkit.SecretFile;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged agent with {@code logging.format: json}: every line it writes to standard error is
 * one JSON object; an evacuation logs one event per state change and one per migration start and
 * outcome, with the host, guest and destination as keys; progress samples stay out at INFO; the
 * token never appears.
 */
class JsonLogsTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String TOKEN = "json-logs-token-0123456789";

  @TempDir Path dir;

  @Test
  void anEvacuationLogsOneJsonEventPerStateChangeAndPerMigrationOutcome() throws Exception {
    Path jar = Path.of("../agent/target/vpanel.jar").toAbsolutePath().normalize();
    assertThat(jar)
        .as("the packaged agent; build it with ./mvnw -pl agent -am package")
        .isRegularFile();
    int port = AgentApi.freePort();
    Path token = SecretFile.write(dir.resolve("token"), TOKEN);
    Path config =
        Files.writeString(
            dir.resolve("vpanel.yaml"),
            """
            host:
              name: sim-01
            hypervisor:
              driver: sim
              seed: 5
              hosts: 3
              vms: 9
              nicGbps: 40
              streamGbps: 20
              tickMillis: 50
            api:
              listen: 127.0.0.1:%d
              tokenFile: %s
              tokenName: ci
            logging:
              format: json
            """
                .formatted(port, token));
    Path stderr = dir.resolve("stderr.log");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process agent =
        new ProcessBuilder(java, "-jar", jar.toString(), "agent", "--config", config.toString())
            .redirectOutput(dir.resolve("stdout.log").toFile())
            .redirectError(stderr.toFile())
            .start();
    HttpClient http = HttpClient.newHttpClient();
    try {
      AgentApi api =
          new AgentApi(http, "http://127.0.0.1:" + port, "sim-01", TOKEN, () -> tail(stderr));
      int guests = api.await(h -> h.path("runningVms").asInt() > 0, 60).path("runningVms").asInt();
      HttpResponse<String> enter = api.maintenance("enter");
      assertThat(enter.statusCode()).as(enter.body()).isEqualTo(202);
      api.await(AgentApi.inState("IN_MAINTENANCE"), 120);
      // The last lines are written on the owner thread right after the state changes.
      List<JsonNode> events =
          Poll.atMost(Duration.ofSeconds(10))
              .every(Duration.ofMillis(100))
              .until(
                  "the IN_MAINTENANCE event in the log",
                  () -> events(stderr),
                  all ->
                      all.stream().anyMatch(e -> "IN_MAINTENANCE".equals(e.path("to").asString())));

      List<JsonNode> states = kind(events, "maintenance");
      assertThat(states)
          .extracting(e -> e.path("from").asString() + "->" + e.path("to").asString())
          .containsSubsequence("OPERATIONAL->ENTERING", "ENTERING->IN_MAINTENANCE");
      assertThat(states).allSatisfy(e -> assertThat(e.path("host").asString()).isEqualTo("sim-01"));
      assertThat(states.getFirst().path("origin").asString()).isEqualTo("api:ci");

      List<JsonNode> migrations = kind(events, "migration");
      List<JsonNode> completed =
          migrations.stream().filter(e -> "completed".equals(e.path("event").asString())).toList();
      assertThat(completed).as("one outcome per guest moved").hasSize(guests);
      assertThat(completed)
          .allSatisfy(
              e -> {
                assertThat(e.path("vm").asString()).startsWith("vm-");
                assertThat(e.path("destination").asString()).isIn("sim-02", "sim-03");
                assertThat(e.path("bytesSent").isNumber()).isTrue();
                assertThat(e.path("level").asString()).isEqualTo("info");
              });
      assertThat(migrations.stream().filter(e -> "started".equals(e.path("event").asString())))
          .hasSize(guests);
      assertThat(migrations).noneMatch(e -> "progress".equals(e.path("event").asString()));
      assertThat(Files.readString(stderr)).doesNotContain(TOKEN);
    } finally {
      agent.destroy();
      if (!agent.waitFor(20, TimeUnit.SECONDS)) {
        agent.destroyForcibly();
      }
      http.close();
    }
    // Every line, including those of the shutdown, is one JSON object.
    assertThat(Files.readAllLines(stderr))
        .isNotEmpty()
        .allSatisfy(line -> assertThat(JSON.readTree(line).isObject()).as(line).isTrue());
  }

  private static List<JsonNode> kind(List<JsonNode> events, String kind) {
    return events.stream().filter(e -> kind.equals(e.path("kind").asString())).toList();
  }

  /** The log's complete lines as JSON (a line still being written is left for the next read). */
  private static List<JsonNode> events(Path stderr) throws IOException {
    String text = Files.readString(stderr);
    List<JsonNode> out = new ArrayList<>();
    int end = text.lastIndexOf('\n');
    if (end < 0) {
      return out;
    }
    for (String line : text.substring(0, end).split("\n")) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
