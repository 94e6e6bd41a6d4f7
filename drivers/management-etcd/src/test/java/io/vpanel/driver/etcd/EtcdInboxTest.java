package io.vpanel.driver.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.driver.etcd.EtcdAgents.Agent;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.management.MaintenanceRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Notices and maintenance requests reach a host's agent through etcd, each once. */
class EtcdInboxTest extends RealEtcdTest {
  @Test
  void aNoticeWrittenWithEtcdctlReachesItsHostOnceAndIsTaken() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent a = agents.start("host-a", 64, 32);
      Agent b = agents.start("host-b", 64, 32);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> a.management().link() == LinkStatus.CONNECTED);
      String prefix = agents.keys().notices("host-a");
      etcd.etcdctl(
          "put",
          prefix + "n1",
          "{\"text\":\"PSU 2 replaced, close the lid\",\"from\":\"ops\",\"ttlSeconds\":30}");
      await().atMost(Duration.ofSeconds(10)).until(() -> a.links().notices.size() == 1);
      assertThat(a.links().notices.get(0).text()).isEqualTo("PSU 2 replaced, close the lid");
      assertThat(a.links().notices.get(0).from()).isEqualTo("ops");
      assertThat(a.links().notices.get(0).ttl()).isEqualTo(Duration.ofSeconds(30));
      await().atMost(Duration.ofSeconds(5)).until(() -> agents.count(prefix) == 0);
      assertThat(b.links().notices).isEmpty();
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(2))
          .until(() -> a.links().notices.size() == 1);
    }
  }

  @Test
  void anotherAgentAsksAHostToEnterMaintenance() {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent a = agents.start("host-a", 64, 32);
      Agent b = agents.start("host-b", 64, 32);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> b.management().link() == LinkStatus.CONNECTED);
      assertThat(b.management().requestMaintenance("host-a", MaintenanceAction.ENTER, "host-b"))
          .isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> a.links().requests.size() == 1);
      assertThat(a.links().requests)
          .containsExactly(new MaintenanceRequest("host-a", MaintenanceAction.ENTER, "host-b"));
      assertThat(b.links().requests).isEmpty();
    }
  }

  @Test
  void whatWasSentWhileTheAgentWasDownArrivesWhenItStarts() throws Exception {
    try (EtcdAgents agents = EtcdAgents.on(etcd)) {
      Agent b = agents.start("host-b", 64, 32);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> b.management().link() == LinkStatus.CONNECTED);
      b.management()
          .sendNotice("host-a", "rack 12 power work at 14:00", "facilities", Duration.ofMinutes(5));
      b.management().requestMaintenance("host-a", MaintenanceAction.EXIT, "script");
      Agent a = agents.start("host-a", 64, 32);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> a.links().notices.size() == 1 && a.links().requests.size() == 1);
      assertThat(a.links().requests.get(0).action()).isEqualTo(MaintenanceAction.EXIT);
      assertThat(a.links().notices.get(0).ttl()).isEqualTo(Duration.ofMinutes(5));
    }
  }
}
