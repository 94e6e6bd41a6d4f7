package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.core.RealTimeScheduler;
import io.vpanel.core.model.HostStatus;
import io.vpanel.core.model.PanelHealth;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Panels on real threads: each gets the host's state laid out for its own display, and one that
 * hangs or throws holds up neither the others nor the maintenance flow, and is shown failed.
 */
class PanelFanOutTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final RealTimeScheduler scheduler = new RealTimeScheduler();
  private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
  private SimCluster cluster;
  private ClusterEngine engine;

  private void start(List<PanelDriver> panelsOfH1) {
    long nic = 10_000_000_000L / 8;
    HostCapacity capacity = new HostCapacity(64 * GIB, 32, nic, nic);
    cluster =
        SimCluster.builder(scheduler)
            .tick(Duration.ofMillis(20))
            .host("h1", capacity)
            .host("h2", capacity)
            .host("h3", capacity)
            .vm("h1", VmSpec.running("web", GIB / 4, 1, 0, GIB / 16))
            .vm("h1", VmSpec.running("db", GIB / 4, 1, 0, GIB / 16))
            .build();
    List<HostBinding> bindings =
        SimHarness.bindings(
            cluster,
            host -> true,
            host -> host.equals("h1") ? panelsOfH1 : List.of(),
            host -> List.of());
    EngineSettings settings =
        EngineSettings.defaults().toBuilder().panelRenderTimeout(Duration.ofSeconds(1)).build();
    engine = new ClusterEngine(scheduler, io, settings, null, bindings);
    engine.start();
    // The first snapshot may not list the hosts yet.
    await()
        .atMost(WAIT)
        .until(() -> engine.snapshot().host("h1").flatMap(HostStatus::capacity).isPresent());
  }

  @AfterEach
  void stop() {
    if (engine != null) {
      engine.close();
      cluster.close();
    }
    io.shutdownNow();
    scheduler.close();
  }

  private HostStatus status(String host) {
    return engine.snapshot().host(host).orElseThrow();
  }

  private PanelHealth health(String panel) {
    return status("h1").panels().stream()
        .filter(p -> p.name().equals(panel))
        .findFirst()
        .orElseThrow();
  }

  private void enterAndAwait(MaintenanceState state) {
    assertThat(engine.request("h1", MaintenanceAction.ENTER, "api:test").join().accepted())
        .isTrue();
    await().atMost(WAIT).until(() -> status("h1").maintenance().state() == state);
  }

  @Test
  void threePanelsOfDifferentGeometryShowTheSameStateLaidOutForTheirSize() {
    LivePanels.Recording small = new LivePanels.Recording("lcd-16x2", 2, 16);
    LivePanels.Recording common = new LivePanels.Recording("lcd-20x4", 4, 20);
    LivePanels.Recording wide = new LivePanels.Recording("lcd-40x4", 4, 40);
    start(List.of(small, common, wide));

    enterAndAwait(MaintenanceState.IN_MAINTENANCE);
    await()
        .atMost(WAIT)
        .until(
            () ->
                small.showsLine(1, "SAFE TO SERVICE")
                    && common.showsLine(1, "SAFE TO SERVICE")
                    && wide.showsLine(1, "SAFE TO SERVICE"));

    for (LivePanels.Recording panel : List.of(small, common, wide)) {
      PanelState state = panel.last();
      int rows = panel.capabilities().display().rows();
      int columns = panel.capabilities().display().columns();
      assertThat(state.lines()).hasSize(rows).allSatisfy(line -> assertThat(line).hasSize(columns));
      assertThat(state.lines().get(0)).startsWith("H1").endsWith(" 0 VM");
    }
    PanelState a = small.last();
    for (PanelState b : List.of(common.last(), wide.last())) {
      assertThat(b.runningVms()).isEqualTo(a.runningVms()).isZero();
      assertThat(b.maintenanceState()).isEqualTo(a.maintenanceState());
      assertThat(b.safeToService()).isEqualTo(a.safeToService()).isTrue();
      assertThat(b.maintenance()).isEqualTo(a.maintenance());
      assertThat(b.managementLink()).isEqualTo(a.managementLink());
      assertThat(b.pfaProtect()).isEqualTo(a.pfaProtect());
      assertThat(b.drs()).isEqualTo(a.drs());
      assertThat(b.ha()).isEqualTo(a.ha());
      assertThat(b.identify()).isEqualTo(a.identify()).isTrue();
    }
    assertThat(status("h1").panels())
        .extracting(p -> p.display().toString())
        .containsExactly("16x2", "20x4", "40x4");
  }

  @Test
  void aHangingPanelDelaysNeitherTheOtherPanelsNorAMaintenanceCycle() throws Exception {
    LivePanels.Hanging hanging = new LivePanels.Hanging("stuck");
    LivePanels.Recording other = new LivePanels.Recording("lcd", 4, 20);
    start(List.of(hanging, other));
    hanging.entered.await();

    enterAndAwait(MaintenanceState.IN_MAINTENANCE);
    await().atMost(WAIT).until(() -> other.showsLine(1, "SAFE TO SERVICE"));
    assertThat(engine.request("h1", MaintenanceAction.EXIT, "api:test").join().accepted()).isTrue();
    await()
        .atMost(WAIT)
        .until(() -> status("h1").maintenance().state() == MaintenanceState.OPERATIONAL);
    await().atMost(WAIT).until(() -> other.showsLine(1, "OPERATIONAL"));
    assertThat(status("h1").runningVms()).isEqualTo(2);

    // The whole cycle ran while the stuck panel's first render had not returned.
    assertThat(hanging.release.getCount()).isOne();
    assertThat(hanging.rendered).isEmpty();
    await().atMost(WAIT).until(() -> !health("stuck").healthy());
    assertThat(health("stuck").problem())
        .hasValueSatisfying(p -> assertThat(p).contains("not returned"));
    assertThat(health("lcd").healthy()).isTrue();

    hanging.release.countDown();
    await().atMost(WAIT).until(() -> health("stuck").healthy());
    // Newest state wins: the states it missed are skipped, it shows the present.
    await().atMost(WAIT).until(() -> hanging.showsLine(1, "OPERATIONAL"));
    assertThat(hanging.rendered.size()).isLessThan(other.rendered.size());
  }

  @Test
  void aThrowingPanelIsShownFailedUntilARenderSucceeds() {
    LivePanels.Throwing throwing = new LivePanels.Throwing("broken");
    LivePanels.Recording other = new LivePanels.Recording("lcd", 4, 20);
    start(List.of(throwing, other));

    await().atMost(WAIT).until(() -> !health("broken").healthy());
    assertThat(health("broken").problem()).hasValue("render failed: device gone");
    enterAndAwait(MaintenanceState.IN_MAINTENANCE);
    await().atMost(WAIT).until(() -> other.showsLine(1, "SAFE TO SERVICE"));

    throwing.broken = false;
    // It is given its state again without any change of state.
    await().atMost(WAIT).until(() -> health("broken").healthy());
    assertThat(throwing.showsLine(1, "SAFE TO SERVICE")).isTrue();
  }

  @Test
  void aPanelWhoseDeviceFailsIsShownFailedOnTheOtherPanelsUntilItIsBack() {
    LivePanels.Recording leds = new LivePanels.Recording("sysfs", 1, 8);
    LivePanels.Recording lcd = new LivePanels.Recording("lcd", 4, 20);
    start(List.of(leds, lcd));
    List<String> activity = new java.util.concurrent.CopyOnWriteArrayList<>();
    engine.addListener(
        new io.vpanel.core.model.ClusterListener() {
          @Override
          public void onSnapshot(io.vpanel.core.model.ClusterSnapshot snapshot) {}

          @Override
          public void onActivity(io.vpanel.core.model.Activity a) {
            activity.add(a.message());
          }
        });
    await().atMost(WAIT).until(() -> leds.listener != null && lcd.last() != null);

    leds.listener.onFault(
        Optional.of("input device /dev/input/event3: permission denied\u001b[2J\nadd the group"));
    await().atMost(WAIT).until(() -> !health("sysfs").healthy());
    assertThat(health("sysfs").problem())
        .hasValue("input device /dev/input/event3: permission denied [2J add the group");
    assertThat(health("lcd").healthy()).isTrue();
    await().atMost(WAIT).until(() -> lcd.last().lines().contains(fit("PANEL SYSFS FAULT")));

    // The faulty panel still gets its states, and maintenance runs regardless.
    enterAndAwait(MaintenanceState.IN_MAINTENANCE);
    await().atMost(WAIT).until(() -> leds.last().safeToService() && lcd.last().safeToService());

    leds.listener.onFault(Optional.empty());
    await().atMost(WAIT).until(() -> health("sysfs").healthy());
    assertThat(health("sysfs").problem()).isEmpty();
    await().atMost(WAIT).until(() -> !lcd.last().lines().contains(fit("PANEL SYSFS FAULT")));
    assertThat(activity)
        .anyMatch(m -> m.startsWith("panel sysfs of h1 failed: input device"))
        .anyMatch(m -> m.equals("panel sysfs of h1 is back"));
  }

  @Test
  void aReasonIsOneBoundedLine() {
    assertThat(PanelFanOut.printable("a\r\nb\tc")).isEqualTo("a  b c");
    assertThat(PanelFanOut.printable("   ")).isEqualTo("unusable (no reason given)");
    String longReason = "x".repeat(299) + "\uD83D\uDE00" + "y".repeat(50);
    String clipped = PanelFanOut.printable(longReason);
    assertThat(clipped).endsWith("x...").hasSize(302);
  }

  private static String fit(String text) {
    return String.format("%-20s", text);
  }
}
