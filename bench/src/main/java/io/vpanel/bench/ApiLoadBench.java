package io.vpanel.bench;

import io.vpanel.core.model.Activity;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.driver.sim.SimSettings;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API under load on loopback: wrk reading {@code GET /api/v1/hosts} while many SSE clients
 * follow a real evacuation. The baseline is the same wrk run with no SSE client and nothing moving,
 * in the same process. Every client must receive every migration event (none dropped).
 */
final class ApiLoadBench {
  static final Path WRK = Path.of("/usr/bin/wrk");

  record WrkResult(double requestsPerSecond, double p99Millis) {}

  record Result(
      WrkResult baseline,
      WrkResult underLoad,
      int sseClients,
      long migrationEventsSent,
      long minReceived,
      long maxReceived,
      long dropped) {}

  Result run(int clients, Duration duration) throws Exception {
    if (!Files.isExecutable(WRK)) {
      return null;
    }
    try (LiveCluster live =
        new LiveCluster(SimSettings.defaults().withSeed(5), Duration.ofSeconds(3))) {
      AtomicLong migrationEvents = new AtomicLong();
      live.engine.addListener(
          new ClusterListener() {
            @Override
            public void onSnapshot(ClusterSnapshot snapshot) {}

            @Override
            public void onActivity(Activity activity) {
              if ("migration".equals(activity.kind())) {
                migrationEvents.incrementAndGet();
              }
            }
          });
      Thread.sleep(1000);
      // A first run warms the JIT up; it is not reported, so both runs compare warm code.
      wrk(live.url() + "/api/v1/hosts", duration);
      WrkResult baseline = wrk(live.url() + "/api/v1/hosts", duration);

      List<SseProbe> probes = new ArrayList<>();
      List<AtomicLong> received = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        AtomicLong count = new AtomicLong();
        received.add(count);
        probes.add(
            new SseProbe(
                live.url(),
                (event, data) -> {
                  if ("migration".equals(event)) {
                    count.incrementAndGet();
                  }
                }));
      }
      Thread.sleep(1000);
      long sentBefore = migrationEvents.get();
      live.engine.request("sim-02", MaintenanceAction.ENTER, "bench").get();
      WrkResult loaded = wrk(live.url() + "/api/v1/hosts", duration);
      waitFor(live, "sim-02", MaintenanceState.IN_MAINTENANCE, Duration.ofMinutes(3));
      live.engine.request("sim-02", MaintenanceAction.EXIT, "bench").get();
      waitFor(live, "sim-02", MaintenanceState.OPERATIONAL, Duration.ofMinutes(3));
      Thread.sleep(1000);
      long sent = migrationEvents.get() - sentBefore;
      long min = received.stream().mapToLong(AtomicLong::get).min().orElse(0);
      long max = received.stream().mapToLong(AtomicLong::get).max().orElse(0);
      long dropped = live.api.sse().droppedEvents();
      probes.forEach(SseProbe::close);
      return new Result(baseline, loaded, clients, sent, min, max, dropped);
    }
  }

  private static void waitFor(
      LiveCluster live, String host, MaintenanceState state, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (live.engine.snapshot().host(host).orElseThrow().maintenance().state() != state) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(host + " did not reach " + state);
      }
      Thread.sleep(50);
    }
  }

  private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern P99 = Pattern.compile("99%\\s+([0-9.]+)(us|ms|s)");

  static WrkResult wrk(String url, Duration duration) throws IOException, InterruptedException {
    Process wrk =
        new ProcessBuilder(
                WRK.toString(),
                "-t2",
                "-c32",
                "-d" + Math.max(1, duration.toSeconds()) + "s",
                "--latency",
                url)
            .redirectErrorStream(true)
            .start();
    String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    wrk.waitFor();
    Matcher rate = RATE.matcher(out);
    Matcher p99 = P99.matcher(out);
    if (!rate.find() || !p99.find()) {
      throw new IllegalStateException("unexpected wrk output:\n" + out);
    }
    double value = Double.parseDouble(p99.group(1));
    double millis =
        switch (p99.group(2)) {
          case "us" -> value / 1000;
          case "s" -> value * 1000;
          default -> value;
        };
    return new WrkResult(Double.parseDouble(rate.group(1)), millis);
  }
}
