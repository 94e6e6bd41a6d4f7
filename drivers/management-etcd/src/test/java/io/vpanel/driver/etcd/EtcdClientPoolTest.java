package io.vpanel.driver.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.Coordinator;
import io.vpanel.spi.management.HostReport;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.testkit.WallClockScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Agents whose clients share one Vert.x and executor ({@link EtcdClientPool}): they register and
 * decide like any others, and one of them closing (which on its own client would close the shared
 * Vert.x under all the others) leaves the rest working.
 */
class EtcdClientPoolTest extends RealEtcdTest {
  @Test
  void agentsOnOnePoolWorkAndOneClosingLeavesTheOthersRunning() throws Exception {
    EtcdSettings settings = EtcdAgents.settings(etcd, 1);
    List<EtcdManagement> agents = new ArrayList<>();
    try (EtcdClientPool pool = new EtcdClientPool();
        WallClockScheduler scheduler = new WallClockScheduler()) {
      for (String host : List.of("host-a", "host-b", "host-c")) {
        DriverContext context =
            new DriverContext(scheduler, host)
                .with(EtcdClientPool.class, pool)
                .with(HostEndpoint.class, new HostEndpoint(host, "sim://" + host, "tcp://" + host));
        EtcdManagement agent = new EtcdManagement(settings, context);
        agent.publish(
            new HostReport(
                host,
                MaintenanceState.OPERATIONAL,
                false,
                true,
                0,
                Optional.of(new HostCapacity(64L << 30, 32, 1_000_000_000L, 500_000_000L)),
                0,
                0,
                Instant.now()));
        agent.start(new EtcdAgents.Links());
        agents.add(agent);
      }
      assertThat(pool.size()).isEqualTo(3);
      await()
          .atMost(Duration.ofSeconds(15))
          .until(
              () ->
                  agents.stream()
                      .allMatch(a -> a.link() == LinkStatus.CONNECTED && a.peers().size() == 2));

      agents.get(0).close();
      // The others keep their links, see host-a leave, and still decide through etcd.
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> agents.get(1).peers().size() == 1 && agents.get(2).peers().size() == 1);
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(4))
          .until(
              () ->
                  agents.get(1).link() == LinkStatus.CONNECTED
                      && agents.get(2).link() == LinkStatus.CONNECTED);
      Coordinator.Admission admitted =
          agents
              .get(1)
              .coordinator()
              .orElseThrow()
              .admit(new Coordinator.AdmissionRequest("host-b", 1L << 30, 1, "test"))
              .get(10, TimeUnit.SECONDS);
      assertThat(admitted.granted()).as(admitted.reason()).isTrue();
      Coordinator.Admission refused =
          agents
              .get(2)
              .coordinator()
              .orElseThrow()
              .admit(new Coordinator.AdmissionRequest("host-c", 1L << 30, 1, "test"))
              .get(10, TimeUnit.SECONDS);
      assertThat(refused.reason()).contains("slot held by host-b");
    } finally {
      agents.forEach(EtcdManagement::close);
    }
  }
}
