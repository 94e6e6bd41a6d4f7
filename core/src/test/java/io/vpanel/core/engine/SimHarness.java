package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.management.BuiltinManagement;
import io.vpanel.core.management.BuiltinSettings;
import io.vpanel.core.model.Activity;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.HostStatus;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.SimHypervisorDriver;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A simulated cluster on a virtual clock with the engine controlling every host, and the invariants
 * of the maintenance flow checked against the simulator's own truth after every snapshot the engine
 * publishes.
 */
final class SimHarness implements AutoCloseable {
  final VirtualScheduler scheduler = new VirtualScheduler();
  final SimCluster cluster;
  final ClusterEngine engine;
  final Map<String, RecordingPanel> panels = new TreeMap<>();
  final List<Activity> activities = new ArrayList<>();
  final List<String> violations = new ArrayList<>();
  final Set<String> uuids;
  int maxConcurrentOut;

  SimHarness(Function<VirtualScheduler, SimCluster> build) {
    this(build, EngineSettings.defaults(), Map.of());
  }

  SimHarness(
      Function<VirtualScheduler, SimCluster> build,
      EngineSettings settings,
      Map<String, AlertSource> alerts) {
    cluster = build.apply(scheduler);
    uuids = cluster.allVms().stream().map(VmInfo::uuid).collect(Collectors.toSet());
    SimHypervisorDriver driver = new SimHypervisorDriver(cluster);
    List<HostBinding> bindings = new ArrayList<>();
    for (String host : cluster.hostNames()) {
      RecordingPanel panel = new RecordingPanel();
      panels.put(host, panel);
      bindings.add(
          new HostBinding(
              driver.connect(SimHypervisorDriver.endpointOf(host)),
              true,
              List.of(panel),
              alerts.containsKey(host) ? List.of(alerts.get(host)) : List.of()));
    }
    engine =
        new ClusterEngine(
            scheduler,
            Runnable::run,
            settings,
            new BuiltinManagement(new BuiltinSettings(List.of(), DrsMode.AUTOMATIC, true)),
            bindings);
    engine.addListener(
        new ClusterListener() {
          @Override
          public void onSnapshot(ClusterSnapshot snapshot) {
            checkInvariants(snapshot);
          }

          @Override
          public void onActivity(Activity activity) {
            activities.add(activity);
          }
        });
    engine.start();
    scheduler.runUntil(
        () ->
            engine.snapshot().hosts().size() == cluster.hostNames().size()
                && engine.snapshot().hosts().stream().allMatch(h -> h.capacity().isPresent()),
        Duration.ofSeconds(5));
  }

  private void checkInvariants(ClusterSnapshot snapshot) {
    Set<String> now = cluster.allVms().stream().map(VmInfo::uuid).collect(Collectors.toSet());
    if (!now.equals(uuids)) {
      violations.add("VM set changed at " + scheduler.elapsed() + ": " + now + " vs " + uuids);
    }
    Map<String, Integer> outgoing = new HashMap<>();
    for (String host : cluster.hostNames()) {
      HostCapacity capacity = cluster.capacity(host);
      long memory = 0;
      int vcpus = 0;
      for (VmInfo vm : cluster.vmsOn(host)) {
        if (vm.state() == VmState.RUNNING || vm.state() == VmState.PAUSED) {
          memory += vm.memoryBytes();
          vcpus += vm.vcpus();
        }
      }
      if (memory > capacity.memoryBytes() || vcpus > capacity.vcpus()) {
        violations.add(host + " over capacity at " + scheduler.elapsed());
      }
      if (cluster.isAlive(host) && (cluster.freeMemory(host) < 0 || cluster.freeVcpus(host) < 0)) {
        violations.add(host + " over-committed by arriving migrations at " + scheduler.elapsed());
      }
    }
    for (HostStatus status : snapshot.hosts()) {
      boolean running =
          cluster.vmsOn(status.name()).stream().anyMatch(vm -> vm.state() == VmState.RUNNING);
      if (status.maintenance().safeToService() && running) {
        violations.add(status.name() + " shown SAFE TO SERVICE with a running VM");
      }
      boolean panelSafe =
          status
              .panel()
              .map(p -> String.join("", p.lines()).contains("SAFE TO SERVICE"))
              .orElse(false);
      if (panelSafe && running) {
        violations.add(status.name() + " panel says SAFE TO SERVICE with a running VM");
      }
      int out = (int) status.vms().stream().filter(vm -> vm.migration().isPresent()).count();
      outgoing.merge(status.name(), out, Integer::sum);
    }
    outgoing.values().forEach(n -> maxConcurrentOut = Math.max(maxConcurrentOut, n));
  }

  CommandResult request(String host, MaintenanceAction action) {
    CompletableFuture<CommandResult> result = engine.request(host, action, "test");
    scheduler.runUntil(result::isDone, Duration.ofSeconds(1));
    scheduler.advance(Duration.ZERO);
    return result.join();
  }

  HostStatus status(String host) {
    return engine.snapshot().host(host).orElseThrow();
  }

  MaintenanceState state(String host) {
    return status(host).maintenance().state();
  }

  /** Runs until {@code host} reaches one of {@code states}, at most {@code limit} virtual time. */
  void runUntilState(String host, Duration limit, MaintenanceState... states) {
    Set<MaintenanceState> wanted = Set.of(states);
    scheduler.runUntil(() -> wanted.contains(state(host)), limit);
  }

  Map<String, String> placement() {
    Map<String, String> where = new TreeMap<>();
    for (VmInfo vm : cluster.allVms()) {
      where.put(vm.name(), cluster.hostOf(vm.uuid()).orElseThrow());
    }
    return where;
  }

  long runningOn(String host) {
    return cluster.vmsOn(host).stream().filter(vm -> vm.state() == VmState.RUNNING).count();
  }

  void press(String host) {
    panels.get(host).button(true, scheduler);
  }

  void release(String host) {
    panels.get(host).button(false, scheduler);
  }

  void assertNoViolations() {
    assertThat(violations).as("invariant violations").isEmpty();
  }

  @Override
  public void close() {
    engine.close();
    cluster.close();
  }

  /** A panel driver that records what it was asked to show. */
  static final class RecordingPanel implements PanelDriver {
    final List<PanelState> rendered = new ArrayList<>();
    PanelListener buttons;

    @Override
    public String name() {
      return "test";
    }

    @Override
    public PanelCapabilities capabilities() {
      return PanelCapabilities.full(DisplayGeometry.FOUR_BY_TWENTY);
    }

    @Override
    public void start(PanelListener buttons) {
      this.buttons = buttons;
    }

    @Override
    public void render(PanelState state) {
      rendered.add(state);
    }

    PanelState last() {
      return rendered.get(rendered.size() - 1);
    }

    void button(boolean pressed, VirtualScheduler scheduler) {
      buttons.onButton(ButtonEvent.maintenance(pressed, scheduler.now()));
    }

    @Override
    public void close() {}
  }
}
