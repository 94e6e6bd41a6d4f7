package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.journal.Journal;
import io.vpanel.core.management.BuiltinManagement;
import io.vpanel.core.management.BuiltinSettings;
import io.vpanel.core.model.Activity;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.HostStatus;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.SimHypervisorDriver;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import io.vpanel.testkit.RandomCluster;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The simulator harness: a simulated cluster on a virtual clock with the engine controlling every
 * host, and the invariants of the maintenance flow ({@link Invariants}) checked against the
 * simulator's own truth after every snapshot the engine publishes.
 *
 * <p>It lives in core's test-jar, not in testkit, because it needs core (the engine, its snapshots)
 * and testkit may depend on {@code spi} only: core's and the drivers' tests depend on testkit, so
 * testkit depending on core would be a dependency cycle, which Maven refuses even in test scope.
 * The journal's crash harness uses it through that test-jar ({@code <type>test-jar</type>}). Public
 * are only what the journal needs: {@link #simulate} (a cluster from testkit's {@link
 * RandomCluster}), {@link #agentOf}, {@link Invariants}, {@link Fault}, {@link #placement} and
 * {@link #runningOn}; the engine harness itself serves core's own tests.
 */
public final class SimHarness implements AutoCloseable {
  final VirtualScheduler scheduler = new VirtualScheduler();
  final SimCluster cluster;
  final ClusterEngine engine;
  final Map<String, RecordingPanel> panels = new TreeMap<>();
  final List<Activity> activities = new ArrayList<>();
  final Invariants invariants;
  int maxConcurrentOut;

  SimHarness(Function<VirtualScheduler, SimCluster> build) {
    this(build, EngineSettings.defaults(), Map.of());
  }

  SimHarness(
      Function<VirtualScheduler, SimCluster> build,
      EngineSettings settings,
      Map<String, AlertSource> alerts) {
    cluster = build.apply(scheduler);
    invariants = new Invariants(cluster, scheduler);
    for (String host : cluster.hostNames()) {
      panels.put(host, new RecordingPanel());
    }
    List<HostBinding> bindings =
        bindings(
            cluster,
            host -> true,
            host -> List.of(panels.get(host)),
            host -> alerts.containsKey(host) ? List.of(alerts.get(host)) : List.of());
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
            invariants.check(snapshot);
            countOutgoing(snapshot);
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

  private void countOutgoing(ClusterSnapshot snapshot) {
    for (HostStatus status : snapshot.hosts()) {
      int out = (int) status.vms().stream().filter(vm -> vm.migration().isPresent()).count();
      maxConcurrentOut = Math.max(maxConcurrentOut, out);
    }
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
    return placement(cluster);
  }

  long runningOn(String host) {
    return runningOn(cluster, host);
  }

  void press(String host) {
    panels.get(host).button(true, scheduler);
  }

  void release(String host) {
    panels.get(host).button(false, scheduler);
  }

  void assertNoViolations() {
    invariants.assertNone();
  }

  @Override
  public void close() {
    engine.close();
    cluster.close();
  }

  /**
   * The simulated cluster {@code spec} describes, on {@code scheduler}'s clock, every guest running
   * on its host.
   */
  public static SimCluster simulate(RandomCluster spec, Scheduler scheduler) {
    SimCluster.Builder builder = SimCluster.builder(scheduler).seed(spec.simulatorSeed());
    spec.forEachHost(builder::host);
    spec.forEachVm(
        vm ->
            builder.vm(
                vm.host(),
                VmSpec.running(
                    vm.name(),
                    vm.memoryBytes(),
                    vm.vcpus(),
                    vm.dirtyBytesPerSec(),
                    vm.workingSetBytes())));
    return builder.build();
  }

  /**
   * A binding for every host of {@code cluster}: whether this engine controls it, and its panels
   * and alert sources.
   */
  static List<HostBinding> bindings(
      SimCluster cluster,
      Predicate<String> controlled,
      Function<String, List<PanelDriver>> panelsOf,
      Function<String, List<AlertSource>> alertsOf) {
    SimHypervisorDriver driver = new SimHypervisorDriver(cluster);
    List<HostBinding> bindings = new ArrayList<>();
    for (String host : cluster.hostNames()) {
      bindings.add(
          new HostBinding(
              driver.connect(SimHypervisorDriver.endpointOf(host)),
              controlled.test(host),
              panelsOf.apply(host),
              alertsOf.apply(host)));
    }
    return bindings;
  }

  /**
   * An engine, not yet started, over {@code cluster} that controls {@code host} only (the other
   * hosts are its peers), with the default settings, no panels and no alert sources, recording to
   * {@code journal}: an agent of one host, as the journal's tests restart it.
   */
  public static ClusterEngine agentOf(
      String host, SimCluster cluster, Scheduler scheduler, Journal journal) {
    List<HostBinding> bindings =
        bindings(cluster, host::equals, name -> List.of(), name -> List.of());
    return new ClusterEngine(
        scheduler,
        Runnable::run,
        EngineSettings.defaults(),
        new BuiltinManagement(new BuiltinSettings(List.of(), DrsMode.AUTOMATIC, true)),
        bindings,
        journal);
  }

  /** Each guest's name and the host it is on now. */
  public static Map<String, String> placement(SimCluster cluster) {
    Map<String, String> where = new TreeMap<>();
    for (VmInfo vm : cluster.allVms()) {
      where.put(vm.name(), cluster.hostOf(vm.uuid()).orElseThrow());
    }
    return where;
  }

  /** How many guests run on {@code host} now. */
  public static long runningOn(SimCluster cluster, String host) {
    return cluster.vmsOn(host).stream().filter(vm -> vm.state() == VmState.RUNNING).count();
  }

  /** A fault the random-fault properties and the crash harness inject into an evacuation. */
  public enum Fault {
    NONE,
    KILL_DESTINATION,
    DROP_LINK,
    NEVER_CONVERGE,
    CANCEL;

    /**
     * Injects this fault while {@code source} is evacuated: another host dies, the migration link
     * to another host drops, one of the source's guests never converges, or {@code cancel} runs.
     * Which host or guest is drawn from {@code random}.
     */
    public void inject(
        SimCluster cluster, String source, SplittableRandom random, Runnable cancel) {
      List<String> others = new ArrayList<>(cluster.hostNames());
      others.remove(source);
      switch (this) {
        case NONE -> {}
        case KILL_DESTINATION -> cluster.killHost(others.get(random.nextInt(others.size())));
        case DROP_LINK -> cluster.dropLink(source, others.get(random.nextInt(others.size())));
        case NEVER_CONVERGE -> {
          List<VmInfo> onSource = cluster.vmsOn(source);
          if (!onSource.isEmpty()) {
            cluster.neverConverge(onSource.get(random.nextInt(onSource.size())).uuid());
          }
        }
        case CANCEL -> cancel.run();
      }
    }
  }

  /**
   * What must hold after every snapshot, checked against the simulator: no guest lost or
   * duplicated, no host over its capacity or over-committed by migrations arriving there, and SAFE
   * TO SERVICE (in the engine's view or on the panel) only on a host without a running guest.
   * Violations are collected, each with the virtual time it was seen at.
   */
  public static final class Invariants {
    private final SimCluster cluster;
    private final VirtualScheduler clock;
    private final Set<String> uuids;
    private final List<String> violations = new ArrayList<>();

    /** Checks {@code cluster} from now on; its guests now are the ones that must stay. */
    public Invariants(SimCluster cluster, VirtualScheduler clock) {
      this.cluster = cluster;
      this.clock = clock;
      this.uuids = guests();
    }

    /** Checks the simulator's truth and {@code snapshot} against it. */
    public void check(ClusterSnapshot snapshot) {
      Set<String> now = guests();
      require(now.equals(uuids), "VM set changed: " + now + " vs " + uuids);
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
        require(
            memory <= capacity.memoryBytes() && vcpus <= capacity.vcpus(), host + " over capacity");
        require(
            !cluster.isAlive(host)
                || (cluster.freeMemory(host) >= 0 && cluster.freeVcpus(host) >= 0),
            host + " over-committed by arriving migrations");
      }
      for (HostStatus status : snapshot.hosts()) {
        boolean running = runningOn(cluster, status.name()) > 0;
        require(
            !(status.maintenance().safeToService() && running),
            status.name() + " shown SAFE TO SERVICE with a running VM");
        boolean panelSafe =
            status
                .panel()
                .map(p -> String.join("", p.lines()).contains("SAFE TO SERVICE"))
                .orElse(false);
        require(
            !(panelSafe && running),
            status.name() + " panel says SAFE TO SERVICE with a running VM");
      }
    }

    /** Records {@code what} as a violation unless {@code ok}. */
    public void require(boolean ok, String what) {
      if (!ok) {
        violations.add(what + " at " + clock.elapsed());
      }
    }

    /** The violations seen so far. */
    public List<String> violations() {
      return List.copyOf(violations);
    }

    /** Fails with every violation seen so far, if any. */
    public void assertNone() {
      assertThat(violations).as("invariant violations").isEmpty();
    }

    private Set<String> guests() {
      return cluster.allVms().stream().map(VmInfo::uuid).collect(Collectors.toSet());
    }
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

    /** A key stroke, as a panel that reports presses only sends it. */
    void key(PanelButton button, VirtualScheduler scheduler) {
      buttons.onButton(new ButtonEvent.Key(button, scheduler.now()));
    }

    @Override
    public void close() {}
  }
}
