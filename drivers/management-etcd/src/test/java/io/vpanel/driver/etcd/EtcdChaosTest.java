package io.vpanel.driver.etcd;

import static io.vpanel.driver.etcd.EtcdAgents.GIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.vpanel.driver.etcd.EtcdAgents.Agent;
import io.vpanel.spi.management.Coordinator.Admission;
import io.vpanel.spi.management.Coordinator.AdmissionRequest;
import io.vpanel.spi.management.Coordinator.PlacementRequest;
import io.vpanel.spi.management.Coordinator.Reservation;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.testkit.EtcdCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A concurrency checker: six agents admit themselves and reserve room for guests on each other as
 * fast as they can while etcd members are killed and restarted, and the whole history, read back
 * from etcd's own revisions through a watch, is checked after every revision: never more hosts
 * holding a slot than allowed, never a destination's reservations above its room, never a
 * reservation on a host that holds a slot.
 */
class EtcdChaosTest {
  private static final int AGENTS = 6;

  /** Guests go to h0 and h1 only, so h2..h5 contend for the slots with nothing moving in. */
  private static final int DESTINATIONS = 2;

  private static final int MAX_IN_MAINTENANCE = 2;
  private static final long ROOM_GIB = 16;
  private static final int OPERATIONS = 2500;

  @TempDir Path dir;

  @Test
  void theHistoryNeverBreaksTheLimitsWhileMembersDie() throws Exception {
    long seed = Long.getLong("vpanel.seed", System.nanoTime());
    System.out.println("chaos seed " + seed + " (replay: -Dvpanel.seed=" + seed + ")");
    JsonMapper json = JsonMapper.builder().build();
    try (EtcdCluster etcd = EtcdCluster.start(dir);
        EtcdAgents agents =
            new EtcdAgents(
                etcd,
                EtcdAgents.settings(etcd, MAX_IN_MAINTENANCE)
                    .withTimes(3, 2, MAX_IN_MAINTENANCE, 200))) {
      String root = agents.keys().root();
      long from =
          agents
              .probe()
              .getKVClient()
              .get(EtcdKeys.bytes("/"), GetOption.DEFAULT)
              .get(5, TimeUnit.SECONDS)
              .getHeader()
              .getRevision();
      ConcurrentLinkedQueue<WatchEvent> history = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Long> revisions = new ConcurrentLinkedQueue<>();
      Watch.Watcher watcher =
          agents
              .probe()
              .getWatchClient()
              .watch(
                  EtcdKeys.bytes(root),
                  WatchOption.builder().isPrefix(true).withRevision(from + 1).build(),
                  response ->
                      response
                          .getEvents()
                          .forEach(
                              e -> {
                                history.add(e);
                                revisions.add(e.getKeyValue().getModRevision());
                              }));

      List<Agent> all = new ArrayList<>();
      for (int i = 0; i < AGENTS; i++) {
        all.add(agents.start("h" + i, ROOM_GIB, 64));
      }
      for (Agent agent : all) {
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> agent.management().link() == LinkStatus.CONNECTED);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    agent.management().hosts().size() == AGENTS
                        && agent.management().hosts().values().stream()
                            .allMatch(Registration::capacityKnown));
      }

      AtomicInteger done = new AtomicInteger();
      AtomicInteger admitted = new AtomicInteger();
      AtomicInteger reserved = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
      for (int i = 0; i < AGENTS; i++) {
        Agent agent = all.get(i);
        Random random = new Random(seed + i);
        workers.execute(
            () -> {
              List<Reservation> held = new ArrayList<>();
              boolean inMaintenance = false;
              int guest = 0;
              while (!stop.get() && done.get() < OPERATIONS) {
                try {
                  int op = random.nextInt(10);
                  if (op < 3) {
                    if (inMaintenance) {
                      agent.coordinator().release(agent.host());
                      inMaintenance = false;
                    } else {
                      Admission a =
                          agent
                              .coordinator()
                              .admit(new AdmissionRequest(agent.host(), 0, 0, "chaos"))
                              .get(30, TimeUnit.SECONDS);
                      inMaintenance = a.granted();
                      (a.granted() ? admitted : refused).incrementAndGet();
                    }
                  } else if (op < 6 || held.isEmpty()) {
                    String destination = "h" + random.nextInt(DESTINATIONS);
                    if (destination.equals(agent.host())) {
                      continue;
                    }
                    PlacementRequest request =
                        new PlacementRequest(
                            agent.host() + "-g" + guest++,
                            "g",
                            agent.host(),
                            destination,
                            (1 + random.nextInt(4)) * GIB,
                            1);
                    Reservation r = agent.coordinator().reserve(request).get(30, TimeUnit.SECONDS);
                    if (r.granted()) {
                      reserved.incrementAndGet();
                      held.add(r);
                    } else {
                      refused.incrementAndGet();
                    }
                  } else {
                    agent.coordinator().unreserve(held.remove(random.nextInt(held.size())));
                  }
                } catch (Exception e) {
                  refused.incrementAndGet();
                }
                done.incrementAndGet();
              }
            });
      }
      // Chaos paced by the work done, not by the clock: a member dies every 400 operations and
      // comes back 200 operations later.
      Random chaos = new Random(seed);
      int kills = 0;
      for (int mark = 400; mark < OPERATIONS; mark += 400) {
        int at = mark;
        await().atMost(Duration.ofSeconds(120)).until(() -> done.get() >= at);
        int member = 1 + chaos.nextInt(3);
        etcd.kill(member);
        kills++;
        await()
            .atMost(Duration.ofSeconds(120))
            .until(() -> done.get() >= at + 200 || done.get() >= OPERATIONS);
        etcd.restart(member);
      }
      await().atMost(Duration.ofSeconds(180)).until(() -> done.get() >= OPERATIONS);
      stop.set(true);
      workers.shutdown();
      assertThat(workers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      long last =
          agents
              .probe()
              .getKVClient()
              .get(EtcdKeys.bytes("/"), GetOption.DEFAULT)
              .get(5, TimeUnit.SECONDS)
              .getHeader()
              .getRevision();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  revisions.stream().mapToLong(r -> r).max().orElse(0) >= last
                      || history.isEmpty());
      watcher.close();

      // Replay the history revision by revision.
      EtcdKeys keys = agents.keys();
      Map<String, String> state = new HashMap<>();
      List<String> violations = new ArrayList<>();
      int maxSlots = 0;
      long revision = -1;
      int revisionsChecked = 0;
      List<WatchEvent> ordered = new ArrayList<>(history);
      for (int i = 0; i < ordered.size(); i++) {
        WatchEvent event = ordered.get(i);
        String key = event.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
        if (event.getEventType() == WatchEvent.EventType.DELETE) {
          state.remove(key);
        } else {
          state.put(key, event.getKeyValue().getValue().toString(StandardCharsets.UTF_8));
        }
        revision = event.getKeyValue().getModRevision();
        boolean lastOfRevision =
            i + 1 == ordered.size()
                || ordered.get(i + 1).getKeyValue().getModRevision() != revision;
        if (!lastOfRevision) {
          continue;
        }
        revisionsChecked++;
        List<String> holders = new ArrayList<>();
        Map<String, Long> reservedOn = new HashMap<>();
        for (Map.Entry<String, String> e : state.entrySet()) {
          if (e.getKey().startsWith(keys.slots())) {
            holders.add(json.readTree(e.getValue()).get("host").asString());
          } else if (e.getKey().startsWith(root + "reservations/")) {
            JsonNode held = json.readTree(e.getValue());
            reservedOn.merge(
                held.get("destination").asString(), held.get("memoryBytes").asLong(), Long::sum);
          }
        }
        maxSlots = Math.max(maxSlots, holders.size());
        if (holders.size() > MAX_IN_MAINTENANCE) {
          violations.add("revision " + revision + ": slots held by " + holders);
        }
        for (Map.Entry<String, Long> r : reservedOn.entrySet()) {
          if (r.getValue() > ROOM_GIB * GIB) {
            violations.add(
                "revision "
                    + revision
                    + ": "
                    + r.getValue() / GIB
                    + " GiB reserved on "
                    + r.getKey());
          }
          if (holders.contains(r.getKey())) {
            violations.add(
                "revision " + revision + ": reservation on " + r.getKey() + ", which holds a slot");
          }
        }
      }
      System.out.println(
          "RESULT chaos: "
              + done.get()
              + " operations by "
              + AGENTS
              + " agents, "
              + kills
              + " member kills, "
              + admitted.get()
              + " admissions and "
              + reserved.get()
              + " reservations granted, "
              + refused.get()
              + " refused; "
              + revisionsChecked
              + " revisions checked, most slots held at once "
              + maxSlots
              + " (max "
              + MAX_IN_MAINTENANCE
              + "), violations "
              + violations.size());
      assertThat(violations).isEmpty();
      assertThat(admitted.get()).isPositive();
      assertThat(reserved.get()).isPositive();
      assertThat(maxSlots).isLessThanOrEqualTo(MAX_IN_MAINTENANCE);
    }
  }
}
