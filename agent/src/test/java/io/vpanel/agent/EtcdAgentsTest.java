package io.vpanel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.HostStatus;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.testkit.EtcdCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three agents started from their configuration files with {@code management: {driver: etcd}}
 * against a real 3-member etcd: they register, a host evacuates to the others with its moves
 * reserved in etcd, and while it holds the only maintenance slot another host's request is NO-GO
 * naming the holder, until the first is back.
 */
class EtcdAgentsTest {
  @TempDir static Path dir;
  static EtcdCluster etcd;

  /** A cluster of this test's own in the shared etcd, so no test sees another's slots. */
  private final String cluster = "agents-" + java.util.UUID.randomUUID().toString().substring(0, 8);

  private final EtcdSimAgents agents = new EtcdSimAgents(dir, cluster);

  @BeforeAll
  static void startEtcd() throws IOException {
    etcd = EtcdCluster.start(dir.resolve("etcd"));
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @AfterEach
  void stopAgents() {
    agents.close();
  }

  private RunningAgent agent(String host) throws IOException {
    return agent(host, 3);
  }

  private RunningAgent agent(String host, int simHosts) throws IOException {
    return agents.start(host, simHosts, 6, 3, etcd.endpoints(), "");
  }

  private static HostStatus own(RunningAgent agent, String host) {
    return agent.engine().snapshot().host(host).orElseThrow();
  }

  @Test
  void oneHostAtATimeEvacuatesThroughEtcdAndTheOtherIsToldWhoHoldsTheSlot() throws Exception {
    RunningAgent one = agent("sim-01");
    RunningAgent two = agent("sim-02");
    RunningAgent three = agent("sim-03");
    for (RunningAgent[] pair : new RunningAgent[][] {{one, null}, {two, null}, {three, null}}) {
      String host = pair[0] == one ? "sim-01" : pair[0] == two ? "sim-02" : "sim-03";
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> own(pair[0], host).managementLink() == LinkStatus.CONNECTED);
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                etcd.etcdctl("get", "--prefix", "--keys-only", "/vpanel/" + cluster + "/hosts/")
                    .contains("sim-03"));

    CommandResult entered =
        two.engine()
            .request("sim-02", MaintenanceAction.ENTER, "api:ops")
            .get(30, TimeUnit.SECONDS);
    assertThat(entered.accepted()).as(entered.message()).isTrue();
    assertThat(
            etcd.etcdctl(
                "get",
                "--prefix",
                "--print-value-only",
                "/vpanel/" + cluster + "/maintenance/slots/"))
        .contains("\"host\":\"sim-02\"");

    CommandResult refused =
        one.engine()
            .request("sim-01", MaintenanceAction.ENTER, "panel:web")
            .get(30, TimeUnit.SECONDS);
    assertThat(refused.accepted()).isFalse();
    assertThat(refused.message())
        .isEqualTo("NO-GO: max 1 host(s) in maintenance; slot held by sim-02 (api:ops)");

    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> own(two, "sim-02").maintenance().state() == MaintenanceState.IN_MAINTENANCE);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                etcd.etcdctl("get", "--print-value-only", "/vpanel/" + cluster + "/hosts/sim-02")
                    .contains("\"state\":\"IN_MAINTENANCE\""));
    // Every agent's view shows sim-02 as its own agent reports it.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                own(one, "sim-02").maintenance().state() == MaintenanceState.IN_MAINTENANCE
                    && own(three, "sim-02").maintenance().state()
                        == MaintenanceState.IN_MAINTENANCE);
    assertThat(
            etcd.etcdctl("get", "--prefix", "--keys-only", "/vpanel/" + cluster + "/reservations/"))
        .as("every move's reservation ended with it")
        .doesNotContain("/vpanel/" + cluster + "/reservations/sim-01/x");

    CommandResult exited =
        two.engine().request("sim-02", MaintenanceAction.EXIT, "api:ops").get(30, TimeUnit.SECONDS);
    assertThat(exited.accepted()).as(exited.message()).isTrue();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> own(two, "sim-02").maintenance().state() == MaintenanceState.OPERATIONAL);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> own(one, "sim-02").maintenance().state() == MaintenanceState.OPERATIONAL);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                one.engine()
                    .request("sim-01", MaintenanceAction.ENTER, "panel:web")
                    .get(30, TimeUnit.SECONDS)
                    .accepted());
  }

  private static List<String> hostsSeenBy(RunningAgent agent) {
    return agent.engine().snapshot().hosts().stream().map(HostStatus::name).toList();
  }

  @Test
  void aHostThatRegistersLaterJoinsEveryAgentsViewAndLeavesItWithItsLease() throws Exception {
    // Each agent's simulator has four hosts; the first agent starts when sim-02 and sim-03 are
    // registered, so sim-04 is not among its peers until its own agent registers.
    RunningAgent two = agent("sim-02", 4);
    RunningAgent three = agent("sim-03", 4);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                etcd.etcdctl("get", "--prefix", "--keys-only", "/vpanel/" + cluster + "/hosts/")
                    .contains("sim-03"));
    RunningAgent one = agent("sim-01", 4);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> hostsSeenBy(one).containsAll(List.of("sim-01", "sim-02", "sim-03")));
    assertThat(hostsSeenBy(one)).doesNotContain("sim-04");

    RunningAgent four = agent("sim-04", 4);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                one.engine()
                    .snapshot()
                    .host("sim-04")
                    .map(h -> h.capacity().isPresent())
                    .orElse(false));
    // every agent watches the registry on its own: two sees the newcomer when its watch fires
    await().atMost(Duration.ofSeconds(20)).until(() -> hostsSeenBy(two).contains("sim-04"));
    assertThat(
            one.engine().plan("sim-01").get(10, TimeUnit.SECONDS).moves().stream()
                .map(m -> m.destination()))
        .as("the newcomer takes guests")
        .contains("sim-04");

    agents.stop(four);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> !hostsSeenBy(one).contains("sim-04") && !hostsSeenBy(three).contains("sim-04"));
    assertThat(
            one.engine().plan("sim-01").get(10, TimeUnit.SECONDS).moves().stream()
                .map(m -> m.destination()))
        .doesNotContain("sim-04");
  }

  @Test
  void anyAgentTakesARequestOrANoticeForAnotherHostAndItsOwnAgentActsOnIt() throws Exception {
    RunningAgent one = agent("sim-01");
    RunningAgent two = agent("sim-02");
    RunningAgent three = agent("sim-03");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                List.of(one, two, three).stream()
                    .allMatch(
                        a ->
                            a.engine().snapshot().hosts().stream()
                                .filter(HostStatus::controlled)
                                .allMatch(h -> h.managementLink() == LinkStatus.CONNECTED)));

    CommandResult sent =
        one.engine()
            .request("sim-03", MaintenanceAction.ENTER, "api:ops")
            .get(30, TimeUnit.SECONDS);
    assertThat(sent.accepted()).as(sent.message()).isTrue();
    assertThat(sent.message()).isEqualTo("enter sent to the agent of sim-03; it decides");
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> own(three, "sim-03").maintenance().state() == MaintenanceState.IN_MAINTENANCE);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> own(one, "sim-03").maintenance().state() == MaintenanceState.IN_MAINTENANCE);

    CommandResult notice =
        two.engine()
            .postNotice(
                "sim-03",
                "DIMM swap now",
                io.vpanel.spi.management.NoticeSeverity.WARNING,
                Duration.ofMinutes(5),
                "noc")
            .get(30, TimeUnit.SECONDS);
    assertThat(notice.accepted()).as(notice.message()).isTrue();
    assertThat(notice.message()).isEqualTo("sent to the agent of sim-03");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                own(three, "sim-03").notices().stream()
                    .anyMatch(
                        n ->
                            n.text().equals("DIMM swap now")
                                && n.severity()
                                    == io.vpanel.spi.management.NoticeSeverity.WARNING));
    assertThat(own(two, "sim-03").notices()).as("not kept where it was posted").isEmpty();

    CommandResult back =
        two.engine().request("sim-03", MaintenanceAction.EXIT, "api:ops").get(30, TimeUnit.SECONDS);
    assertThat(back.accepted()).as(back.message()).isTrue();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> own(three, "sim-03").maintenance().state() == MaintenanceState.OPERATIONAL);
  }
}
