package io.vpanel.e2e.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.e2e.AgentApi;
import io.vpanel.testkit.SecretFile;
import io.vpanel.testkit.libvirt.TwoHosts;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The agent of host a as a real process (its {@code Main} on the test class path, {@code driver:
 * libvirt}, a journal file) killed with SIGKILL at two points of an evacuation on two real libvirtd
 * + QEMU hosts: mid-migration (libvirtd carries the job on; the restarted agent takes it over or
 * re-queues the guest) and once IN_MAINTENANCE. Each guest must end on exactly one host, checked
 * with virsh, and the host must reach and keep IN_MAINTENANCE.
 */
class LibvirtAgentKillTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String TOKEN = "e2e-kill-token-0123456789abcdef";
  private static final List<String> GUESTS = List.of("busy1", "idle1", "idle2");

  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final List<Process> started = new ArrayList<>();
  private TwoHosts hosts;

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : started) {
      if (p.isAlive()) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (hosts != null) {
      hosts.close();
    }
  }

  @Test
  void anAgentKilledMidMigrationAndInMaintenanceLosesNoGuestAndMovesNoneTwice() throws Exception {
    hosts = TwoHosts.start("kill");
    hosts.startBusyGuest('a', "busy1");
    hosts.startIdleGuest('a', "idle1");
    hosts.startIdleGuest('a', "idle2");
    int port = AgentApi.freePort();
    Path token = dir.resolve("token");
    SecretFile.write(token, TOKEN);
    Path config = dir.resolve("vpanel.yaml");
    Files.writeString(
        config,
        HostAConfig.yaml(
            hosts,
            List.of("migrationBandwidthMiBps: 30"),
            """
            api:
              listen: 127.0.0.1:%d
              tokenFile: %s
              tokenName: e2e
            journal:
              path: %s
            """
                .formatted(port, token, dir.resolve("state/journal.db"))));
    String base = "http://127.0.0.1:" + port;

    // 1: kill -9 while a migration runs
    Process first = start(config);
    await(base, h -> h.path("runningVms").asInt() == 3, 90);
    HttpResponse<String> enter = api(base).maintenance("enter");
    assertThat(enter.statusCode()).as(enter.body()).isEqualTo(202);
    await(base, AgentApi::migrating, 120);
    first.destroyForcibly();
    assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
    String jobs = hosts.virshResult('a', "domjobinfo", "busy1").output();
    System.out.println("after kill -9 #1, busy1 on a: " + jobs.lines().limit(3).toList());
    assertExactlyOneHostEach(false);

    // 2: the restarted agent finishes from the journal; then kill -9 in maintenance
    Process second = start(config);
    JsonNode restored = await(base, h -> h.path("maintenance").isObject(), 90);
    assertThat(AgentApi.state(restored)).isIn("ENTERING", "IN_MAINTENANCE");
    JsonNode done = await(base, AgentApi.inState("IN_MAINTENANCE"), 300);
    assertThat(done.path("runningVms").asInt()).isZero();
    assertExactlyOneHostEach(true);
    second.destroyForcibly();
    assertThat(second.waitFor(10, TimeUnit.SECONDS)).isTrue();

    // 3: IN_MAINTENANCE survives; virsh agrees nothing runs on a
    Process third = start(config);
    JsonNode again = await(base, h -> h.path("maintenance").path("safeToService").asBoolean(), 90);
    assertThat(again.path("maintenance").path("state").asString()).isEqualTo("IN_MAINTENANCE");
    assertExactlyOneHostEach(true);
    third.destroy(); // SIGTERM: a clean stop
    assertThat(third.waitFor(20, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
  }

  /** Every guest is active on exactly one host (paused-incoming counts for neither). */
  private void assertExactlyOneHostEach(boolean allOnB) {
    for (String guest : GUESTS) {
      boolean onA = running(hosts.virshResult('a', "domstate", guest));
      boolean onB = running(hosts.virshResult('b', "domstate", guest));
      assertThat(onA ^ onB)
          .as(guest + " runs on exactly one host (a=" + onA + ", b=" + onB + ")")
          .isTrue();
      if (allOnB) {
        assertThat(onB).as(guest + " on b").isTrue();
        assertThat(hosts.guests('a', true)).doesNotContain(guest);
      }
    }
  }

  private static boolean running(TwoHosts.Result state) {
    return state.code() == 0 && state.output().strip().startsWith("running");
  }

  private Process start(Path config) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process process =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "io.vpanel.agent.Main",
                "agent",
                "--config",
                config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("agent-" + started.size() + ".log").toFile())
            .start();
    started.add(process);
    return process;
  }

  private AgentApi api(String base) {
    return new AgentApi(http, base, "a", TOKEN, () -> "log: " + lastLog());
  }

  private JsonNode await(String base, Predicate<JsonNode> condition, int seconds) {
    return api(base).await(condition, seconds);
  }

  private String lastLog() {
    try {
      Path log = dir.resolve("agent-" + (started.size() - 1) + ".log");
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (Exception e) {
      return "(no log)";
    }
  }
}
