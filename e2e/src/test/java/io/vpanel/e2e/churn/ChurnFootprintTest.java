package io.vpanel.e2e.churn;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.e2e.AgentApi;
import io.vpanel.testkit.Poll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An hour of churn on the agent of one host, compressed on the simulator: the packaged agent (the
 * staged package's runtime, JVM options and jar, {@code packaging/target/deb-root}) of sim-01 with
 * the web panel and the journal, and, per simulated five minutes (a block), 60 guest stop-and-start
 * cycles of its own guests (one every 5 s), 30 SSE clients that connect, take the first frame and
 * go (one every 10 s), and one evacuation through the API and its return. Twelve blocks: 720 guest
 * cycles, 360 SSE clients, 12 evacuations and returns, what an hour of light use brings.
 *
 * <p>RSS after a full GC is read after the three warm-up blocks and after the last one; the end
 * must not exceed the warm-up figure by more than {@link #TOLERANCE} (a leak of a few KiB per
 * event, or per client, fails it). Every client left (the agent counts 0 streams at the end).
 */
class ChurnFootprintTest {
  private static final Path LIB =
      Path.of("../packaging/target/deb-root/usr/lib/vpanel").toAbsolutePath().normalize();
  private static final Path TEST_CLASSES = Path.of("target/test-classes").toAbsolutePath();
  private static final int BLOCKS = 12;
  private static final int WARM_UP_BLOCKS = 3;
  private static final int CYCLES_PER_BLOCK = 60;
  private static final int CLIENTS_PER_BLOCK = 30;

  /** Growth allowed between the warm-up and the end: 10 % of the warm-up RSS. */
  private static final double TOLERANCE = 0.10;

  private static final String TOKEN = "churn-token-0123456789abcdef";

  @Test
  void anHourOfChurnLeavesTheRssWhereTheWarmUpLeftIt(@TempDir Path dir) throws Exception {
    assertThat(LIB.resolve("runtime/bin/java"))
        .as("the staged package: ./mvnw -pl packaging -am package")
        .exists();
    Path churn = Files.createDirectory(dir.resolve("churn"));
    Path token = dir.resolve("token");
    Files.writeString(token, TOKEN);
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    int port = AgentApi.freePort();
    Path config = dir.resolve("vpanel.yaml");
    Files.writeString(
        config,
        """
        host:
          name: sim-01
        hypervisor:
          driver: churn-sim
          hosts: 4
          vms: 24
          nicGbps: 400
          streamGbps: 200
        panels:
          - driver: web
        api:
          listen: 127.0.0.1:%d
          tokenFile: %s
        journal:
          path: %s
        """
            .formatted(port, token, dir.resolve("journal.db")));
    Path options = dir.resolve("jvm.options");
    Files.writeString(
        options,
        Files.readString(LIB.resolve("jvm.options")).replace("/usr/lib/vpanel/", LIB + "/"));
    Path log = dir.resolve("agent.log");
    Process agent =
        new ProcessBuilder(
                LIB.resolve("runtime/bin/java").toString(),
                "@" + options,
                "-Dvpanel.churn.dir=" + churn,
                "-cp",
                LIB.resolve("vpanel.jar") + ":" + TEST_CLASSES,
                "io.vpanel.agent.Main",
                "agent",
                "--config",
                config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    String base = "http://127.0.0.1:" + port;
    HttpClient http = HttpClient.newHttpClient();
    AgentApi host = new AgentApi(http, base, "sim-01", TOKEN, () -> tail(log));
    try {
      int guests =
          host.await(h -> h.path("runningVms").asInt() > 0, 120).path("runningVms").asInt();
      List<String> report = new ArrayList<>();
      double warm = 0;
      AtomicInteger clients = new AtomicInteger();
      AtomicInteger refusals = new AtomicInteger();
      for (int block = 1; block <= BLOCKS; block++) {
        long cyclesBefore = count(churn);
        Files.writeString(churn.resolve("on"), "");
        CompletableFuture<Void> sse =
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < CLIENTS_PER_BLOCK; i++) {
                    // one client every CYCLES_PER_BLOCK / CLIENTS_PER_BLOCK guest cycles, as an
                    // hour brings them, not a burst: the agent notices a stream is gone only
                    // when it writes to it, and a burst of 30 met the 16 it serves one address
                    long due = cyclesBefore + (long) i * CYCLES_PER_BLOCK / CLIENTS_PER_BLOCK;
                    Poll.atMost(Duration.ofSeconds(120))
                        .until("guest cycle " + due, () -> count(churn) >= due);
                    refusals.addAndGet(firstFrame(http, base));
                    clients.incrementAndGet();
                  }
                });
        Poll.atMost(Duration.ofSeconds(120))
            .until(
                "block of " + CYCLES_PER_BLOCK + " guest cycles",
                () -> count(churn) >= cyclesBefore + CYCLES_PER_BLOCK);
        sse.get(120, TimeUnit.SECONDS);
        Files.delete(churn.resolve("on"));
        Poll.atMost(Duration.ofSeconds(30))
            .until("the churn pauses", () -> Files.exists(churn.resolve("idle")));
        // every guest running again before the evacuation
        host.await(h -> h.path("runningVms").asInt() == guests, 30);

        HttpResponse<String> enter = host.maintenance("enter");
        assertThat(enter.statusCode()).as(enter.body()).isEqualTo(202);
        host.await(
            h -> {
              if ("FAILED".equals(AgentApi.state(h))) {
                throw new AssertionError("maintenance FAILED: " + h.path("maintenance"));
              }
              return "IN_MAINTENANCE".equals(AgentApi.state(h));
            },
            180);
        assertThat(host.maintenance("exit").statusCode()).isEqualTo(202);
        host.await(
            h -> "OPERATIONAL".equals(AgentApi.state(h)) && h.path("runningVms").asInt() == guests,
            180);

        double rss = rssAfterGc(agent.pid());
        report.add(String.format(Locale.ROOT, "%d:%.1f", block, rss));
        if (block == WARM_UP_BLOCKS) {
          warm = rss;
        }
      }
      double end = rssAfterGc(agent.pid());
      Poll.atMost(Duration.ofSeconds(30))
          .until("every SSE client gone", () -> metric(http, base, "vpanel_sse_clients") == 0);
      System.out.printf(
          Locale.ROOT,
          "CHURN: %d guest cycles, %d SSE clients (%d times refused, 503, and back), %d"
              + " evacuations and returns; RSS MiB after GC per block %s; after warm-up %.1f, at"
              + " the end %.1f (%+.1f %%, allowed +%.0f %%)%n",
          count(churn),
          clients.get(),
          refusals.get(),
          BLOCKS,
          String.join(" ", report),
          warm,
          end,
          100 * (end - warm) / warm,
          100 * TOLERANCE);
      assertThat(count(churn)).isGreaterThanOrEqualTo((long) BLOCKS * CYCLES_PER_BLOCK);
      assertThat(end)
          .as("RSS at the end vs after the warm-up")
          .isLessThanOrEqualTo(warm * (1 + TOLERANCE));
    } finally {
      agent.destroy();
      if (!agent.waitFor(30, TimeUnit.SECONDS)) {
        agent.destroyForcibly();
      }
    }
  }

  /**
   * A client that connects to the event stream, reads the first frame and goes away; refused (503:
   * too many streams open), it comes back as the web panel does. Returns how often it was refused.
   */
  private static int firstFrame(HttpClient http, String base) {
    AtomicInteger refused = new AtomicInteger();
    Poll.atMost(Duration.ofSeconds(60))
        .every(Duration.ofMillis(500))
        .until(
            "an event stream admitted, and its first host event",
            () -> {
              if (firstHostEvent(http, base)) {
                return true;
              }
              refused.incrementAndGet();
              return false;
            });
    return refused.get();
  }

  /** True once a host event came, false when the stream was refused with 503. */
  private static boolean firstHostEvent(HttpClient http, String base) throws Exception {
    HttpResponse<InputStream> response =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/events"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      if (response.statusCode() == 503) {
        return false;
      }
      if (response.statusCode() != 200) {
        throw new AssertionError(
            "event stream: " + response.statusCode() + " " + lines.lines().toList());
      }
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("event:") && line.contains("host")) {
          return true;
        }
      }
    }
    throw new AssertionError("the event stream ended before a host event");
  }

  private static long count(Path churn) throws IOException {
    Path file = churn.resolve("count");
    return Files.exists(file) ? Long.parseLong(Files.readString(file).strip()) : 0;
  }

  /** VmRSS in MiB after a full collection (jcmd GC.run), so heap that is garbage does not count. */
  private static double rssAfterGc(long pid) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process gc =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
            .redirectErrorStream(true)
            .start();
    String out = new String(gc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(gc.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(gc.exitValue()).as(out).isZero();
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    throw new IOException("no VmRSS for " + pid);
  }

  private static double metric(HttpClient http, String base, String name) throws Exception {
    String body =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return body.lines()
        .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return lines.subList(Math.max(0, lines.size() - 30), lines.size()).stream()
          .collect(Collectors.joining("\n"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
