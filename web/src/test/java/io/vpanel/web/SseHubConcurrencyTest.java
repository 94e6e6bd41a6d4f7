package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.HaStatus;
import io.vpanel.core.model.HostStatus;
import io.vpanel.core.model.MaintenanceView;
import io.vpanel.core.model.PfaStatus;
import io.vpanel.core.model.PfaView;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.LinkStatus;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The event hub is called from two threads: the engine's owner thread publishes every snapshot, and
 * {@code addListener} hands the new listener the snapshot it read on the caller's thread, which may
 * be older than one the owner delivered meanwhile. Clients connect at any time on the server's
 * threads. Whatever the interleaving, no client may go back to an older state of a host, and every
 * client ends with every host's newest state.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SseHubConcurrencyTest {
  private static final int HOSTS = 8;
  private static final String SENTINEL = "zz-sentinel";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<SseTestClient> clients = new CopyOnWriteArrayList<>();
  private SimulatedApi server;
  private SseHub hub;

  @BeforeEach
  void start() {
    // Many clients from one address: more than the default per-client stream limit.
    server =
        SimulatedApi.withoutHosts(
            "sse-hub-test-token-0123", new ApiSettings(List.of(), 1_000, 1_000));
    hub = server.api().sse();
  }

  @AfterEach
  void stop() {
    clients.forEach(SseTestClient::close);
    server.close();
    http.close();
  }

  @Test
  void aSnapshotHandedOverLateOnAnotherThreadNeverTakesTheHubBack() throws Exception {
    SseTestClient client = connect();
    hub.onSnapshot(snapshot(2, 2));
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> seen(client).values().stream().filter(v -> v.contains(2)).count() == HOSTS);
    // addListener read version 1 before the owner published version 2, and delivers it now.
    Thread caller = Thread.ofPlatform().start(() -> hub.onSnapshot(snapshot(1, 1)));
    caller.join();

    SseTestClient late = connect();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> seen(late).size() == HOSTS);
    assertThat(seen(late).values())
        .as("what a client that connects now gets of each host")
        .allSatisfy(values -> assertThat(values).containsExactly(2));
    hub.onSnapshot(withSentinel(3, 2));
    assertEveryHostEndsAt(client, 2);
    assertEveryHostEndsAt(late, 2);
  }

  @Test
  void hammeredFromTwoThreadsEveryClientEndsWithEveryHostsNewestState() throws Exception {
    int versions = 1500;
    AtomicReference<ClusterSnapshot> published = new AtomicReference<>(snapshot(0, 0));
    connect();
    Thread owner =
        Thread.ofPlatform()
            .name("test-owner")
            .start(
                () -> {
                  for (int v = 1; v <= versions; v++) {
                    ClusterSnapshot next = snapshot(v, v);
                    published.set(next);
                    hub.onSnapshot(next);
                  }
                });
    Thread listenerCaller =
        Thread.ofPlatform()
            .name("test-add-listener")
            .start(
                () -> {
                  while (owner.isAlive()) {
                    hub.onSnapshot(published.get());
                  }
                });
    Thread connector =
        Thread.ofPlatform()
            .name("test-connector")
            .start(
                () -> {
                  while (owner.isAlive() && clients.size() < 40) {
                    try {
                      connect();
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  }
                });
    owner.join();
    listenerCaller.join();
    connector.join();
    hub.onSnapshot(withSentinel(versions + 1, versions));
    connect();

    assertThat(clients).hasSizeGreaterThan(2);
    for (SseTestClient client : clients) {
      assertEveryHostEndsAt(client, versions);
    }
  }

  /**
   * Waits for the sentinel host (published last), then checks what the client saw of every other
   * host: never an older state after a newer one, and the newest state last.
   */
  private static void assertEveryHostEndsAt(SseTestClient client, int newest) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> seen(client).containsKey(SENTINEL));
    Map<String, List<Integer>> seen = seen(client);
    seen.remove(SENTINEL);
    assertThat(seen.keySet()).as("hosts the client got").hasSize(HOSTS);
    seen.forEach(
        (host, values) -> {
          assertThat(values).as("states of %s in the order the client got them", host).isSorted();
          assertThat(values.getLast()).as("the last state of %s", host).isEqualTo(newest);
        });
  }

  /** Each host's states (its running VMs stand for its version) in the order they arrived. */
  private static Map<String, List<Integer>> seen(SseTestClient client) {
    Map<String, List<Integer>> seen = new LinkedHashMap<>();
    for (SseTestClient.Event event : client.events("host")) {
      JsonNode host = JSON.readTree(event.data());
      seen.computeIfAbsent(host.get("name").asString(), k -> new ArrayList<>())
          .add(host.get("runningVms").asInt());
    }
    return seen;
  }

  private SseTestClient connect() throws Exception {
    SseTestClient client = SseTestClient.connect(http, server.url("/api/v1/events"));
    clients.add(client);
    return client;
  }

  private static ClusterSnapshot snapshot(long version, int state) {
    List<HostStatus> hosts = new ArrayList<>();
    for (int i = 1; i <= HOSTS; i++) {
      hosts.add(host(String.format("host-%02d", i), state));
    }
    return new ClusterSnapshot(version, Instant.EPOCH, hosts);
  }

  private static ClusterSnapshot withSentinel(long version, int state) {
    List<HostStatus> hosts = new ArrayList<>(snapshot(version, state).hosts());
    hosts.add(host(SENTINEL, 0));
    return new ClusterSnapshot(version, Instant.EPOCH, hosts);
  }

  private static HostStatus host(String name, int state) {
    return new HostStatus(
        name,
        true,
        true,
        Optional.empty(),
        0,
        0,
        state,
        List.of(),
        new MaintenanceView(
            MaintenanceState.OPERATIONAL,
            Instant.EPOCH,
            Optional.empty(),
            false,
            Optional.empty(),
            Optional.empty()),
        LinkStatus.NONE,
        PfaStatus.DISABLED,
        new PfaView(PfaStatus.DISABLED, false, Optional.empty(), List.of()),
        DrsMode.OFF,
        HaStatus.OFF,
        List.of(),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        List.of());
  }
}
