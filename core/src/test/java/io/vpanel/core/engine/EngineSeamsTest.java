package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.journal.Journal;
import io.vpanel.core.model.CommandResult;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.Coordinator;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.HostReport;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.management.MaintenanceRequest;
import io.vpanel.spi.management.ManagementBackend;
import io.vpanel.spi.management.ManagementListener;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The seams new drivers plug into, on the simulator: press-only panels' confirming press, requests
 * and the link from a management backend, the host reports it is given, and a coordinator that
 * refuses admission or placement.
 */
class EngineSeamsTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;
  private static final Duration HOUR = Duration.ofHours(1);

  private final VirtualScheduler scheduler = new VirtualScheduler();
  private SimCluster cluster;
  private ClusterEngine engine;
  private final SimHarness.RecordingPanel panel = new SimHarness.RecordingPanel();

  private void start(ManagementBackend management) {
    HostCapacity capacity = new HostCapacity(32 * GIB, 16, 1_250 * MB, 500 * MB);
    cluster =
        SimCluster.builder(scheduler)
            .seed(5)
            .host("h1", capacity)
            .host("h2", capacity)
            .host("h3", capacity)
            .vm("h1", VmSpec.running("web", 2 * GIB, 2, 2 * MB, GIB / 5))
            .build();
    List<HostBinding> bindings =
        SimHarness.bindings(
            cluster,
            host -> true,
            host -> host.equals("h1") ? List.of(panel) : List.of(),
            host -> List.of());
    engine =
        new ClusterEngine(
            scheduler,
            Runnable::run,
            EngineSettings.defaults(),
            management,
            bindings,
            Journal.NONE);
    engine.start();
    scheduler.runUntil(
        () -> engine.snapshot().host("h1").flatMap(h -> h.capacity()).isPresent(),
        Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    engine.close();
    cluster.close();
  }

  private MaintenanceState state(String host) {
    return engine.snapshot().host(host).orElseThrow().maintenance().state();
  }

  private boolean panelShows(String prefix) {
    return panel.last().lines().stream().anyMatch(line -> line.startsWith(prefix));
  }

  // ---------------------------------------------------------------- press-only panels

  @Test
  void aSinglePressOnAPressOnlyPanelOffersButNeverStarts() {
    start(null);
    panel.key(PanelButton.MAINTENANCE, scheduler);
    scheduler.advance(Duration.ofMillis(10));
    assertThat(panelShows("PRESS AGAIN TO ENTER")).isTrue();
    assertThat(panel.last().confirm()).isPresent();

    scheduler.advance(Duration.ofSeconds(6));
    assertThat(state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
    assertThat(panelShows("PRESS AGAIN")).isFalse();
    assertThat(panel.last().confirm()).isEmpty();
  }

  @Test
  void aSecondPressWithinTheWindowConfirmsAndBackWithdraws() {
    start(null);
    panel.key(PanelButton.MAINTENANCE, scheduler);
    scheduler.advance(Duration.ofSeconds(1));
    panel.key(PanelButton.BACK, scheduler);
    scheduler.advance(Duration.ofSeconds(1));
    panel.key(PanelButton.MAINTENANCE, scheduler);
    scheduler.advance(Duration.ofSeconds(6));
    assertThat(state("h1"))
        .as("withdrawn, then a lone press")
        .isEqualTo(MaintenanceState.OPERATIONAL);

    panel.key(PanelButton.MAINTENANCE, scheduler);
    scheduler.advance(Duration.ofSeconds(2));
    panel.key(PanelButton.MAINTENANCE, scheduler);
    scheduler.advance(Duration.ofMillis(10));
    assertThat(state("h1")).isEqualTo(MaintenanceState.ENTERING);
    assertThat(engine.snapshot().host("h1").orElseThrow().maintenance().reason())
        .hasValue("requested by panel:test");
    scheduler.runUntil(() -> state("h1") == MaintenanceState.IN_MAINTENANCE, HOUR);
  }

  // ---------------------------------------------------------------- management backend

  /** A backend that hands the test its listener and keeps the reports it is given. */
  private static final class ScriptedBackend implements ManagementBackend {
    final List<HostReport> reports = new CopyOnWriteArrayList<>();
    final Coordinator coordinator;
    ManagementListener listener;
    volatile Optional<Boolean> pfa = Optional.empty();

    ScriptedBackend(Coordinator coordinator) {
      this.coordinator = coordinator;
    }

    @Override
    public List<HostEndpoint> peers() {
      return List.of();
    }

    @Override
    public DrsMode drsMode() {
      return DrsMode.MANUAL;
    }

    @Override
    public boolean haEnabled() {
      return false;
    }

    @Override
    public void start(ManagementListener listener) {
      this.listener = listener;
      listener.onLinkStatus(LinkStatus.CONNECTED, "scripted");
    }

    @Override
    public void publish(HostReport report) {
      reports.add(report);
    }

    @Override
    public Optional<Boolean> pfaProtected(String host) {
      return pfa;
    }

    @Override
    public Optional<Coordinator> coordinator() {
      return Optional.ofNullable(coordinator);
    }

    @Override
    public void close() {}
  }

  @Test
  void theManagementSideRequestsMaintenanceAndReportsItsOwnLink() {
    ScriptedBackend backend = new ScriptedBackend(null);
    start(backend);
    assertThat(engine.snapshot().host("h1").orElseThrow().managementLink())
        .isEqualTo(LinkStatus.CONNECTED);

    backend.listener.onLinkStatus(LinkStatus.DEGRADED, "heartbeats late");
    backend.listener.onMaintenanceRequest(
        new MaintenanceRequest("h1", MaintenanceAction.ENTER, "console"));
    scheduler.advance(Duration.ofMillis(10));
    assertThat(state("h1")).isEqualTo(MaintenanceState.ENTERING);
    assertThat(engine.snapshot().host("h1").orElseThrow().maintenance().reason())
        .hasValue("requested by management:console");
    assertThat(engine.snapshot().host("h1").orElseThrow().managementLink())
        .isEqualTo(LinkStatus.DEGRADED);

    // A peer's hypervisor going away is not folded into the backend's link.
    cluster.killHost("h3");
    scheduler.runUntil(() -> state("h1") == MaintenanceState.IN_MAINTENANCE, HOUR);
    assertThat(engine.snapshot().host("h1").orElseThrow().managementLink())
        .isEqualTo(LinkStatus.DEGRADED);
    assertThat(backend.reports)
        .anyMatch(r -> r.host().equals("h1") && r.state() == MaintenanceState.ENTERING)
        .anyMatch(r -> r.host().equals("h1") && r.safeToService());
  }

  /**
   * A backend's keyed notice replaces the one it posted under the same key and can be withdrawn;
   * its own PFA protection (vCenter's Proactive HA) arms the PFA light of a host without alert
   * source, and its absence leaves it disabled.
   */
  @Test
  void keyedNoticesFromTheBackendAndItsOwnPfaProtection() {
    ScriptedBackend backend = new ScriptedBackend(null);
    start(backend);
    assertThat(engine.snapshot().host("h1").orElseThrow().pfaProtect())
        .isEqualTo(io.vpanel.core.model.PfaStatus.DISABLED);

    backend.pfa = Optional.of(true);
    backend.listener.onClusterStatus();
    scheduler.advance(Duration.ofMillis(10));
    assertThat(engine.snapshot().host("h1").orElseThrow().pfaProtect())
        .isEqualTo(io.vpanel.core.model.PfaStatus.ARMED);
    backend.pfa = Optional.of(false);
    backend.listener.onClusterStatus();
    scheduler.advance(Duration.ofMillis(10));
    assertThat(engine.snapshot().host("h1").orElseThrow().pfaProtect())
        .isEqualTo(io.vpanel.core.model.PfaStatus.DISABLED);

    java.time.Instant now = scheduler.now();
    backend.listener.onNotice(
        new io.vpanel.spi.management.Notice(
            "h1",
            "VC UNREACHABLE: lost",
            io.vpanel.spi.management.NoticeSeverity.CRITICAL,
            "scripted",
            now,
            HOUR),
        "link");
    backend.listener.onNotice(
        new io.vpanel.spi.management.Notice(
            "h1",
            "VC LINK OK: restored",
            io.vpanel.spi.management.NoticeSeverity.INFO,
            "scripted",
            now,
            HOUR),
        "link");
    scheduler.advance(Duration.ofMillis(10));
    assertThat(engine.snapshot().host("h1").orElseThrow().notices())
        .extracting(n -> n.text())
        .containsExactly("VC LINK OK: restored");
    backend.listener.onNoticeWithdrawn("h1", "link", "scripted");
    scheduler.advance(Duration.ofMillis(10));
    assertThat(engine.snapshot().host("h1").orElseThrow().notices()).isEmpty();
  }

  /** Refuses admission while told to, and placement on {@code refusedHost}; counts the rest. */
  private static final class StrictCoordinator implements Coordinator {
    volatile boolean admit = false;
    final String refusedHost;
    final List<String> released = new CopyOnWriteArrayList<>();
    int granted;
    int unreserved;

    /** Answers that it cannot decide (its peer unreachable) while set. */
    volatile boolean unreachable = false;

    StrictCoordinator(String refusedHost) {
      this.refusedHost = refusedHost;
    }

    @Override
    public CompletableFuture<Admission> admit(AdmissionRequest request) {
      if (unreachable) {
        return CompletableFuture.completedFuture(Admission.unavailable("etcd unreachable"));
      }
      return CompletableFuture.completedFuture(
          admit
              ? Admission.granted("slot free")
              : Admission.refused("h9 holds the maintenance slot"));
    }

    @Override
    public void release(String host) {
      released.add(host);
    }

    @Override
    public CompletableFuture<Reservation> reserve(PlacementRequest request) {
      boolean ok = !request.destination().equals(refusedHost);
      if (ok) {
        granted++;
      }
      return CompletableFuture.completedFuture(
          new Reservation(request, ok, ok ? "" : "agent of " + refusedHost + " holds the room"));
    }

    @Override
    public void unreserve(Reservation reservation) {
      unreserved++;
    }
  }

  @Test
  void aCoordinatorRefusingAdmissionOrPlacementIsObeyed() {
    StrictCoordinator coordinator = new StrictCoordinator("h2");
    start(new ScriptedBackend(coordinator));
    String before = cluster.hostOf(cluster.vmsOn("h1").get(0).uuid()).orElseThrow();

    CompletableFuture<CommandResult> refused =
        engine.request("h1", MaintenanceAction.ENTER, "api:test");
    scheduler.runUntil(refused::isDone, Duration.ofSeconds(1));
    assertThat(refused.join().accepted()).isFalse();
    assertThat(refused.join().message()).isEqualTo("NO-GO: h9 holds the maintenance slot");
    scheduler.advance(Duration.ofMinutes(1));
    assertThat(state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
    assertThat(cluster.hostOf(cluster.vmsOn("h1").get(0).uuid())).hasValue(before);

    coordinator.admit = true;
    CompletableFuture<CommandResult> accepted =
        engine.request("h1", MaintenanceAction.ENTER, "api:test");
    scheduler.runUntil(accepted::isDone, Duration.ofSeconds(1));
    assertThat(accepted.join().accepted()).isTrue();
    scheduler.runUntil(() -> state("h1") == MaintenanceState.IN_MAINTENANCE, HOUR);
    // Whatever the plan chose, h2 was refused: the guest went to h3, and every grant was freed.
    assertThat(cluster.vmsOn("h3")).hasSize(1);
    assertThat(coordinator.unreserved).isEqualTo(coordinator.granted).isPositive();

    CompletableFuture<CommandResult> exit =
        engine.request("h1", MaintenanceAction.EXIT, "api:test");
    scheduler.runUntil(() -> state("h1") == MaintenanceState.OPERATIONAL, HOUR);
    assertThat(exit.join().accepted()).isTrue();
    assertThat(coordinator.released).contains("h1");
  }

  @Test
  void whoeverIsToldAcceptedReadsTheNewStateNotTheOneBefore() {
    StrictCoordinator coordinator = new StrictCoordinator("h9");
    coordinator.admit = true;
    start(new ScriptedBackend(coordinator));

    CompletableFuture<CommandResult> enter =
        engine.request("h1", MaintenanceAction.ENTER, "api:test");
    // Run only until the answer exists: no later owner task (a queued publish) may be needed.
    scheduler.runUntil(enter::isDone, Duration.ofSeconds(1));
    assertThat(enter.join().accepted()).isTrue();
    assertThat(state("h1")).isIn(MaintenanceState.ENTERING, MaintenanceState.IN_MAINTENANCE);

    scheduler.runUntil(() -> state("h1") == MaintenanceState.IN_MAINTENANCE, HOUR);
    CompletableFuture<CommandResult> exit =
        engine.request("h1", MaintenanceAction.EXIT, "api:test");
    scheduler.runUntil(exit::isDone, Duration.ofSeconds(1));
    assertThat(exit.join().accepted()).isTrue();
    assertThat(state("h1")).isIn(MaintenanceState.EXITING, MaintenanceState.OPERATIONAL);
  }

  @Test
  void aRequestTheCoordinatorCannotDecideIsQueuedAndAskedOnceWhenTheLinkIsBack() {
    StrictCoordinator coordinator = new StrictCoordinator("h9");
    coordinator.admit = true;
    coordinator.unreachable = true;
    ScriptedBackend backend = new ScriptedBackend(coordinator);
    start(backend);
    backend.listener.onLinkStatus(LinkStatus.LOST, "etcd unreachable");

    CompletableFuture<CommandResult> queued =
        engine.request("h1", MaintenanceAction.ENTER, "panel:web");
    scheduler.runUntil(queued::isDone, Duration.ofSeconds(1));
    assertThat(queued.join().accepted()).isTrue();
    assertThat(queued.join().message())
        .isEqualTo("QUEUED: enter waits for the management link (etcd unreachable)");
    scheduler.advance(Duration.ofMillis(10));
    assertThat(state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
    assertThat(engine.snapshot().host("h1").orElseThrow().queued())
        .hasValueSatisfying(q -> assertThat(q).startsWith("enter from panel:web since "));
    assertThat(String.join("|", panel.last().lines())).contains("QUEUED: ENTER");
    scheduler.advance(Duration.ofSeconds(8));
    assertThat(
            panel.rendered.stream()
                .map(p -> String.join("|", p.lines()))
                .anyMatch(l -> l.contains("MGMT LINK LOST")))
        .isTrue();

    // Still unreachable at the periodic retry: still queued, nothing decided.
    scheduler.advance(MaintenanceCommands.QUEUED_RETRY);
    assertThat(state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
    assertThat(engine.snapshot().host("h1").orElseThrow().queued()).isPresent();

    coordinator.unreachable = false;
    backend.listener.onLinkStatus(LinkStatus.CONNECTED, "back");
    scheduler.advance(Duration.ofMillis(10));
    assertThat(state("h1")).isEqualTo(MaintenanceState.ENTERING);
    assertThat(engine.snapshot().host("h1").orElseThrow().queued()).isEmpty();
    // Asked once: a later link flap decides nothing again.
    backend.listener.onLinkStatus(LinkStatus.CONNECTED, "again");
    scheduler.runUntil(() -> state("h1") == MaintenanceState.IN_MAINTENANCE, HOUR);
    assertThat(state("h1")).isEqualTo(MaintenanceState.IN_MAINTENANCE);
  }

  @Test
  void aQueuedRequestIsWithdrawnByCancelOrTheButton() {
    StrictCoordinator coordinator = new StrictCoordinator("h9");
    coordinator.admit = true;
    coordinator.unreachable = true;
    ScriptedBackend backend = new ScriptedBackend(coordinator);
    start(backend);

    CompletableFuture<CommandResult> queued =
        engine.request("h1", MaintenanceAction.ENTER, "api:ops");
    scheduler.runUntil(queued::isDone, Duration.ofSeconds(1));
    CompletableFuture<CommandResult> cancel =
        engine.request("h1", MaintenanceAction.CANCEL, "api:ops");
    scheduler.runUntil(cancel::isDone, Duration.ofSeconds(1));
    assertThat(cancel.join().message()).isEqualTo("queued enter of h1 withdrawn");
    assertThat(engine.snapshot().host("h1").orElseThrow().queued()).isEmpty();

    // Queued again from the panel (press-only: press, press), then withdrawn the same way.
    panel.key(PanelButton.MAINTENANCE, scheduler);
    panel.key(PanelButton.MAINTENANCE, scheduler);
    scheduler.advance(Duration.ofMillis(10));
    assertThat(engine.snapshot().host("h1").orElseThrow().queued()).isPresent();
    panel.key(PanelButton.MAINTENANCE, scheduler);
    scheduler.advance(Duration.ofMillis(10));
    assertThat(String.join("|", panel.last().lines())).contains("AGAIN TO CANCEL");
    panel.key(PanelButton.MAINTENANCE, scheduler);
    scheduler.advance(Duration.ofMillis(10));
    assertThat(engine.snapshot().host("h1").orElseThrow().queued()).isEmpty();

    coordinator.unreachable = false;
    backend.listener.onLinkStatus(LinkStatus.CONNECTED, "back");
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(state("h1"))
        .as("nothing withdrawn is asked again")
        .isEqualTo(MaintenanceState.OPERATIONAL);
  }
}
