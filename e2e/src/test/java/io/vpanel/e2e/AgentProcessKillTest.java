package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.testkit.SecretFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged agent killed with SIGKILL mid-evacuation and started again on the same journal.
 *
 * <p>With the {@code sim} driver the simulated cluster lives inside the agent's process, so a real
 * restart regenerates it: every guest is back on its first host and no migration survives. This
 * test therefore proves what survives a real kill -9 of the process (the maintenance state, the
 * run, the journal) and that the restarted agent finishes the evacuation against what the
 * hypervisor reports; taking over migrations still running is proven on the simulator with a
 * virtual clock ({@code journal}'s {@code CrashResumeTest}). Runs the packaged {@code
 * agent/target/vpanel.jar}, which the reactor builds before this module.
 */
class AgentProcessKillTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String TOKEN = "kill-test-token-0123456789";

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aKilledAgentResumesTheEvacuationAndKeepsTheMaintenanceState() throws Exception {
    // The e2e module runs after the agent is packaged in the reactor build.
    Path jar = Path.of("../agent/target/vpanel.jar").toAbsolutePath().normalize();
    assertThat(jar)
        .as("the packaged agent; build it with ./mvnw -pl agent -am package")
        .isRegularFile();
    int port = AgentApi.freePort();
    Path token = dir.resolve("token");
    SecretFile.write(token, TOKEN);
    Path config = dir.resolve("vpanel.yaml");
    Files.writeString(
        config,
        """
        host:
          name: sim-01
        hypervisor:
          driver: sim
          seed: 5
          hosts: 4
          vms: 24
          nicGbps: 10
          streamGbps: 4
        api:
          listen: 127.0.0.1:%d
          tokenFile: %s
          tokenName: ci
        journal:
          path: %s
        """
            .formatted(port, token, dir.resolve("state/journal.db")));
    String base = "http://127.0.0.1:" + port;

    Process first = start(jar, config);
    try {
      JsonNode before = await(base, h -> h.path("runningVms").asInt() > 0, 60);
      assertThat(before.path("runningVms").asInt()).isPositive();
      HttpResponse<String> enter = api(base).maintenance("enter");
      assertThat(enter.statusCode()).as(enter.body()).isEqualTo(202);
      await(base, h -> AgentApi.inState("ENTERING").test(h) && AgentApi.migrating(h), 120);
    } finally {
      first.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL
    }

    Process second = start(jar, config);
    try {
      JsonNode restored = await(base, h -> true, 60);
      assertThat(AgentApi.state(restored))
          .as("the state after kill -9")
          .isIn("ENTERING", "IN_MAINTENANCE");
      JsonNode done = await(base, AgentApi.inState("IN_MAINTENANCE"), 300);
      assertThat(done.path("runningVms").asInt()).isZero();
      assertThat(done.path("maintenance").path("safeToService").asBoolean()).isTrue();
      JsonNode journal = get(base + "/api/v1/hosts/sim-01/journal?limit=1000");
      List<String> messages =
          journal.path("entries").valueStream().map(e -> e.path("message").asString()).toList();
      assertThat(messages).anyMatch(m -> m.contains("restored ENTERING from the journal"));
      assertThat(messages).anyMatch(m -> m.contains("resumed evacuation after a restart"));
      assertThat(journal.path("entries").valueStream())
          .anyMatch(e -> e.path("fields").path("origin").asString().equals("api:ci"));
      HttpResponse<String> jsonl =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/hosts/sim-01/journal?format=jsonl"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(jsonl.headers().firstValue("Content-Type")).get().asString().contains("ndjson");
      assertThat(jsonl.body().lines()).allSatisfy(line -> JSON.readTree(line).has("kind"));
      assertThat(jsonl.body()).doesNotContain(TOKEN);
    } finally {
      second.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    // IN_MAINTENANCE survives a kill -9 too. The regenerated simulator has every guest back on
    // sim-01, so the agent must not say SAFE TO SERVICE.
    Process third = start(jar, config);
    try {
      JsonNode host = await(base, h -> h.path("capacity").isObject() || true, 60);
      assertThat(host.path("maintenance").path("state").asString()).isEqualTo("IN_MAINTENANCE");
      JsonNode read = await(base, h -> h.path("runningVms").asInt() > 0, 60);
      assertThat(read.path("maintenance").path("safeToService").asBoolean()).isFalse();
      // SIGTERM: a clean stop.
      third.destroy();
      assertThat(third.waitFor(20, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    } finally {
      third.destroyForcibly();
    }
  }

  private Process start(Path jar, Path config) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process process =
        new ProcessBuilder(java, "-jar", jar.toString(), "agent", "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("agent-" + System.nanoTime() + ".log").toFile())
            .start();
    return process;
  }

  private JsonNode get(String url) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private AgentApi api(String base) {
    return new AgentApi(http, base, "sim-01", TOKEN, () -> "");
  }

  private JsonNode await(String base, Predicate<JsonNode> condition, int seconds) {
    return api(base).await(condition, seconds);
  }
}
