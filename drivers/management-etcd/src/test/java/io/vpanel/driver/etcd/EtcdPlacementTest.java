package io.vpanel.driver.etcd;

import static io.vpanel.driver.etcd.EtcdAgents.GIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.driver.etcd.EtcdAgents.Agent;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.management.Coordinator.AdmissionRequest;
import io.vpanel.spi.management.Coordinator.PlacementRequest;
import io.vpanel.spi.management.Coordinator.Reservation;
import io.vpanel.spi.management.LinkStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Placement reservations in etcd transactions, against a real etcd. */
class EtcdPlacementTest extends RealEtcdTest {
  private static Agent connected(EtcdAgents agents, String host, long gib, int vcpus) {
    Agent agent = agents.start(host, gib, vcpus);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> agent.management().link() == LinkStatus.CONNECTED);
    return agent;
  }

  /** Waits until every agent sees {@code host} with its capacity. */
  private static void seenEverywhere(String host, Agent... agents) {
    for (Agent agent : agents) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                Registration r = agent.management().hosts().get(host);
                return r != null && r.capacityKnown();
              });
    }
  }

  private static PlacementRequest move(String vm, String from, String to, long gib, int vcpus) {
    return new PlacementRequest(vm, "guest-" + vm, from, to, gib * GIB, vcpus);
  }

  private static Reservation reserve(Agent agent, PlacementRequest request) throws Exception {
    return agent.coordinator().reserve(request).get(20, TimeUnit.SECONDS);
  }

  @Test
  void aGuestOnItsWayToOneHostIsNeverGrantedASecondOne() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent source = connected(agents, "src", 64, 32);
      Agent other = connected(agents, "other", 64, 32); // a second agent asking for the same guest
      connected(agents, "dst-1", 64, 32);
      connected(agents, "dst-2", 64, 32);
      seenEverywhere("dst-1", source, other);
      seenEverywhere("dst-2", source, other);

      Reservation first = reserve(source, move("vm-1", "src", "dst-1", 4, 2));
      assertThat(first.granted()).as(first.reason()).isTrue();
      assertThat(agents.count(agents.keys().guest("vm-1"))).isEqualTo(1);

      Reservation again = reserve(source, move("vm-1", "src", "dst-2", 4, 2));
      assertThat(again.granted()).isFalse();
      assertThat(again.reason())
          .isEqualTo(
              "guest-vm-1 is already on its way to dst-1 (" + source.management().agent() + ")");
      Reservation byOther = reserve(other, move("vm-1", "src", "dst-2", 4, 2));
      assertThat(byOther.granted()).isFalse();
      assertThat(byOther.reason()).startsWith("guest-vm-1 is already on its way to dst-1");
      // Asking again for the same destination is the same reservation (a retry after a timeout).
      assertThat(reserve(source, move("vm-1", "src", "dst-1", 4, 2)).granted()).isTrue();

      // The move ends: the claim goes at once, the room on dst-1 once dst-1 reported; the guest
      // may go on elsewhere, by any agent.
      source.coordinator().unreserve(first);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> agents.count(agents.keys().guest("vm-1")) == 0);
      Reservation next = reserve(other, move("vm-1", "dst-1", "dst-2", 4, 2));
      assertThat(next.granted()).as(next.reason()).isTrue();
    }
  }

  @Test
  void evacuationsPlannedAtOnceByThreeAgentsNeverOverCommitADestination() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      List<Agent> sources =
          List.of(
              connected(agents, "src-a", 64, 32),
              connected(agents, "src-b", 64, 32),
              connected(agents, "src-c", 64, 32));
      int rounds = 5;
      List<String> results = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        String destination = "dst-" + round;
        Agent dst = connected(agents, destination, 16, 12);
        dst.report(MaintenanceState.OPERATIONAL, 16, 12, 2, 0); // 14 GiB, 12 vCPUs free
        seenEverywhere(destination, sources.toArray(Agent[]::new));
        List<CompletableFuture<Reservation>> asked = new ArrayList<>();
        for (Agent source : sources) {
          for (int guest = 0; guest < 4; guest++) {
            asked.add(
                source
                    .coordinator()
                    .reserve(
                        move(
                            source.host() + "-r" + round + "-vm" + guest,
                            source.host(),
                            destination,
                            2,
                            1)));
          }
        }
        long grantedMemory = 0;
        int granted = 0;
        for (CompletableFuture<Reservation> answer : asked) {
          Reservation reservation = answer.get(30, TimeUnit.SECONDS);
          if (reservation.granted()) {
            granted++;
            grantedMemory += reservation.request().memoryBytes();
          } else {
            assertThat(reservation.reason()).contains(destination + " has");
          }
        }
        assertThat(grantedMemory).as("round %d", round).isLessThanOrEqualTo(14 * GIB);
        assertThat(granted).as("round %d: all the room is used", round).isEqualTo(7);
        assertThat(agents.count(agents.keys().reservationsOn(destination))).isEqualTo(granted);
        results.add(granted + " of 12 granted (" + grantedMemory / GIB + " GiB of 14)");
      }
      System.out.println("RESULT concurrent reservations, 3 agents x 4 guests x 2 GiB: " + results);
    }
  }

  @Test
  void aDestinationEnteringOrInMaintenanceOrGoneIsNeverChosen() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent src = connected(agents, "src", 64, 32);
      Agent slotHolder = connected(agents, "dst-slot", 64, 32);
      Agent entering = connected(agents, "dst-entering", 64, 32);
      seenEverywhere("dst-slot", src);
      seenEverywhere("dst-entering", src);

      assertThat(
              slotHolder
                  .coordinator()
                  .admit(new AdmissionRequest("dst-slot", 0, 0, "api:ops"))
                  .get(10, TimeUnit.SECONDS)
                  .granted())
          .isTrue();
      Reservation toSlotHolder = reserve(src, move("vm1", "src", "dst-slot", 1, 1));
      assertThat(toSlotHolder.granted()).isFalse();
      assertThat(toSlotHolder.reason())
          .isEqualTo("dst-slot holds maintenance slot 0: it is entering or in maintenance");

      entering.report(MaintenanceState.ENTERING, 64, 32, 0, 0);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(reserve(src, move("vm2", "src", "dst-entering", 1, 1)).reason())
                      .isEqualTo("dst-entering is ENTERING"));

      Reservation toNobody = reserve(src, move("vm3", "src", "nowhere", 1, 1));
      assertThat(toNobody.granted()).isFalse();
      assertThat(toNobody.reason()).contains("nowhere is not registered in etcd");
    }
  }

  @Test
  void aHostThatGuestsAreMovingToIsNotAdmittedUntilTheyEnd() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent src = connected(agents, "src", 64, 32);
      Agent dst = connected(agents, "dst", 64, 32);
      seenEverywhere("dst", src);
      Reservation held = reserve(src, move("vm1", "src", "dst", 4, 2));
      assertThat(held.granted()).isTrue();
      var refused =
          dst.coordinator()
              .admit(new AdmissionRequest("dst", 0, 0, "panel:web"))
              .get(10, TimeUnit.SECONDS);
      assertThat(refused.granted()).isFalse();
      assertThat(refused.reason())
          .isEqualTo("dst is the destination of 1 move(s) in flight; try again");

      src.coordinator().unreserve(held);
      dst.report(MaintenanceState.OPERATIONAL, 64, 32, 4, 2); // the guest arrived and is counted
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  dst.coordinator()
                      .admit(new AdmissionRequest("dst", 0, 0, "panel:web"))
                      .get(10, TimeUnit.SECONDS)
                      .granted());
    }
  }

  @Test
  void aReservationEndsAfterTheDestinationsNextReportOrItsGrace() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent src = connected(agents, "src", 64, 32);
      Agent dst = connected(agents, "dst", 8, 8);
      seenEverywhere("dst", src);
      String reservations = agents.keys().reservationsOn("dst");

      Reservation first = reserve(src, move("vm1", "src", "dst", 8, 2));
      assertThat(first.granted()).isTrue();
      src.coordinator().unreserve(first);
      // until the destination reports the guest, its room stays taken
      assertThat(reserve(src, move("vm2", "src", "dst", 8, 2)).granted()).isFalse();
      assertThat(agents.count(reservations)).isEqualTo(1);
      dst.report(MaintenanceState.OPERATIONAL, 8, 8, 0, 0); // (the move failed: nothing arrived)
      await().atMost(Duration.ofSeconds(5)).until(() -> agents.count(reservations) == 0);

      Reservation second = reserve(src, move("vm2", "src", "dst", 8, 2));
      assertThat(second.granted()).isTrue();
      long ended = System.nanoTime();
      src.coordinator().unreserve(second); // no report follows: the grace (5 s) frees it
      await().atMost(Duration.ofSeconds(10)).until(() -> agents.count(reservations) == 0);
      assertThat(Duration.ofNanos(System.nanoTime() - ended)).isGreaterThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void aDeadAgentsReservationsVanishWithItsLease() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent dead = connected(agents, "src-dead", 64, 32);
      Agent other = connected(agents, "src-other", 64, 32);
      Agent dst = connected(agents, "dst", 8, 8);
      seenEverywhere("dst", dead, other);
      assertThat(reserve(dead, move("vm1", "src-dead", "dst", 4, 1)).granted()).isTrue();
      assertThat(reserve(dead, move("vm2", "src-dead", "dst", 4, 1)).granted()).isTrue();
      assertThat(reserve(other, move("vm3", "src-other", "dst", 4, 1)).granted()).isFalse();

      long crashed = System.nanoTime();
      dead.management().abandon();
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> agents.count(agents.keys().reservationsOn("dst")) == 0);
      long freed = Duration.ofNanos(System.nanoTime() - crashed).toMillis();
      assertThat(reserve(other, move("vm3", "src-other", "dst", 4, 1)).granted()).isTrue();
      assertThat(other.peerNames()).doesNotContain("src-dead");
      System.out.println(
          "RESULT dead agent's reservations freed " + freed + " ms after it died (lease TTL 3 s)");
    }
  }

  @Test
  void reservationsFollowTheAgentOntoItsNewLease() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent src = connected(agents, "src", 64, 32);
      Agent dst = connected(agents, "dst", 8, 8);
      seenEverywhere("dst", src);
      assertThat(reserve(src, move("vm1", "src", "dst", 4, 1)).granted()).isTrue();
      long lease = src.management().leaseId();
      etcd.etcdctl("lease", "revoke", Long.toHexString(lease)); // deletes the reservation too
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  src.management().leaseId() != 0
                      && src.management().leaseId() != lease
                      && agents.count(agents.keys().reservationsOn("dst")) == 1);
    }
  }

  @Test
  void reservationsGoOnWhileAMemberIsDown() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent src = connected(agents, "src", 64, 32);
      Agent dst = connected(agents, "dst", 64, 64);
      seenEverywhere("dst", src);
      etcd.kill(etcd.leader().orElse(2));
      int granted = 0;
      for (int guest = 0; guest < 10; guest++) {
        if (reserve(src, move("vm" + guest, "src", "dst", 1, 1)).granted()) {
          granted++;
        }
      }
      assertThat(granted).isEqualTo(10);
      assertThat(src.management().link()).isNotEqualTo(LinkStatus.LOST);
    }
  }

  @Test
  void anAdmittedEvacuationGoesOnWhileEtcdIsUnreachableAndNoOtherStarts() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent src = connected(agents, "src", 64, 32);
      Agent other = connected(agents, "other", 64, 32);
      Agent dst = connected(agents, "dst", 64, 32);
      seenEverywhere("dst", src, other);
      assertThat(
              src.coordinator()
                  .admit(new AdmissionRequest("src", 0, 0, "panel:web"))
                  .get(10, TimeUnit.SECONDS)
                  .granted())
          .isTrue();
      etcd.stopAll();
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> src.management().link() == LinkStatus.LOST);
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> other.management().link() == LinkStatus.LOST);

      Reservation running = reserve(src, move("vm1", "src", "dst", 4, 2));
      assertThat(running.granted()).isTrue();
      assertThat(running.reason()).isEqualTo("granted locally while etcd is unreachable");
      Reservation notAdmitted = reserve(other, move("vm2", "other", "dst", 4, 2));
      assertThat(notAdmitted.granted()).isFalse();
      assertThat(notAdmitted.reason()).startsWith("management link lost");
      assertThat(
              other
                  .coordinator()
                  .admit(new AdmissionRequest("other", 0, 0, "panel:web"))
                  .get(10, TimeUnit.SECONDS)
                  .reason())
          .startsWith("management link lost");

      etcd.restart(1, 2, 3);
      // the decision taken alone reaches etcd once the link is back, and counts there
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> agents.count(agents.keys().reservationsOn("dst")) == 1);
      assertThat(agents.count(agents.keys().slots())).isEqualTo(1);
    }
  }
}
