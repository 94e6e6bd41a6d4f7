package io.vpanel.driver.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.driver.etcd.EtcdAgents.Agent;
import io.vpanel.spi.management.Coordinator.Admission;
import io.vpanel.spi.management.Coordinator.AdmissionRequest;
import io.vpanel.spi.management.LinkStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Admission to maintenance through etcd's compare-and-swap slots, against a real etcd. */
class EtcdAdmissionTest extends RealEtcdTest {
  private static Agent connected(EtcdAgents agents, String host) {
    Agent agent = agents.start(host, 64, 32);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> agent.management().link() == LinkStatus.CONNECTED);
    return agent;
  }

  private static AdmissionRequest ask(String host) {
    return new AdmissionRequest(host, 8L << 30, 4, "panel:web");
  }

  @Test
  void twoHostsAskingAtOnceWithRoomForOneNeverBothPass() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd, 1)) {
      Agent a = connected(agents, "host-a");
      Agent b = connected(agents, "host-b");
      String slots = agents.keys().slots();
      int grantedA = 0;
      int grantedB = 0;
      int rounds = 50;
      for (int round = 0; round < rounds; round++) {
        CompletableFuture<Admission> fromA = a.coordinator().admit(ask("host-a"));
        CompletableFuture<Admission> fromB = b.coordinator().admit(ask("host-b"));
        Admission answerA = fromA.get(10, TimeUnit.SECONDS);
        Admission answerB = fromB.get(10, TimeUnit.SECONDS);
        assertThat(answerA.granted() ^ answerB.granted())
            .as("round %d: exactly one of %s / %s", round, answerA, answerB)
            .isTrue();
        Admission refused = answerA.granted() ? answerB : answerA;
        String holder = answerA.granted() ? "host-a" : "host-b";
        assertThat(refused.reason()).contains("max 1 host(s) in maintenance").contains(holder);
        assertThat(agents.count(slots)).isEqualTo(1);
        if (answerA.granted()) {
          grantedA++;
          a.coordinator().release("host-a");
        } else {
          grantedB++;
          b.coordinator().release("host-b");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> agents.count(slots) == 0);
      }
      System.out.println(
          "RESULT admission race, max 1, "
              + rounds
              + " rounds: host-a granted "
              + grantedA
              + ", host-b granted "
              + grantedB
              + ", both granted 0, none granted 0");
      assertThat(grantedA + grantedB).isEqualTo(rounds);
    }
  }

  @Test
  void theHolderIsAdmittedAgainAndOthersOnlyAfterItsRelease() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd, 1)) {
      Agent a = connected(agents, "host-a");
      Agent b = connected(agents, "host-b");
      assertThat(a.coordinator().admit(ask("host-a")).get(10, TimeUnit.SECONDS).granted()).isTrue();
      // a FAILED host entering again, or an agent restarted mid-maintenance, keeps its slot
      Admission again = a.coordinator().admit(ask("host-a")).get(10, TimeUnit.SECONDS);
      assertThat(again.granted()).isTrue();
      assertThat(again.reason()).contains("already held by host-a");
      Admission refused = b.coordinator().admit(ask("host-b")).get(10, TimeUnit.SECONDS);
      assertThat(refused.granted()).isFalse();
      assertThat(refused.reason())
          .isEqualTo("max 1 host(s) in maintenance; slot held by host-a (panel:web)");

      a.coordinator().release("host-a");
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> b.coordinator().admit(ask("host-b")).get(10, TimeUnit.SECONDS).granted());
    }
  }

  @Test
  void aSlotOutlivesItsAgentsLeaseSoAHostServicedWhileOffKeepsIt() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd, 1)) {
      Agent a = connected(agents, "host-a");
      Agent b = connected(agents, "host-b");
      assertThat(a.coordinator().admit(ask("host-a")).get(10, TimeUnit.SECONDS).granted()).isTrue();
      a.management().abandon(); // the host is powered off for service, its agent with it
      await().atMost(Duration.ofSeconds(10)).until(() -> b.peerNames().isEmpty());
      Admission refused = b.coordinator().admit(ask("host-b")).get(10, TimeUnit.SECONDS);
      assertThat(refused.granted()).isFalse();
      assertThat(refused.reason()).contains("slot held by host-a");
    }
  }

  @Test
  void withRoomForTwoThreeHostsAskingAtOnceGetTwoSlots() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd, 2)) {
      List<Agent> hosts =
          List.of(
              connected(agents, "host-a"),
              connected(agents, "host-b"),
              connected(agents, "host-c"));
      for (int round = 0; round < 10; round++) {
        List<CompletableFuture<Admission>> answers =
            hosts.stream().map(h -> h.coordinator().admit(ask(h.host()))).toList();
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
            .get(20, TimeUnit.SECONDS);
        long granted = answers.stream().filter(a -> a.join().granted()).count();
        assertThat(granted).as("round %d", round).isEqualTo(2);
        // released only once all have answered: a slot freed earlier may go to a host still asking
        for (int i = 0; i < hosts.size(); i++) {
          if (answers.get(i).join().granted()) {
            hosts.get(i).coordinator().release(hosts.get(i).host());
          }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> agents.count(agents.keys().slots()) == 0);
      }
    }
  }

  @Test
  void anAgentWithoutItsLeaseRefusesWithTheReason() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd, 1)) {
      Agent a = connected(agents, "host-a");
      etcd.stopAll();
      await().atMost(Duration.ofSeconds(15)).until(() -> a.management().link() == LinkStatus.LOST);
      Admission refused = a.coordinator().admit(ask("host-a")).get(15, TimeUnit.SECONDS);
      assertThat(refused.granted()).isFalse();
      assertThat(refused.reason()).startsWith("management link lost");
    }
  }

  @Test
  void withTheHaReserveAHostMayGoOnlyIfTheOthersCouldStillTakeTheBusiestHostsGuests()
      throws Exception {
    EtcdSettings reserve = EtcdAgents.settings(etcd, 2).withHaReserve(true);
    try (EtcdAgents agents = new EtcdAgents(etcd, reserve)) {
      Agent a = connected(agents, "host-a");
      Agent b = connected(agents, "host-b");
      Agent c = connected(agents, "host-c");
      a.report(io.vpanel.spi.MaintenanceState.OPERATIONAL, 64, 32, 8, 4);
      b.report(io.vpanel.spi.MaintenanceState.OPERATIONAL, 32, 16, 16, 8); // the busiest: 16 GiB
      c.report(io.vpanel.spi.MaintenanceState.OPERATIONAL, 32, 16, 8, 4); // 24 GiB free
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  a.management().hosts().get("host-c").usedMemoryBytes() == 8L << 30
                      && a.management().hosts().get("host-b").usedMemoryBytes() == 16L << 30);
      Admission tooMuch =
          a.coordinator()
              .admit(new AdmissionRequest("host-a", 10L << 30, 4, "panel:web"))
              .get(10, TimeUnit.SECONDS);
      assertThat(tooMuch.granted()).isFalse();
      assertThat(tooMuch.reason())
          .isEqualTo(
              "HA reserve: after 10 GiB leave host-a, the hosts besides host-b keep 14 GiB free,"
                  + " host-b's guests need 16 GiB");
      Admission fits =
          a.coordinator()
              .admit(new AdmissionRequest("host-a", 8L << 30, 4, "panel:web"))
              .get(10, TimeUnit.SECONDS);
      assertThat(fits.granted()).as(fits.reason()).isTrue();
      // host-a out: host-c alone besides host-b cannot take host-b's guests plus host-c's own
      Admission second =
          c.coordinator()
              .admit(new AdmissionRequest("host-c", 8L << 30, 4, "panel:web"))
              .get(10, TimeUnit.SECONDS);
      assertThat(second.granted()).isFalse();
      assertThat(second.reason()).startsWith("HA reserve:");
    }
  }

  @Test
  void withEtcdUnreachableARequestIsUndecidedByDefaultAndAdmittedLocallyWhenConfigured()
      throws Exception {
    EtcdSettings one = EtcdAgents.settings(etcd, 1); // both agents in one cluster
    try (EtcdAgents waiting = new EtcdAgents(etcd, one);
        EtcdAgents local = new EtcdAgents(etcd, one.whenUnreachable("local"))) {
      Agent a = connected(waiting, "host-a");
      Agent b = connected(local, "host-b");
      etcd.stopAll();

      Admission undecided = a.coordinator().admit(ask("host-a")).get(30, TimeUnit.SECONDS);
      assertThat(undecided.granted()).isFalse();
      assertThat(undecided.unavailable()).as(undecided.reason()).isTrue();

      Admission admitted = b.coordinator().admit(ask("host-b")).get(30, TimeUnit.SECONDS);
      assertThat(admitted.granted()).as(admitted.reason()).isTrue();
      assertThat(admitted.reason()).startsWith("admitted locally while etcd is unreachable");

      // Back: the local admission takes its slot in etcd, so nobody else is admitted past it.
      etcd.restart(1, 2, 3);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  etcd.etcdctl("get", "--prefix", "--print-value-only", local.keys().slots())
                      .contains("\"host\":\"host-b\""));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> a.management().link() == LinkStatus.CONNECTED);
      Admission refused = a.coordinator().admit(ask("host-a")).get(30, TimeUnit.SECONDS);
      assertThat(refused.granted()).isFalse();
      assertThat(refused.unavailable()).isFalse();
      assertThat(refused.reason()).contains("slot held by host-b");
    }
  }
}
