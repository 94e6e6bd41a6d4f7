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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A concurrency checker: six agents admit themselves and reserve room for guests on each other as
 * fast as they can, and try to send a guest that is already on its way somewhere to the other
 * destination, while etcd members are killed and restarted and agents crash (their keep-alives
 * stop, nothing is revoked) and come back as new instances that try to move what the dead one was
 * moving. The whole history, read back from etcd's own revisions through a watch, is checked after
 * every revision: never more hosts holding a slot than allowed, never a destination's reservations
 * above its room, never a reservation on a host that holds a slot, never a guest reserved on a
 * second destination while another agent's move of it is in flight. At the end nothing of a crashed
 * instance is left in etcd.
 *
 * <p>{@code -Dvpanel.chaos.operations=N} runs longer (the default, 2,500, takes about a minute
 * here; 20,000 runs for minutes); {@code -Dvpanel.seed=N} replays a run's random choices.
 */
class EtcdChaosTest {
  private static final int AGENTS = 6;

  /** Guests go to h0 and h1 only, so h2..h5 contend for the slots with nothing moving in. */
  private static final int DESTINATIONS = 2;

  private static final int MAX_IN_MAINTENANCE = 2;
  private static final long ROOM_GIB = 16;
  private static final int OPERATIONS = Integer.getInteger("vpanel.chaos.operations", 2500);

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

      AtomicReferenceArray<Agent> current = new AtomicReferenceArray<>(AGENTS);
      for (int i = 0; i < AGENTS; i++) {
        current.set(i, agents.start("h" + i, ROOM_GIB, 64));
      }
      for (int i = 0; i < AGENTS; i++) {
        Agent agent = current.get(i);
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
      AtomicInteger secondMovesRefused = new AtomicInteger();
      AtomicInteger orphansTaken = new AtomicInteger();
      List<String> clientViolations = new CopyOnWriteArrayList<>();
      AtomicBoolean stop = new AtomicBoolean();
      Map<String, Integer> reasons = new java.util.concurrent.ConcurrentHashMap<>();
      // Per worker: the reservations its agent holds, and the moves a crashed instance left.
      List<List<Reservation>> heldBy = new ArrayList<>();
      List<ConcurrentLinkedQueue<PlacementRequest>> orphansOf = new ArrayList<>();
      for (int i = 0; i < AGENTS; i++) {
        heldBy.add(new CopyOnWriteArrayList<>());
        orphansOf.add(new ConcurrentLinkedQueue<>());
      }
      ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
      for (int i = 0; i < AGENTS; i++) {
        int index = i;
        Random random = new Random(seed + i);
        workers.execute(
            () -> {
              boolean inMaintenance = false;
              int guest = 0;
              while (!stop.get() && done.get() < OPERATIONS) {
                Agent agent = current.get(index);
                if (agent == null) { // crashed: nothing runs on this host until it restarts
                  LockSupport.parkNanos(1_000_000);
                  continue;
                }
                List<Reservation> held = heldBy.get(index);
                try {
                  int op = random.nextInt(12);
                  PlacementRequest orphan = orphansOf.get(index).peek();
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
                  } else if (op == 10 && !held.isEmpty()) {
                    // The same guest to the other destination while its move is in flight.
                    Reservation first = held.get(random.nextInt(held.size()));
                    Optional<PlacementRequest> second = elsewhere(first.request());
                    if (second.isPresent()) {
                      Reservation r =
                          agent.coordinator().reserve(second.get()).get(30, TimeUnit.SECONDS);
                      if (r.granted()) {
                        clientViolations.add(
                            first.request().vm() + " granted on two destinations at once");
                        held.add(r);
                      } else {
                        secondMovesRefused.incrementAndGet();
                      }
                    }
                  } else if (op == 11 && orphan != null) {
                    // What a crashed instance was moving, asked for by its successor elsewhere:
                    // refused while the dead one's claim lives, granted once it is gone.
                    Optional<PlacementRequest> second = elsewhere(orphan);
                    orphansOf.get(index).poll();
                    if (second.isPresent()) {
                      Reservation r =
                          agent.coordinator().reserve(second.get()).get(30, TimeUnit.SECONDS);
                      if (r.granted()) {
                        orphansTaken.incrementAndGet();
                        held.add(r);
                      } else {
                        secondMovesRefused.incrementAndGet();
                        reasons.merge(
                            "orphan: " + r.reason().replaceAll("[0-9.]+", "N"), 1, Integer::sum);
                        orphansOf.get(index).add(orphan); // asked again later
                      }
                    }
                  } else if (op < 7 || held.isEmpty()) {
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
                      reasons.merge(r.reason().replaceAll("[0-9.]+", "N"), 1, Integer::sum);
                    }
                  } else {
                    agent.coordinator().unreserve(held.remove(random.nextInt(held.size())));
                  }
                } catch (Exception e) {
                  refused.incrementAndGet();
                  reasons.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                }
                done.incrementAndGet();
              }
            });
      }
      // Chaos paced by the work done, not by the clock: a member dies every 400 operations and
      // comes back 200 operations later; an agent crashes every 500 operations (from 250 on) and
      // a new instance of it starts 100 operations later.
      Random chaos = new Random(seed);
      int kills = 0;
      int crashes = 0;
      Set<String> crashedInstances = new HashSet<>();
      for (int mark = 250; mark < OPERATIONS; mark += 50) {
        int at = mark;
        await().atMost(Duration.ofSeconds(120)).until(() -> done.get() >= at);
        if (mark % 400 == 0) {
          int member = 1 + chaos.nextInt(3);
          etcd.kill(member);
          kills++;
          await()
              .atMost(Duration.ofSeconds(120))
              .until(() -> done.get() >= at + 200 || done.get() >= OPERATIONS);
          etcd.restart(member);
        }
        if (mark % 500 == 250) {
          int index = 2 + chaos.nextInt(AGENTS - 2); // a host with two destinations
          Agent dead = current.getAndSet(index, null);
          dead.management().abandon();
          crashedInstances.add(dead.management().agent());
          crashes++;
          for (Reservation r : heldBy.get(index)) {
            orphansOf.get(index).add(r.request());
          }
          heldBy.get(index).clear();
          await()
              .atMost(Duration.ofSeconds(120))
              .until(() -> done.get() >= at + 100 || done.get() >= OPERATIONS);
          Agent successor = agents.start("h" + index, ROOM_GIB, 64);
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> successor.management().link() == LinkStatus.CONNECTED);
          current.set(index, successor);
        }
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
        if (event.getEventType() == WatchEvent.EventType.PUT
            && key.startsWith(root + "reservations/")
            && event.getKeyValue().getCreateRevision() == event.getKeyValue().getModRevision()) {
          // A new reservation: the guest's claim before this revision's put (the transaction puts
          // the reservation first) must be absent, this reservation's, or this agent's own ended
          // move's.
          JsonNode made =
              json.readTree(event.getKeyValue().getValue().toString(StandardCharsets.UTF_8));
          String before = state.get(keys.guest(made.get("vm").asString()));
          if (before != null) {
            JsonNode claim = json.readTree(before);
            if (!claim.get("reservation").asString().equals(key)
                && !claim.get("agent").asString().equals(made.get("agent").asString())) {
              violations.add(
                  "revision "
                      + event.getKeyValue().getModRevision()
                      + ": "
                      + made.get("vm").asString()
                      + " reserved at "
                      + key
                      + " while "
                      + claim.get("agent").asString()
                      + " moves it to "
                      + claim.get("destination").asString());
            }
          }
        }
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
      // No room or claim of a crashed instance outlives it: its lease ends, or the leader ends
      // them. (A slot does outlive it: its host is still in maintenance.)
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                String left =
                    etcd.etcdctl("get", "--prefix", "--print-value-only", root + "reservations/")
                        + etcd.etcdctl("get", "--prefix", "--print-value-only", root + "guests/");
                return crashedInstances.stream().noneMatch(left::contains);
              });
      System.out.println(
          "RESULT chaos: "
              + done.get()
              + " operations by "
              + AGENTS
              + " agents, "
              + kills
              + " member kills, "
              + crashes
              + " agent crashes, "
              + secondMovesRefused.get()
              + " second moves of a guest in flight refused, "
              + orphansTaken.get()
              + " moves of a crashed instance taken over once its claim was gone, "
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
      System.out.println("RESULT chaos refusals by reason: " + reasons);
      assertThat(violations).isEmpty();
      assertThat(clientViolations).isEmpty();
      assertThat(secondMovesRefused.get()).isPositive();
      assertThat(admitted.get()).isPositive();
      assertThat(reserved.get()).isPositive();
      assertThat(maxSlots).isLessThanOrEqualTo(MAX_IN_MAINTENANCE);
    }
  }

  /** The same guest, from the same source, to the other destination; empty if that is itself. */
  private static Optional<PlacementRequest> elsewhere(PlacementRequest first) {
    String other = first.destination().equals("h0") ? "h1" : "h0";
    if (other.equals(first.source())) {
      return Optional.empty();
    }
    return Optional.of(
        new PlacementRequest(
            first.vm(), first.vmName(), first.source(), other, first.memoryBytes(), first.vcpus()));
  }
}
