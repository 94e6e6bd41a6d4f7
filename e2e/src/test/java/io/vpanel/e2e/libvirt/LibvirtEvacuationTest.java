package io.vpanel.e2e.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.agent.RunningAgent;
import io.vpanel.agent.Wiring;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.testkit.Poll;
import io.vpanel.testkit.SecretFile;
import io.vpanel.testkit.libvirt.TwoHosts;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole maintenance flow on two real libvirtd + QEMU (TCG) hosts in network namespaces: the
 * agent of host a runs in-process from a YAML configuration ({@code driver: libvirt}, peer b from
 * {@code management.peers}); a holds three idle guests and one memtest86+ guest that rewrites its
 * RAM. Where guests run is checked with virsh against each host, never through vpanel.
 *
 * <p>The tests share the hosts and the agent but not their order: each starts from a OPERATIONAL
 * with its four guests (checked before it) and leaves it so.
 */
class LibvirtEvacuationTest {
  private static final List<String> GUESTS = List.of("busy1", "idle1", "idle2", "idle3");
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final long MIB = 1024 * 1024;

  /** Per-migration cap and the NIC the agent is told about: the lower bound's link. */
  private static final long BANDWIDTH_MIB = 100;

  private static TwoHosts hosts;
  private static RunningAgent agent;
  private static final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private static final List<Sse> events = Collections.synchronizedList(new ArrayList<>());
  private static Thread sseReader;

  record Sse(long nanos, String event, JsonNode data) {}

  @BeforeAll
  static void start(@TempDir Path temp) throws Exception {
    hosts = TwoHosts.start("e2e");
    hosts.startBusyGuest('a', "busy1");
    for (String name : List.of("idle1", "idle2", "idle3")) {
      hosts.startIdleGuest('a', name);
    }
    Path token = temp.resolve("token");
    SecretFile.write(token, "e2e-libvirt-token-0123456789abcdef\n");
    Path config = temp.resolve("vpanel.yaml");
    double nicGbps = BANDWIDTH_MIB * MIB * 2 * 8 / 1e9; // room for two capped streams
    double streamGbps = BANDWIDTH_MIB * MIB * 8 / 1e9;
    String yaml =
        HostAConfig.yaml(
            hosts,
            List.of(
                "migrationBandwidthMiBps: " + BANDWIDTH_MIB,
                String.format(Locale.ROOT, "nicGbps: %.4f", nicGbps),
                String.format(Locale.ROOT, "streamGbps: %.4f", streamGbps),
                "shutdownTimeoutSeconds: 2",
                "forceOffAfterShutdownTimeout: true"),
            """
            panels:
              - driver: web
            api:
              listen: 127.0.0.1:0
              tokenFile: %s
            """
                .formatted(token));
    Files.writeString(config, yaml);
    agent = Wiring.startAgent(new ConfigLoader().parse(config, yaml));
    sseReader = Thread.ofPlatform().daemon().name("e2e-sse").start(LibvirtEvacuationTest::readSse);
    awaitUntil(() -> host("a").path("runningVms").asInt() == 4, "a reports its 4 guests", 60);
    awaitUntil(() -> host("b").path("hypervisorConnected").asBoolean(), "b connected", 60);
  }

  /** The state every test starts from and leaves behind. */
  @BeforeEach
  void fourGuestsOnAnOperationalA() {
    awaitUntil(() -> "OPERATIONAL".equals(state()), "a OPERATIONAL", 60);
    awaitUntil(() -> hosts.guests('a', true).equals(GUESTS), "a holding just its guests", 60);
    awaitUntil(() -> host("a").path("runningVms").asInt() == 4, "a reports its 4 guests", 60);
  }

  @AfterAll
  static void stop() {
    if (sseReader != null) {
      sseReader.interrupt();
    }
    if (agent != null) {
      agent.close();
    }
    if (hosts != null) {
      hosts.close();
    }
  }

  @Test
  void eventToPanelLatencyOverManyGuestStarts() throws Exception {
    hosts.startIdleGuest('a', "lat1");
    awaitUntil(() -> host("a").path("runningVms").asInt() == 5, "lat1 counted", 30);
    hosts.virsh('a', "destroy", "lat1");
    awaitUntil(() -> host("a").path("runningVms").asInt() == 4, "lat1 gone", 30);
    List<Double> fromStartMs = new ArrayList<>();
    List<Double> fromReturnMs = new ArrayList<>();
    try {
      measureLatency(fromStartMs, fromReturnMs);
    } finally {
      hosts.virshResult('a', "destroy", "lat1");
      hosts.virshResult('a', "undefine", "lat1");
    }
    System.out.printf(
        Locale.ROOT,
        "LATENCY event-to-panel (virsh start -> SSE runningVms), n=%d: from virsh launch p50 %.1f"
            + " ms p99 %.1f ms max %.1f ms; from virsh return p50 %.1f ms p99 %.1f ms%n",
        fromStartMs.size(),
        percentile(fromStartMs, 50),
        percentile(fromStartMs, 99),
        percentile(fromStartMs, 100),
        percentile(fromReturnMs, 50),
        percentile(fromReturnMs, 99));
    assertThat(fromStartMs).hasSize(30);
  }

  private static void measureLatency(List<Double> fromStartMs, List<Double> fromReturnMs) {
    for (int i = 0; i < 30; i++) {
      int mark = events.size();
      long before = System.nanoTime();
      hosts.virsh('a', "start", "lat1");
      long after = System.nanoTime();
      Sse seen = awaitHostEvent(mark, "a", 5);
      fromStartMs.add((seen.nanos() - before) / 1e6);
      fromReturnMs.add(Math.max(0, seen.nanos() - after) / 1e6);
      mark = events.size();
      hosts.virsh('a', "destroy", "lat1");
      awaitHostEvent(mark, "a", 4);
    }
  }

  @Test
  void enterThroughTheApiMovesEveryGuestToBAndExitBringsThemBack() throws Exception {
    restartBusyGuest();
    int mark = events.size();
    long t0 = System.nanoTime();
    HttpResponse<String> enter = post("/api/v1/hosts/a/maintenance", "{\"action\":\"enter\"}");
    assertThat(enter.statusCode()).as(enter.body()).isEqualTo(202);
    awaitInMaintenance();
    double makespan = (System.nanoTime() - t0) / 1e9;
    assertEvacuated();
    report("API", mark, makespan);

    post("/api/v1/hosts/a/maintenance", "{\"action\":\"exit\"}");
    awaitReturned();
  }

  @Test
  void aHeldButtonOnTheWebPanelEntersAndAnotherHoldExits() throws Exception {
    restartBusyGuest();
    int mark = events.size();
    long t0 = System.nanoTime();
    hold();
    awaitInMaintenance();
    double makespan = (System.nanoTime() - t0) / 1e9;
    assertEvacuated();
    report("button", mark, makespan);

    hold();
    awaitReturned();
  }

  @Test
  void aGuestThatCannotMigrateFollowsItsPolicy() throws Exception {
    try {
      shutDownAndBlockingGuests();
    } finally {
      for (String guest : List.of("pinned", "blocker")) {
        hosts.virshResult('a', "destroy", guest);
        hosts.virshResult('a', "undefine", guest);
      }
    }
  }

  private void shutDownAndBlockingGuests() throws Exception {
    Path disk = hosts.dir().resolve("a/guests/pinned.qcow2");
    Files.createDirectories(disk.getParent());
    exec("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "64M");
    exec("chown", "nobody:nogroup", disk.toString());
    String localDisk =
        "<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='"
            + disk
            + "'/><target dev='vda' bus='virtio'/></disk></devices>";
    hosts.startIdleGuest('a', "pinned", metadata("shutdown") + localDisk);
    awaitUntil(() -> host("a").path("runningVms").asInt() == 5, "pinned counted", 30);

    assertThat(post("/api/v1/hosts/a/maintenance", "{\"action\":\"enter\"}").statusCode())
        .isEqualTo(202);
    awaitInMaintenance();
    assertThat(hosts.virsh('a', "domstate", "pinned").strip()).isEqualTo("shut off");
    assertThat(hosts.guests('a', false)).isEmpty();
    assertThat(hosts.guests('b', false)).containsExactlyElementsOf(GUESTS);
    post("/api/v1/hosts/a/maintenance", "{\"action\":\"exit\"}");
    awaitUntil(
        () -> hosts.guests('a', false).size() == 5, "all five back on a, pinned started", 180);
    awaitUntil(() -> "OPERATIONAL".equals(state()), "OPERATIONAL", 60);

    hosts.virsh('a', "destroy", "pinned");
    hosts.virsh('a', "undefine", "pinned");
    hosts.startIdleGuest('a', "blocker", metadata("block"));
    awaitUntil(() -> host("a").path("runningVms").asInt() == 5, "blocker counted", 30);
    HttpResponse<String> refused = post("/api/v1/hosts/a/maintenance", "{\"action\":\"enter\"}");
    System.out.println("POLICY block: " + refused.statusCode() + " " + refused.body());
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(refused.body()).contains("NO-GO");
    assertThat(hosts.guests('a', false)).contains("blocker").containsAll(GUESTS);
    assertThat(state()).isEqualTo("OPERATIONAL");
  }

  // ------------------------------------------------------------------ helpers

  private static String metadata(String policy) {
    return "<metadata><vpanel:vm xmlns:vpanel='https://vpanel.io/xmlns/libvirt/1'><vpanel:policy>"
        + policy
        + "</vpanel:policy></vpanel:vm></metadata>";
  }

  /**
   * The web panel's button as its page sends it: pressed, held until the agent acts on it (its
   * maintenance state changes, after the 3 s confirm time), released.
   */
  private static void hold() throws Exception {
    String before = state();
    assertThat(post("/api/v1/hosts/a/panel/button", "{\"pressed\":true}").statusCode())
        .isEqualTo(202);
    awaitUntil(() -> !before.equals(state()), "the hold acted on (state left " + before + ")", 30);
    assertThat(post("/api/v1/hosts/a/panel/button", "{\"pressed\":false}").statusCode())
        .isEqualTo(202);
  }

  /**
   * Resets the memtest86+ guest and waits until it rewrites its memory again (from about 3 s after
   * boot), measured by QEMU's dirty-rate sampling, so that the evacuation meets a busy guest.
   */
  private static void restartBusyGuest() {
    hosts.virsh('a', "reset", "busy1");
    awaitUntil(() -> dirtyRateMbps("busy1") >= 50, "busy1 dirtying at least 50 MB/s", 60);
  }

  /**
   * One second of QEMU's page-sampling dirty-rate measurement (the dirty-bitmap mode crashes TCG).
   * The agent's own sampler measures the same guests; when its measurement is running, QEMU refuses
   * a second one and the test reads the sampler's result instead, which is as fresh.
   */
  private static long dirtyRateMbps(String guest) {
    // a measurement already running when this one starts counts as the new one
    String before =
        "1".equals(dirtyRateStat(guest, "calc_status"))
            ? "running"
            : dirtyRateStat(guest, "calc_start_time");
    TwoHosts.Result calc = hosts.virshResult('a', "domdirtyrate-calc", guest, "--seconds", "1");
    if (calc.code() != 0 && !calc.output().contains("already being measured")) {
      throw new AssertionError("virsh domdirtyrate-calc " + guest + " on a: " + calc.output());
    }
    Poll.atMost(Duration.ofSeconds(10))
        .until(
            "the dirty-rate measurement of " + guest,
            () ->
                "2".equals(dirtyRateStat(guest, "calc_status"))
                    && !dirtyRateStat(guest, "calc_start_time").equals(before));
    return Long.parseLong(dirtyRateStat(guest, "megabytes_per_second"));
  }

  /** One {@code dirtyrate.NAME} value of {@code virsh domstats --dirtyrate}, or "". */
  private static String dirtyRateStat(String guest, String name) {
    String prefix = "dirtyrate." + name + "=";
    return hosts
        .virsh('a', "domstats", guest, "--dirtyrate")
        .lines()
        .map(String::strip)
        .filter(line -> line.startsWith(prefix))
        .map(line -> line.substring(prefix.length()))
        .findFirst()
        .orElse("");
  }

  private static void awaitInMaintenance() {
    awaitUntil(
        () -> {
          String s = state();
          if ("FAILED".equals(s)) {
            throw new AssertionError("maintenance FAILED: " + host("a").path("maintenance"));
          }
          return "IN_MAINTENANCE".equals(s);
        },
        "IN_MAINTENANCE",
        300);
  }

  private static void assertEvacuated() {
    assertThat(hosts.guests('a', true)).as("virsh list --all on a").isEmpty();
    assertThat(hosts.guests('b', false)).as("virsh list on b").containsExactlyElementsOf(GUESTS);
    JsonNode a = host("a");
    assertThat(a.path("maintenance").path("safeToService").asBoolean()).isTrue();
    assertThat(a.path("runningVms").asInt()).isZero();
    assertThat(a.path("panel").path("lines").toString()).contains("SAFE TO SERVICE");
  }

  private static void awaitReturned() {
    awaitUntil(() -> "OPERATIONAL".equals(state()), "OPERATIONAL after exit", 300);
    awaitUntil(() -> hosts.guests('a', false).equals(GUESTS), "guests back on a", 60);
    assertThat(hosts.guests('b', true)).isEmpty();
  }

  /** Prints the makespan against its lower bounds, from the migrations' own reports. */
  private static void report(String how, int mark, double makespan) {
    List<JsonNode> done = new ArrayList<>();
    int concurrency = 0;
    synchronized (events) {
      for (Sse e : events.subList(mark, events.size())) {
        if (e.event().equals("migration")
            && "completed".equals(e.data().path("fields").path("event").asString())) {
          done.add(e.data().path("fields"));
        }
        if (e.event().equals("host") && e.data().path("name").asString().equals("a")) {
          concurrency =
              Math.max(
                  concurrency,
                  e.data().path("maintenance").path("progress").path("concurrency").asInt());
        }
      }
    }
    long bytes = done.stream().mapToLong(f -> f.path("bytesSent").asLong()).sum();
    double largest = done.stream().mapToDouble(f -> f.path("seconds").asDouble()).max().orElse(0);
    int rounds = done.stream().mapToInt(f -> f.path("rounds").asInt()).max().orElse(0);
    double link = BANDWIDTH_MIB * MIB * 2.0; // the NIC the agent was told: two capped streams
    double bound = Math.max(bytes / link, largest);
    System.out.printf(
        Locale.ROOT,
        "EVACUATION via %s: %d guests, makespan %.2f s (request to IN_MAINTENANCE); bytes sent %.1f"
            + " MiB; bytes/link (%d MiB/s) %.2f s; largest single migration %.2f s (%d rounds);"
            + " lower bound %.2f s; ratio %.2f; concurrency chosen %d; %s%n",
        how,
        done.size(),
        makespan,
        bytes / (double) MIB,
        (long) (link / MIB),
        bytes / link,
        largest,
        rounds,
        bound,
        makespan / bound,
        concurrency,
        done);
    assertThat(done).hasSize(GUESTS.size());
    assertThat(rounds).as("the memtest86+ guest needed several pre-copy rounds").isGreaterThan(2);
  }

  private static Sse awaitHostEvent(int mark, String name, int running) {
    Sse[] found = new Sse[1];
    awaitUntil(
        () -> {
          synchronized (events) {
            for (Sse e : events.subList(mark, events.size())) {
              if (e.event().equals("host")
                  && e.data().path("name").asString().equals(name)
                  && e.data().path("runningVms").asInt() == running) {
                found[0] = e;
                return true;
              }
            }
          }
          return false;
        },
        name + " with " + running + " running on the SSE stream",
        30);
    return found[0];
  }

  private static void readSse() {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(agent.url() + "/api/v1/events"))
              .header("Accept", "text/event-stream")
              .GET()
              .build();
      HttpResponse<java.io.InputStream> response =
          http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String event = "message";
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("event:")) {
            event = line.substring(6).strip();
          } else if (line.startsWith("data:")) {
            events.add(new Sse(System.nanoTime(), event, JSON.readTree(line.substring(5).strip())));
          }
        }
      }
    } catch (Exception e) {
      if (!Thread.currentThread().isInterrupted()) {
        System.out.println("SSE reader ended: " + e);
      }
    }
  }

  private static String state() {
    return host("a").path("maintenance").path("state").asString();
  }

  private static JsonNode host(String name) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(agent.url() + "/api/v1/hosts/" + name)).build(),
              HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(response.body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(agent.url() + path))
            .header("Authorization", "Bearer " + agent.token())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void exec(String... command) throws Exception {
    Process p = new ProcessBuilder(command).inheritIO().start();
    assertThat(p.waitFor()).as(String.join(" ", command)).isZero();
  }

  private static double percentile(List<Double> values, int p) {
    List<Double> sorted = values.stream().sorted().toList();
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  private static void awaitUntil(Callable<Boolean> condition, String what, int seconds) {
    Poll.atMost(Duration.ofSeconds(seconds))
        .ignoring(IllegalStateException.class)
        .until(what, condition);
  }
}
