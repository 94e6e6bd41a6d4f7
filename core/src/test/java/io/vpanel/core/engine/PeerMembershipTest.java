package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.model.HostStatus;
import io.vpanel.core.plan.Move;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.SimHypervisorDriver;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.HostReport;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.management.ManagementBackend;
import io.vpanel.spi.management.ManagementListener;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Peers that join and leave while the agent runs, as a registry reports them. */
class PeerMembershipTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;

  /** A backend whose peers a test changes, as etcd's registry would. */
  private static final class Registry implements ManagementBackend {
    ManagementListener listener;

    @Override
    public List<HostEndpoint> peers() {
      return List.of();
    }

    @Override
    public DrsMode drsMode() {
      return DrsMode.AUTOMATIC;
    }

    @Override
    public boolean haEnabled() {
      return true;
    }

    @Override
    public void start(ManagementListener listener) {
      this.listener = listener;
      listener.onLinkStatus(LinkStatus.CONNECTED, "test");
    }

    @Override
    public void close() {}
  }

  private final VirtualScheduler scheduler = new VirtualScheduler();
  private final HostCapacity capacity = new HostCapacity(32 * GIB, 16, 1_250 * MB, 100 * MB);
  private final SimCluster cluster =
      SimCluster.builder(scheduler)
          .seed(5)
          .host("h1", capacity)
          .host("h2", capacity)
          .host("h3", capacity)
          .vm("h1", VmSpec.running("big", 8 * GIB, 2, 2 * MB, GIB))
          .build();
  private final SimHypervisorDriver driver = new SimHypervisorDriver(cluster);
  private final Registry registry = new Registry();

  /** An agent of h1 that knows h2 from the start and hears of h3 from the registry. */
  private ClusterEngine agent() {
    ClusterEngine engine =
        new ClusterEngine(
            scheduler,
            Runnable::run,
            EngineSettings.defaults(),
            registry,
            List.of(
                new HostBinding(
                    driver.connect(SimHypervisorDriver.endpointOf("h1")),
                    true,
                    List.of(),
                    List.of()),
                new HostBinding(
                    driver.connect(SimHypervisorDriver.endpointOf("h2")),
                    false,
                    List.of(),
                    List.of())));
    engine.connectPeersWith(driver::connect);
    engine.start();
    scheduler.advance(Duration.ofSeconds(1));
    return engine;
  }

  private static List<String> hosts(ClusterEngine engine) {
    return engine.snapshot().hosts().stream().map(HostStatus::name).toList();
  }

  private static List<String> destinations(ClusterEngine engine) {
    return engine.plan("h1").join().moves().stream().map(Move::destination).toList();
  }

  @Test
  void aPeerThatJoinsIsReadAndTakesGuestsAndOneThatLeavesTakesNoneAndGoes() {
    try (ClusterEngine engine = agent()) {
      assertThat(hosts(engine)).containsExactly("h1", "h2");

      registry.listener.onPeersChanged(
          List.of(SimHypervisorDriver.endpointOf("h2"), SimHypervisorDriver.endpointOf("h3")));
      scheduler.advance(Duration.ofSeconds(1));
      assertThat(hosts(engine)).containsExactlyInAnyOrder("h1", "h2", "h3");
      assertThat(engine.snapshot().host("h3").orElseThrow().capacity()).isPresent();

      // h2 leaves: no guest is planned there any more, and it is gone from the view.
      registry.listener.onPeersChanged(List.of(SimHypervisorDriver.endpointOf("h3")));
      scheduler.advance(Duration.ofSeconds(1));
      assertThat(hosts(engine)).containsExactlyInAnyOrder("h1", "h3");
      assertThat(destinations(engine)).containsOnly("h3");
    }
  }

  @Test
  void aPeerThatLeavesWhileAGuestMovesThereStaysUntilTheMoveEnds() {
    try (ClusterEngine engine = agent()) {
      // Only h2 can take the guest: it leaves the registry in the middle of the move.
      var entered = engine.request("h1", MaintenanceAction.ENTER, "api:test");
      scheduler.runUntil(entered::isDone, Duration.ofSeconds(5));
      assertThat(entered.join().accepted()).isTrue();
      scheduler.runUntil(
          () ->
              engine.snapshot().host("h1").orElseThrow().vms().stream()
                  .anyMatch(vm -> vm.migration().isPresent()),
          Duration.ofSeconds(30));
      registry.listener.onPeersChanged(List.of());
      scheduler.advance(Duration.ofMillis(10));
      assertThat(hosts(engine)).as("kept while the move runs").contains("h2");

      scheduler.runUntil(
          () ->
              engine.snapshot().host("h1").orElseThrow().maintenance().state()
                  == MaintenanceState.IN_MAINTENANCE,
          Duration.ofMinutes(10));
      // Its guest is there now: it stays while h1's guests are to come back from it.
      assertThat(hosts(engine)).contains("h2");

      var exited = engine.request("h1", MaintenanceAction.EXIT, "api:test");
      scheduler.runUntil(
          () ->
              engine.snapshot().host("h1").orElseThrow().maintenance().state()
                  == MaintenanceState.OPERATIONAL,
          Duration.ofMinutes(10));
      assertThat(exited.join().accepted()).isTrue();
      scheduler.advance(Duration.ofSeconds(1));
      assertThat(hosts(engine)).containsExactly("h1");
      assertThat(
              cluster.hostOf(engine.snapshot().host("h1").orElseThrow().vms().get(0).vm().uuid()))
          .hasValue("h1");
    }
  }

  @Test
  void aPeerThatJoinsInMaintenanceIsShownSoAndTakesNoGuestsFromItsFirstSnapshot() {
    try (ClusterEngine engine = agent()) {
      // The registry names h3 and, before h3 is connected here, says it is in maintenance (a host
      // whose agent comes back after a cut-off, or one that is in maintenance when this agent
      // starts): the report waits for the peer and is its state once it joins.
      registry.listener.onPeersChanged(
          List.of(SimHypervisorDriver.endpointOf("h2"), SimHypervisorDriver.endpointOf("h3")));
      registry.listener.onPeerReports(
          List.of(
              new HostReport(
                  "h3",
                  MaintenanceState.IN_MAINTENANCE,
                  true,
                  true,
                  0,
                  java.util.Optional.empty(),
                  0,
                  0,
                  scheduler.now())));
      List<MaintenanceState> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      engine.addListener(
          snapshot -> snapshot.host("h3").ifPresent(h -> seen.add(h.maintenance().state())));
      scheduler.advance(Duration.ofSeconds(1));
      assertThat(hosts(engine)).contains("h3");
      assertThat(seen).isNotEmpty().containsOnly(MaintenanceState.IN_MAINTENANCE);
      assertThat(destinations(engine)).containsOnly("h2");
    }
  }

  @Test
  void aPeersStateIsWhatItsAgentReportsAndOneInMaintenanceTakesNoGuests() {
    try (ClusterEngine engine = agent()) {
      registry.listener.onPeersChanged(
          List.of(SimHypervisorDriver.endpointOf("h2"), SimHypervisorDriver.endpointOf("h3")));
      scheduler.advance(Duration.ofSeconds(1));
      registry.listener.onPeerReports(
          List.of(
              new HostReport(
                  "h2",
                  MaintenanceState.IN_MAINTENANCE,
                  true,
                  true,
                  0,
                  java.util.Optional.empty(),
                  0,
                  0,
                  scheduler.now())));
      scheduler.advance(Duration.ofMillis(10));
      assertThat(engine.snapshot().host("h2").orElseThrow().maintenance().state())
          .isEqualTo(MaintenanceState.IN_MAINTENANCE);
      assertThat(destinations(engine)).containsOnly("h3");

      registry.listener.onPeerReports(
          List.of(
              new HostReport(
                  "h2",
                  MaintenanceState.OPERATIONAL,
                  false,
                  true,
                  0,
                  java.util.Optional.empty(),
                  0,
                  0,
                  scheduler.now())));
      scheduler.advance(Duration.ofMillis(10));
      assertThat(engine.snapshot().host("h2").orElseThrow().maintenance().state())
          .isEqualTo(MaintenanceState.OPERATIONAL);
    }
  }
}
