package io.vpanel.agent;

import static io.vpanel.agent.EtcdSimAgents.guestsOn;
import static io.vpanel.agent.EtcdSimAgents.host;
import static io.vpanel.agent.EtcdSimAgents.placement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.HostStatus;
import io.vpanel.core.model.VmView;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.testkit.EtcdCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three agents (the sim hypervisor, {@code management: {driver: etcd}}, a journal each) against a
 * real 3-member etcd. One host evacuates through its engine, and etcd's raft leader is killed while
 * guests are still moving: the evacuation goes on to IN_MAINTENANCE, no agent's management link is
 * lost, every guest ends on exactly one host, and nothing is decided twice: one admission and one
 * slot for the host, and per guest as many reservations in etcd's history as moves in its journal,
 * never two held at once. The member is started again and rejoins.
 */
class EtcdMemberDiesMidEvacuationTest {
  @TempDir Path dir;
  private EtcdCluster etcd;
  private final String cluster =
      "midevac-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  private EtcdSimAgents agents;
  private final JsonMapper json = JsonMapper.builder().build();

  @AfterEach
  void stop() {
    if (agents != null) {
      agents.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  private RunningAgent agent(String host) throws IOException {
    if (agents == null) {
      agents = new EtcdSimAgents(dir, cluster);
    }
    return agents.start(host, 3, 24, 5, etcd.endpoints(), agents.journalYaml(host));
  }

  @Test
  void theRaftLeaderDiesWhileGuestsMoveAndNothingStopsOrIsDecidedTwice() throws Exception {
    etcd = EtcdCluster.start(dir.resolve("etcd"));
    RunningAgent one = agent("sim-01");
    RunningAgent two = agent("sim-02");
    RunningAgent three = agent("sim-03");
    List<RunningAgent> all = List.of(one, two, three);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> EtcdSimAgents.linksConnected(all) && hostsRegistered() == 3);
    // sim-02's agent has read every host's guests (its peers come from the registry).
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                placement(two).size() == 24
                    && two.engine().snapshot().hosts().stream()
                            .filter(h -> h.hypervisorConnected() && h.capacity().isPresent())
                            .count()
                        == 3);
    Map<String, String> before = placement(two);
    int leaving = (int) before.values().stream().filter("sim-02"::equals).count();
    assertThat(leaving).as("guests on sim-02 to move").isGreaterThanOrEqualTo(3);

    AtomicBoolean lost = new AtomicBoolean();
    AtomicBoolean watching = new AtomicBoolean(true);
    Thread linkWatch =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (watching.get()) {
                    for (RunningAgent a : all) {
                      a.engine().snapshot().hosts().stream()
                          .filter(HostStatus::controlled)
                          .filter(h -> h.managementLink() == LinkStatus.LOST)
                          .findAny()
                          .ifPresent(h -> lost.set(true));
                    }
                    try {
                      Thread.sleep(20);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });

    CommandResult entered =
        two.engine()
            .request("sim-02", MaintenanceAction.ENTER, "api:ops")
            .get(30, TimeUnit.SECONDS);
    assertThat(entered.accepted()).as(entered.message()).isTrue();

    // Mid-evacuation: a guest has left, others are still to go.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> guestsOn(two, "sim-02") < leaving);
    int left = guestsOn(two, "sim-02");
    assertThat(host(two, "sim-02").maintenance().state()).isEqualTo(MaintenanceState.ENTERING);
    assertThat(left).as("guests still to move when the member dies").isPositive();
    int member = etcd.leader().orElse(1);
    etcd.kill(member);

    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> host(two, "sim-02").maintenance().state() == MaintenanceState.IN_MAINTENANCE);
    etcd.restart(member);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                etcd.etcdctl("endpoint", "health")
                        .lines()
                        .filter(l -> l.contains("is healthy"))
                        .count()
                    == 3);
    watching.set(false);
    linkWatch.join();
    assertThat(lost).as("no agent's management link was lost").isFalse();

    // Every guest on exactly one host, none on sim-02, none lost.
    Map<String, List<String>> where = new HashMap<>();
    for (HostStatus h : two.engine().snapshot().hosts()) {
      for (VmView vm : h.vms()) {
        where.computeIfAbsent(vm.vm().uuid(), u -> new ArrayList<>()).add(h.name());
      }
    }
    assertThat(where.keySet()).isEqualTo(before.keySet());
    assertThat(where.values()).allMatch(hosts -> hosts.size() == 1);
    assertThat(guestsOn(two, "sim-02")).isZero();

    // The journal: one accepted request; every guest moved once, each move started once.
    List<JsonNode> requests = journal(two, "request");
    assertThat(requests.stream().filter(e -> e.path("fields").path("accepted").asBoolean()))
        .hasSize(1);
    List<JsonNode> migrations = journal(two, "migration");
    Map<String, Integer> started = count(migrations, "started");
    Map<String, Integer> completed = count(migrations, "completed");
    assertThat(completed.values()).allMatch(n -> n == 1);
    assertThat(completed).hasSize(leaving);
    int failed = count(migrations, "failed").values().stream().mapToInt(Integer::intValue).sum();
    assertThat(started.values().stream().mapToInt(Integer::intValue).sum())
        .as("every move started ended once")
        .isEqualTo(leaving + failed);

    // etcd's history: one slot taken for sim-02; per guest as many reservations made as moves
    // started, and never two held at once.
    List<WatchEvent> history = history();
    String root = "/vpanel/" + cluster + "/";
    long slotsTaken =
        history.stream()
            .filter(e -> e.getEventType() == WatchEvent.EventType.PUT)
            .filter(e -> text(e.getKeyValue().getKey()).startsWith(root + "maintenance/slots/"))
            .filter(e -> e.getKeyValue().getCreateRevision() == e.getKeyValue().getModRevision())
            .filter(e -> text(e.getKeyValue().getValue()).contains("\"host\":\"sim-02\""))
            .count();
    assertThat(slotsTaken).as("sim-02 admitted once").isEqualTo(1);
    Map<String, Integer> reserved = new HashMap<>();
    Map<String, Set<String>> held = new HashMap<>();
    for (WatchEvent e : history) {
      String key = text(e.getKeyValue().getKey());
      if (!key.startsWith(root + "reservations/")) {
        continue;
      }
      String vm = key.substring(key.lastIndexOf('/') + 1);
      if (e.getEventType() == WatchEvent.EventType.PUT) {
        if (e.getKeyValue().getCreateRevision() == e.getKeyValue().getModRevision()) {
          reserved.merge(vm, 1, Integer::sum);
        }
        held.computeIfAbsent(vm, v -> new HashSet<>()).add(key);
        assertThat(held.get(vm)).as("reservations of " + vm + " held at once").hasSize(1);
      } else {
        held.getOrDefault(vm, new HashSet<>()).remove(key);
      }
    }
    Map<String, Integer> startedByUuid = new HashMap<>();
    for (JsonNode m : migrations) {
      if ("started".equals(m.path("fields").path("event").asString())) {
        String name = m.path("fields").path("vm").asString();
        String uuid =
            before.keySet().stream()
                .filter(u -> nameOf(two, u).equals(name))
                .findFirst()
                .orElse(name);
        startedByUuid.merge(uuid, 1, Integer::sum);
      }
    }
    assertThat(reserved)
        .as("reservations in etcd per guest = moves started")
        .isEqualTo(startedByUuid);
    System.out.printf(
        "RESULT member %d killed with %d of %d guests still on sim-02; %d moves, %d failed, %d"
            + " revisions read%n",
        member,
        left,
        leaving,
        started.values().stream().mapToInt(Integer::intValue).sum(),
        failed,
        history.size());
  }

  private String nameOf(RunningAgent agent, String uuid) {
    return agent.engine().snapshot().hosts().stream()
        .flatMap(h -> h.vms().stream())
        .filter(v -> v.vm().uuid().equals(uuid))
        .map(v -> v.vm().name())
        .findFirst()
        .orElse("");
  }

  private long hostsRegistered() throws IOException {
    return etcd.etcdctl("get", "--prefix", "--keys-only", "/vpanel/" + cluster + "/hosts/")
        .lines()
        .filter(l -> !l.isBlank())
        .count();
  }

  private static Map<String, Integer> count(List<JsonNode> migrations, String event) {
    Map<String, Integer> out = new HashMap<>();
    for (JsonNode m : migrations) {
      if (event.equals(m.path("fields").path("event").asString())) {
        out.merge(m.path("fields").path("vm").asString(), 1, Integer::sum);
      }
    }
    return out;
  }

  /** The whole journal of sim-02 of one kind, from its agent's API. */
  private List<JsonNode> journal(RunningAgent agent, String kind) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            agent.url() + "/api/v1/hosts/sim-02/journal?limit=1000&kind=" + kind))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    json.readTree(response.body()).path("entries").forEach(out::add);
    return out;
  }

  /** Every change under the cluster's prefix from etcd's first revision on, in order. */
  private List<WatchEvent> history() throws Exception {
    String root = "/vpanel/" + cluster + "/";
    String end = root + "zz-history-end";
    ConcurrentLinkedQueue<WatchEvent> events = new ConcurrentLinkedQueue<>();
    AtomicBoolean reached = new AtomicBoolean();
    try (Client client =
            Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
        Watch.Watcher watcher =
            client
                .getWatchClient()
                .watch(
                    bytes(root),
                    WatchOption.builder().isPrefix(true).withRevision(1).build(),
                    response ->
                        response
                            .getEvents()
                            .forEach(
                                e -> {
                                  if (text(e.getKeyValue().getKey()).equals(end)) {
                                    reached.set(true);
                                  } else {
                                    events.add(e);
                                  }
                                }))) {
      client.getKVClient().put(bytes(end), bytes("x")).get(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(20)).untilTrue(reached);
    }
    return List.copyOf(events);
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  private static String text(ByteSequence bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
