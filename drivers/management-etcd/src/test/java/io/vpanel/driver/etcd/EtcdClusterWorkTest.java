package io.vpanel.driver.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.vpanel.driver.etcd.ClusterWork.ClusterStatus;
import io.vpanel.driver.etcd.EtcdAgents.Agent;
import io.vpanel.spi.MaintenanceState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The leader's cluster work against a real etcd: the HA verdicts and DRS mode worked out once and
 * read by every agent; stale reservations ended; the time to a new leader after the old one crashes
 * measured, and the status written exactly once per change, never by a deposed leader.
 */
class EtcdClusterWorkTest extends RealEtcdTest {
  private final JsonMapper json = JsonMapper.builder().build();

  private static List<Agent> leaders(List<Agent> agents) {
    return agents.stream().filter(a -> a.management().leading()).toList();
  }

  @Test
  void everyAgentShowsTheLeadersVerdictsAndANewLeaderWritesEachChangeOnce() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      String statusKey = agents.keys().leaderStatus();
      long from =
          agents
              .probe()
              .getKVClient()
              .get(EtcdKeys.bytes("/"), GetOption.DEFAULT)
              .get(5, TimeUnit.SECONDS)
              .getHeader()
              .getRevision();
      ConcurrentLinkedQueue<WatchEvent> writes = new ConcurrentLinkedQueue<>();
      try (Watch.Watcher watcher =
          agents
              .probe()
              .getWatchClient()
              .watch(
                  EtcdKeys.bytes(statusKey),
                  WatchOption.builder().withRevision(from + 1).build(),
                  r -> writes.addAll(r.getEvents()))) {
        List<Agent> alive =
            new ArrayList<>(
                List.of(
                    agents.start("host-a", 64, 32),
                    agents.start("host-b", 64, 32),
                    agents.start("host-c", 64, 32)));
        // host-a busy: 48 GiB used; the others have 64 + 64 free → protected; host-b and c too.
        alive.get(0).report(MaintenanceState.OPERATIONAL, 64, 32, 48, 8);
        await()
            .atMost(Duration.ofSeconds(15))
            .until(
                () ->
                    alive.stream()
                        .allMatch(
                            a ->
                                a.management().haProtected("host-a").orElse(false)
                                    && a.management().haProtected("host-c").orElse(false)));

        // host-b and host-c fill up (22 GiB free each): host-a's 48 GiB no longer fit elsewhere.
        alive.get(1).report(MaintenanceState.OPERATIONAL, 64, 32, 42, 8);
        alive.get(2).report(MaintenanceState.OPERATIONAL, 64, 32, 42, 8);
        await()
            .atMost(Duration.ofSeconds(15))
            .until(
                () ->
                    alive.stream()
                        .allMatch(
                            a -> a.management().haProtected("host-a").equals(Optional.of(false))));
        assertThat(alive).allMatch(a -> a.management().drsMode() == agents.settings().drs());

        // The leader crashes: a new one takes over (the time is measured), and its first write
        // names
        // it.
        List<Long> failovers = new ArrayList<>();
        for (int kill = 0; kill < 2; kill++) {
          await().atMost(Duration.ofSeconds(15)).until(() -> leaders(alive).size() == 1);
          Agent leader = leaders(alive).get(0);
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> leader.management().clusterWork().statusWrites() > 0);
          alive.remove(leader);
          long died = System.nanoTime();
          leader.management().abandon();
          await()
              .atMost(Duration.ofSeconds(10))
              .pollInterval(Duration.ofMillis(10))
              .until(() -> leaders(alive).size() == 1);
          failovers.add(Duration.ofNanos(System.nanoTime() - died).toMillis());
          Agent next = leaders(alive).get(0);
          await()
              .atMost(Duration.ofSeconds(5))
              .until(
                  () ->
                      alive.stream()
                          .allMatch(
                              a ->
                                  a.management()
                                      .clusterStatus()
                                      .map(s -> s.leader().equals(next.management().agent()))
                                      .orElse(false)));
        }
        System.out.println(
            "RESULT cluster work failover after a leader crash: " + failovers + " ms");
        // Measured, not asserted (tests never assert wall-clock times): the closing note and README
        // report it against the 3 s goal; the await above bounds a failover that never comes.
        assertThat(failovers).isNotEmpty();

        // Once the dead agents' leases ran out, nothing changes and nothing is written.
        await()
            .atMost(Duration.ofSeconds(15))
            .until(
                () ->
                    alive
                        .get(0)
                        .management()
                        .clusterStatus()
                        .map(s -> s.hosts() == 1)
                        .orElse(false));
        int settled = writes.size();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> true);
        assertThat(writes).hasSize(settled);
      }

      // The whole history of the status: each write says something new, and the terms only grow
      // (a deposed leader's write would bring an older term back).
      List<ClusterStatus> history = new ArrayList<>();
      for (WatchEvent e : writes) {
        if (e.getEventType() == WatchEvent.EventType.PUT) {
          history.add(json.readValue(e.getKeyValue().getValue().getBytes(), ClusterStatus.class));
        }
      }
      assertThat(history).hasSizeGreaterThanOrEqualTo(4);
      for (int i = 1; i < history.size(); i++) {
        assertThat(ClusterWork.same(history.get(i - 1), history.get(i)))
            .as("write %d repeats write %d", i, i - 1)
            .isFalse();
        assertThat(history.get(i).term()).isGreaterThanOrEqualTo(history.get(i - 1).term());
      }
      assertThat(history.stream().map(ClusterStatus::leader).distinct()).hasSize(3);
    }
  }

  @Test
  void theLeaderEndsReservationsOfAgentsThatAreGone() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent a = agents.start("host-a", 64, 32);
      Agent b = agents.start("host-b", 64, 32);
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> a.management().leading() || b.management().leading());
      // A reservation held for an agent instance that no longer runs (an earlier start of host-c),
      // without a lease: only the leader can end it. And one of host-a's own, which stays.
      String ghost = agents.keys().reservation("host-b", "vm-ghost");
      String own = agents.keys().reservation("host-b", "vm-own");
      put(agents, ghost, held("vm-ghost", "host-c", "host-c@0badf00d"));
      put(agents, own, held("vm-own", "host-a", a.management().agent()));
      await().atMost(Duration.ofSeconds(10)).until(() -> agents.count(ghost) == 0);
      assertThat(agents.count(own)).isEqualTo(1);
      Agent leader = a.management().leading() ? a : b;
      assertThat(leader.management().clusterWork().reservationsEnded()).isEqualTo(1);
    }
  }

  private String held(String vm, String source, String agent) {
    return json.writeValueAsString(
        new EtcdCoordinator.Held(
            vm, vm, source, "host-b", EtcdAgents.GIB, 1, agent, java.time.Instant.now()));
  }

  private static void put(EtcdAgents agents, String key, String value) throws Exception {
    agents
        .probe()
        .getKVClient()
        .put(EtcdKeys.bytes(key), EtcdKeys.bytes(value))
        .get(5, TimeUnit.SECONDS);
  }
}
