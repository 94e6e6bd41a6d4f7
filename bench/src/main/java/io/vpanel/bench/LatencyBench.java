package io.vpanel.bench;

import io.vpanel.driver.sim.SimSettings;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Latency through the whole agent in real time: from a hypervisor event (a guest stopped or started
 * on the simulator) to an SSE client holding the new VM count, and from a button press (POST to the
 * web panel's button, confirm time 0) to the client seeing the maintenance light flash. A steady
 * background load of API reads runs throughout. The baseline is the loopback round trip of {@code
 * GET /healthz} measured in the same run. With three panels per host (the web panel, a 16 x 2 one
 * and one that takes 250 ms per render) the same paths are measured again, and also to the 16 x 2
 * panel's render: the slow panel must delay neither.
 */
final class LatencyBench {
  /**
   * @param eventToLcd with three panels: event to the 16 x 2 panel's render, else empty
   * @param buttonToLcd with three panels: button to the 16 x 2 panel's flashing light, else empty
   * @param slowRenders renders the slow panels finished (they skip states they were too slow for)
   */
  record Result(
      Percentiles roundTrip,
      Percentiles eventToPanel,
      Percentiles buttonToFlash,
      long backgroundRequests,
      java.util.Optional<Percentiles> eventToLcd,
      java.util.Optional<Percentiles> buttonToLcd,
      long slowRenders) {}

  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();
  private final Map<String, JsonNode> latest = new ConcurrentHashMap<>();
  private final Object changed = new Object();

  Result run(int eventSamples, int buttonSamples, boolean threePanels) throws Exception {
    try (LiveCluster live =
            new LiveCluster(SimSettings.defaults(), Duration.ZERO, threePanels ? changed : null);
        SseProbe probe = new SseProbe(live.url(), this::onEvent)) {
      await(() -> latest.size() == live.cluster.hostNames().size(), Duration.ofSeconds(10));
      AtomicBoolean loading = new AtomicBoolean(true);
      AtomicLong background = new AtomicLong();
      Thread load =
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (loading.get()) {
                      try {
                        get(live.url() + "/api/v1/hosts");
                        background.incrementAndGet();
                        Thread.sleep(10);
                      } catch (Exception e) {
                        return;
                      }
                    }
                  });
      long[] rtt = new long[200];
      for (int i = 0; i < rtt.length; i++) {
        long t0 = System.nanoTime();
        get(live.url() + "/healthz");
        rtt[i] = System.nanoTime() - t0;
      }
      long[] events = new long[eventSamples];
      long[] eventsToLcd = new long[eventSamples];
      List<String> hosts = live.cluster.hostNames();
      for (int i = 0; i < eventSamples; i++) {
        String host = hosts.get(i % hosts.size());
        HypervisorConnection connection = live.connections.get(host);
        VmInfo vm =
            live.cluster.vmsOn(host).stream()
                .filter(v -> v.state() == VmState.RUNNING || v.state() == VmState.SHUTOFF)
                .findFirst()
                .orElseThrow();
        int before = latest.get(host).get("runningVms").asInt();
        boolean stopping = vm.state() == VmState.RUNNING;
        int expected = stopping ? before - 1 : before + 1;
        if (threePanels) {
          BenchPanels.Watched lcd = live.lcds.get(host);
          await(
              () -> lcd.latest() != null && lcd.latest().runningVms() == before,
              Duration.ofSeconds(10));
        }
        long t0 = System.nanoTime();
        if (stopping) {
          connection.shutdown(vm.uuid());
        } else {
          connection.start(vm.uuid());
        }
        await(() -> latest.get(host).get("runningVms").asInt() == expected, Duration.ofSeconds(10));
        events[i] = System.nanoTime() - t0;
        if (threePanels) {
          BenchPanels.Watched lcd = live.lcds.get(host);
          await(
              () -> lcd.latest() != null && lcd.latest().runningVms() == expected,
              Duration.ofSeconds(10));
          eventsToLcd[i] = lcd.renderedAt() - t0;
        }
        if (stopping) {
          connection.start(vm.uuid());
          await(() -> latest.get(host).get("runningVms").asInt() == before, Duration.ofSeconds(10));
        }
      }
      long[] buttons = new long[buttonSamples];
      long[] buttonsToLcd = new long[buttonSamples];
      for (int i = 0; i < buttonSamples; i++) {
        String host = hosts.get(i % hosts.size());
        if (threePanels) {
          BenchPanels.Watched lcd = live.lcds.get(host);
          await(
              () -> lcd.latest() != null && !lcd.latest().maintenance().flashing(),
              Duration.ofSeconds(30));
        }
        long t0 = System.nanoTime();
        post(live.url() + "/api/v1/hosts/" + host + "/panel/button", "{\"pressed\":true}");
        await(() -> light(host).get("flashing").asBoolean(), Duration.ofSeconds(10));
        buttons[i] = System.nanoTime() - t0;
        if (threePanels) {
          BenchPanels.Watched lcd = live.lcds.get(host);
          await(
              () -> lcd.latest() != null && lcd.latest().maintenance().flashing(),
              Duration.ofSeconds(10));
          buttonsToLcd[i] = lcd.renderedAt() - t0;
        }
        post(live.url() + "/api/v1/hosts/" + host + "/panel/button", "{\"pressed\":false}");
        post(live.url() + "/api/v1/hosts/" + host + "/maintenance", "{\"action\":\"cancel\"}");
        await(
            () -> "OPERATIONAL".equals(state(host)) && live.cluster.activeMigrations() == 0,
            Duration.ofSeconds(30));
      }
      loading.set(false);
      load.join();
      return new Result(
          Percentiles.ofNanos(rtt),
          Percentiles.ofNanos(events),
          Percentiles.ofNanos(buttons),
          background.get(),
          threePanels
              ? java.util.Optional.of(Percentiles.ofNanos(eventsToLcd))
              : java.util.Optional.empty(),
          threePanels
              ? java.util.Optional.of(Percentiles.ofNanos(buttonsToLcd))
              : java.util.Optional.empty(),
          live.slow.values().stream().mapToLong(p -> p.rendered).sum());
    }
  }

  private JsonNode light(String host) {
    return latest.get(host).path("panel").path("lights").path("maintenance");
  }

  private String state(String host) {
    return latest.get(host).path("maintenance").path("state").asString();
  }

  private void onEvent(String event, String data) {
    if (!"host".equals(event)) {
      return;
    }
    JsonNode node = json.readTree(data);
    latest.put(node.get("name").asString(), node);
    synchronized (changed) {
      changed.notifyAll();
    }
  }

  private void await(java.util.function.BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (changed) {
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("timed out waiting for the panel");
        }
        changed.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  private void get(String url) throws Exception {
    http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding());
  }

  private void post(String url, String body) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + LiveCluster.TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() >= 400 && response.statusCode() != 409) {
      throw new IllegalStateException(url + ": " + response.statusCode() + " " + response.body());
    }
  }
}
