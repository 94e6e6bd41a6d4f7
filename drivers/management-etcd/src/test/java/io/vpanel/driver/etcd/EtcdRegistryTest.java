package io.vpanel.driver.etcd;

import static io.vpanel.driver.etcd.EtcdAgents.GIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.driver.etcd.EtcdAgents.Agent;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.management.LinkStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The registry against a real 3-member etcd: hosts register under their lease, see each other,
 * vanish when their lease ends, and the management link follows the lease.
 */
class EtcdRegistryTest extends RealEtcdTest {
  @Test
  void everyAgentSeesTheOthersWithWhatTheyReported() {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent a = agents.start("host-a", 64, 32);
      Agent b = agents.start("host-b", 32, 16);
      Agent c = agents.start("host-c", 16, 8);
      await().atMost(Duration.ofSeconds(10)).until(() -> a.peerNames().size() == 2);
      assertThat(a.peerNames()).containsExactly("host-b", "host-c");
      await().atMost(Duration.ofSeconds(10)).until(() -> c.peerNames().size() == 2);
      assertThat(c.peerNames()).containsExactly("host-a", "host-b");
      assertThat(a.management().peers())
          .filteredOn(p -> p.name().equals("host-b"))
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.uri()).isEqualTo("tcp://host-b:49152"); // its migration URI: reachable
                assertThat(p.migrationUri()).isEqualTo("tcp://host-b:49152");
              });

      b.report(MaintenanceState.ENTERING, 32, 16, 20, 10);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                Registration seen = a.management().hosts().get("host-b");
                assertThat(seen.state()).isEqualTo(MaintenanceState.ENTERING);
                assertThat(seen.memoryBytes()).isEqualTo(32 * GIB);
                assertThat(seen.freeMemoryBytes()).isEqualTo(12 * GIB);
                assertThat(seen.freeVcpus()).isEqualTo(6);
                assertThat(seen.agent()).isEqualTo(b.management().agent());
              });
      await().atMost(Duration.ofSeconds(10)).until(() -> a.links().last() == LinkStatus.CONNECTED);
    }
  }

  @Test
  void aClosedAgentLeavesAtOnceAndACrashedOneWhenItsLeaseRunsOut() {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent a = agents.start("host-a", 64, 32);
      Agent b = agents.start("host-b", 32, 16);
      Agent c = agents.start("host-c", 32, 16);
      await().atMost(Duration.ofSeconds(10)).until(() -> a.peerNames().size() == 2);

      b.management().close(); // revokes its lease
      await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> a.peerNames().equals(java.util.List.of("host-c")));

      long crashed = System.nanoTime();
      c.management().abandon(); // keep-alives stop, nothing revoked
      await()
          .atMost(Duration.ofSeconds(8))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> a.peerNames().isEmpty());
      long gone = Duration.ofNanos(System.nanoTime() - crashed).toMillis();
      System.out.println(
          "RESULT crashed agent's host gone from the others' peers after "
              + gone
              + " ms (lease TTL 3 s)");
      assertThat(gone).isGreaterThanOrEqualTo(2000);
    }
  }

  @Test
  void aLeaseEtcdNoLongerKnowsShowsLostAndTheAgentRegistersAgain() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent a = agents.start("host-a", 64, 32);
      Agent b = agents.start("host-b", 32, 16);
      await().atMost(Duration.ofSeconds(10)).until(() -> a.links().last() == LinkStatus.CONNECTED);
      await().atMost(Duration.ofSeconds(10)).until(() -> b.peerNames().contains("host-a"));
      long lease = a.management().leaseId();
      int before = a.links().statuses.size();

      long revoked = System.nanoTime();
      etcd.etcdctl("lease", "revoke", Long.toHexString(lease));
      await()
          .atMost(Duration.ofSeconds(6))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> a.links().since(before).contains(LinkStatus.LOST));
      long detected = Duration.ofNanos(System.nanoTime() - revoked).toMillis();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> a.links().last() == LinkStatus.CONNECTED && a.management().leaseId() != lease);
      await().atMost(Duration.ofSeconds(10)).until(() -> b.peerNames().contains("host-a"));
      System.out.println(
          "RESULT revoked lease seen as LOST after " + detected + " ms; registered again");
      assertThat(a.links().reasons).anyMatch(r -> r.startsWith("LOST etcd lease expired"));
      assertThat(detected)
          .as("a revoked lease is seen at the next keep-alive answer")
          .isLessThan(2500);
    }
  }

  @Test
  void oneMemberDownChangesNothingVisible() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent a = agents.start("host-a", 64, 32);
      Agent b = agents.start("host-b", 32, 16);
      await().atMost(Duration.ofSeconds(10)).until(() -> a.peerNames().contains("host-b"));
      await().atMost(Duration.ofSeconds(10)).until(() -> a.links().last() == LinkStatus.CONNECTED);

      int before = a.links().statuses.size();
      int leader = etcd.leader().orElse(1);
      etcd.kill(leader);
      b.report(MaintenanceState.ENTERING, 32, 16, 0, 0);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> a.management().hosts().get("host-b").state() == MaintenanceState.ENTERING);
      // a lease outlives a member: the link never goes LOST and the host never vanishes
      await()
          .during(Duration.ofSeconds(4))
          .atMost(Duration.ofSeconds(6))
          .untilAsserted(
              () -> {
                assertThat(a.links().since(before)).doesNotContain(LinkStatus.LOST);
                assertThat(b.peerNames()).contains("host-a");
              });
      etcd.restart(leader);
    }
  }

  @Test
  void allMembersDownIsLostAndTheLinkComesBackAfterTheirRestart() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent a = agents.start("host-a", 64, 32);
      Agent b = agents.start("host-b", 32, 16);
      await().atMost(Duration.ofSeconds(10)).until(() -> a.links().last() == LinkStatus.CONNECTED);
      await().atMost(Duration.ofSeconds(10)).until(() -> a.peerNames().contains("host-b"));

      long down = System.nanoTime();
      etcd.stopAll();
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> a.links().last() == LinkStatus.LOST);
      long lost = Duration.ofNanos(System.nanoTime() - down).toMillis();
      assertThat(a.peerNames()).as("the peers last seen stay").containsExactly("host-b");

      long restart = System.nanoTime();
      etcd.restart(1, 2, 3);
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () ->
                  a.links().last() == LinkStatus.CONNECTED
                      && b.links().last() == LinkStatus.CONNECTED);
      long back = Duration.ofNanos(System.nanoTime() - restart).toMillis();
      await().atMost(Duration.ofSeconds(10)).until(() -> b.peerNames().contains("host-a"));
      System.out.println(
          "RESULT all members down: link LOST after "
              + lost
              + " ms; CONNECTED "
              + back
              + " ms after restart");
    }
  }

  @Test
  void withoutQuorumTheLinkIsDegradedFirstAndLostOnceTheLeaseRanOut() throws Exception {
    EtcdSettings sixSeconds = EtcdAgents.settings(etcd, 1).withTimes(6, 2, 1, 5000);
    try (EtcdAgents agents = new EtcdAgents(etcd, sixSeconds)) {
      Agent a = agents.start("host-a", 64, 32);
      await().atMost(Duration.ofSeconds(10)).until(() -> a.links().last() == LinkStatus.CONNECTED);
      int before = a.links().statuses.size();
      long cut = System.nanoTime();
      etcd.kill(1);
      etcd.kill(2); // one member left: no quorum, no keep-alive is answered
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> a.links().since(before).contains(LinkStatus.DEGRADED));
      long degraded = Duration.ofNanos(System.nanoTime() - cut).toMillis();
      await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> a.links().last() == LinkStatus.LOST);
      long lost = Duration.ofNanos(System.nanoTime() - cut).toMillis();
      assertThat(a.links().since(before)).startsWith(LinkStatus.DEGRADED);
      assertThat(lost).isGreaterThan(degraded);
      etcd.restart(1, 2);
      await().atMost(Duration.ofSeconds(30)).until(() -> a.links().last() == LinkStatus.CONNECTED);
      System.out.println(
          "RESULT quorum lost (lease TTL 6 s): DEGRADED after "
              + degraded
              + " ms, LOST after "
              + lost
              + " ms");
    }
  }
}
