package io.vpanel.driver.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.options.GetOption;
import io.vpanel.driver.etcd.EtcdAgents.Agent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One leader for cluster work, replaced when it dies (the time measured), against a real etcd. */
class EtcdElectionTest extends RealEtcdTest {
  private static List<Agent> leaders(List<Agent> agents) {
    return agents.stream().filter(a -> a.management().leading()).toList();
  }

  @Test
  void aDeadLeaderIsReplacedWithinThreeSeconds() {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      List<Agent> alive =
          new ArrayList<>(
              List.of(
                  agents.start("host-a", 64, 32),
                  agents.start("host-b", 64, 32),
                  agents.start("host-c", 64, 32),
                  agents.start("host-d", 64, 32)));
      List<Long> failovers = new ArrayList<>();
      for (int kill = 0; kill < 3; kill++) {
        await().atMost(Duration.ofSeconds(15)).until(() -> leaders(alive).size() == 1);
        Agent leader = leaders(alive).get(0);
        assertThat(
                alive
                    .get(alive.size() - 1 - (alive.indexOf(leader) == alive.size() - 1 ? 1 : 0))
                    .management()
                    .leader())
            .contains(leader.management().agent());
        alive.remove(leader);
        long died = System.nanoTime();
        leader.management().abandon(); // a crash: no resign, the election lease runs out
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> leaders(alive).size() == 1);
        failovers.add(Duration.ofNanos(System.nanoTime() - died).toMillis());
        assertThat(leaders(alive)).hasSize(1);
      }
      System.out.println(
          "RESULT election failover after a leader crash (election TTL 2 s): " + failovers + " ms");
      // Measured, not asserted (tests never assert wall-clock times): the closing note and README
      // report it against the 3 s goal; the await above bounds a failover that never comes.
      assertThat(failovers).isNotEmpty();
    }
  }

  @Test
  void aLeaderThatStopsHandsOverAtOnce() {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      List<Agent> all = List.of(agents.start("host-a", 64, 32), agents.start("host-b", 64, 32));
      await().atMost(Duration.ofSeconds(15)).until(() -> leaders(all).size() == 1);
      Agent leader = leaders(all).get(0);
      Agent other = all.get(0) == leader ? all.get(1) : all.get(0);
      long stopped = System.nanoTime();
      leader.management().close(); // resigns
      await()
          .atMost(Duration.ofSeconds(3))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> other.management().leading());
      long handover = Duration.ofNanos(System.nanoTime() - stopped).toMillis();
      System.out.println("RESULT election handover after a clean stop: " + handover + " ms");
    }
  }

  @Test
  void theLeaderWritesTheClusterStatusAndADeposedOneCannot() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      List<Agent> all = List.of(agents.start("host-a", 64, 32), agents.start("host-b", 32, 16));
      await().atMost(Duration.ofSeconds(15)).until(() -> leaders(all).size() == 1);
      Agent leader = leaders(all).get(0);
      String status = agents.keys().leaderStatus();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                var got =
                    agents
                        .probe()
                        .getKVClient()
                        .get(EtcdKeys.bytes(status), GetOption.DEFAULT)
                        .get(5, TimeUnit.SECONDS);
                assertThat(got.getKvs()).hasSize(1);
                String json = got.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
                assertThat(json).contains("\"leader\":\"" + leader.management().agent() + "\"");
                assertThat(json).contains("\"hosts\":2");
              });

      // Its election key gone (as when its lease ran out unseen), a leader's fenced write fails.
      LeaderElection election = leaderElectionOf(leader);
      agents
          .probe()
          .getKVClient()
          .delete(
              EtcdKeys.bytes(agents.keys().election()),
              io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build())
          .get(5, TimeUnit.SECONDS);
      assertThat(
              election.asLeader(
                  io.etcd.jetcd.op.Op.put(
                      EtcdKeys.bytes(status),
                      EtcdKeys.bytes("stale"),
                      io.etcd.jetcd.options.PutOption.DEFAULT)))
          .isFalse();
    }
  }

  @Test
  void theLeaderKeepsLeadingWhenAnEtcdMemberDies() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      List<Agent> all = List.of(agents.start("host-a", 64, 32), agents.start("host-b", 32, 16));
      await().atMost(Duration.ofSeconds(15)).until(() -> leaders(all).size() == 1);
      Agent leader = leaders(all).get(0);
      etcd.kill(etcd.leader().orElse(1));
      await()
          .during(Duration.ofSeconds(4))
          .atMost(Duration.ofSeconds(6))
          .until(() -> leaders(all).size() <= 1 && !leaders(all).isEmpty());
      assertThat(leaders(all)).containsExactly(leader);
    }
  }

  private static LeaderElection leaderElectionOf(Agent agent) {
    return agent.management().election();
  }
}
