package io.vpanel.bench;

import io.vpanel.core.engine.ClusterEngine;
import io.vpanel.core.engine.EngineSettings;
import io.vpanel.core.engine.HostBinding;
import io.vpanel.core.management.BuiltinManagement;
import io.vpanel.core.management.BuiltinSettings;
import io.vpanel.core.model.Activity;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.CommandResult;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.SimHypervisorDriver;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Evacuation makespan on the simulator, on a virtual clock: the planner's concurrency against the
 * fixed concurrencies other managers use (1: OpenStack, 2: oVirt and KubeVirt per node, 4, 8:
 * vSphere) and against a lower bound no scheduler can beat.
 */
public final class EvacuationBench {
  static final long GIB = 1024L * 1024 * 1024;
  static final long MB = 1_000_000L;

  /** The configurations compared: 0 is the planner, the others a fixed concurrency. */
  static final int[] CONFIGS = {0, 1, 2, 4, 8};

  /** What kind of guests the host to empty runs. */
  enum Mix {
    IDLE("idle: 2-8 GiB, 1-5 MB/s dirty"),
    BUSY("busy: 2-8 GiB, 100-300 MB/s dirty"),
    HUGE("a few huge: two 48 GiB, rest 4 GiB, mixed dirty"),
    SMALL("many small: 1-2 GiB, 1-40 MB/s dirty"),
    MIXED("mixed like the demo");

    final String description;

    Mix(String description) {
      this.description = description;
    }

    List<VmSpec> guests(int count, SplittableRandom random) {
      List<VmSpec> out = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String name = "vm-" + i;
        out.add(
            switch (this) {
              case IDLE -> guest(name, (2L << random.nextInt(3)) * GIB, rate(random, 1, 5), 0.1);
              case BUSY ->
                  guest(name, (2L << random.nextInt(3)) * GIB, rate(random, 100, 300), 0.3);
              case HUGE ->
                  i < 2 && count > 2 || count <= 2 && i == 0
                      ? guest(name, 48 * GIB, rate(random, 20, 80), 0.1)
                      : guest(name, 4 * GIB, rate(random, 1, 60), 0.2);
              case SMALL -> guest(name, (1L + random.nextInt(2)) * GIB, rate(random, 1, 40), 0.2);
              case MIXED -> {
                long memory = (2L << random.nextInt(4)) * GIB;
                int kind = random.nextInt(3);
                long dirty =
                    kind == 0
                        ? rate(random, 1, 5)
                        : kind == 1 ? rate(random, 20, 60) : rate(random, 100, 250);
                yield guest(name, memory, dirty, 0.1 + 0.1 * random.nextInt(4));
              }
            });
      }
      return out;
    }

    private static long rate(SplittableRandom random, int lowMb, int highMb) {
      return (lowMb + random.nextInt(highMb - lowMb + 1)) * MB;
    }

    private static VmSpec guest(String name, long memory, long dirty, double workingSet) {
      int vcpus = (int) Math.max(1, Math.min(8, memory / (2 * GIB)));
      return VmSpec.running(name, memory, vcpus, dirty, (long) (memory * workingSet));
    }
  }

  /** One cell of the matrix. */
  record Scenario(double nicGbps, double streamGbps, Mix mix, int vms) {
    String name() {
      return String.format(
          Locale.ROOT,
          "%s, %d VMs, NIC %.0f Gb/s, stream %.0f Gb/s",
          mix,
          vms,
          nicGbps,
          streamGbps);
    }

    long nicBytes() {
      return (long) (nicGbps * 1e9 / 8);
    }

    long streamBytes() {
      return (long) (streamGbps * 1e9 / 8);
    }
  }

  /**
   * How one configuration did.
   *
   * @param makespan request to IN_MAINTENANCE (or to the end, when it failed)
   * @param bytesSent every byte every migration sent
   * @param memory memory of the guests to move
   * @param failedMigrations migrations that failed (retries included)
   * @param vmsLeftBehind guests that did not leave
   * @param peakConcurrency the most migrations running at once
   */
  record Outcome(
      Duration makespan,
      long bytesSent,
      long memory,
      int failedMigrations,
      int vmsLeftBehind,
      int peakConcurrency) {
    double resentRatio() {
      return memory == 0 ? 0 : (bytesSent - memory) / (double) memory;
    }
  }

  /** A scenario's results: index i of {@code outcomes} is {@link #CONFIGS}[i]. */
  record Row(Scenario scenario, double lowerBoundSeconds, List<Outcome> outcomes) {
    Outcome planner() {
      return outcomes.get(0);
    }

    double bestFixedSeconds() {
      return outcomes.subList(1, outcomes.size()).stream()
          .filter(o -> o.vmsLeftBehind() == 0)
          .mapToDouble(o -> seconds(o.makespan()))
          .min()
          .orElse(Double.NaN);
    }
  }

  static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  /** The full matrix, or a small one for the smoke run. */
  static List<Scenario> scenarios(boolean smoke) {
    List<Scenario> out = new ArrayList<>();
    double[][] links =
        smoke
            ? new double[][] {{10, 4}}
            : new double[][] {{10, 4}, {10, 10}, {25, 8}, {25, 25}, {100, 16}, {100, 40}};
    int[] sizes = smoke ? new int[] {1, 4} : new int[] {1, 4, 16, 64};
    for (double[] link : links) {
      for (Mix mix : Mix.values()) {
        for (int vms : sizes) {
          out.add(new Scenario(link[0], link[1], mix, vms));
        }
      }
    }
    return out;
  }

  /** Runs every configuration of one scenario on identical clusters. */
  static Row run(Scenario scenario, long seed) {
    List<Outcome> outcomes = new ArrayList<>();
    List<VmSpec> guests = scenario.mix().guests(scenario.vms(), new SplittableRandom(seed));
    for (int config : CONFIGS) {
      outcomes.add(runOne(scenario, guests, config, seed));
    }
    long memory = guests.stream().mapToLong(VmSpec::memoryBytes).sum();
    long largest = guests.stream().mapToLong(VmSpec::memoryBytes).max().orElse(0);
    double bound =
        Math.max(
            memory / (double) scenario.nicBytes(),
            largest / (double) Math.min(scenario.streamBytes(), scenario.nicBytes()));
    return new Row(scenario, bound, outcomes);
  }

  /** Every host of {@code cluster}, controlled by the engine, through the simulator's driver. */
  static List<HostBinding> bindings(SimCluster cluster) {
    SimHypervisorDriver driver = new SimHypervisorDriver(cluster);
    List<HostBinding> bindings = new ArrayList<>();
    for (String host : cluster.hostNames()) {
      bindings.add(
          new HostBinding(
              driver.connect(SimHypervisorDriver.endpointOf(host)), true, List.of(), List.of()));
    }
    return bindings;
  }

  static Outcome runOne(Scenario scenario, List<VmSpec> guests, int fixed, long seed) {
    VirtualScheduler scheduler = new VirtualScheduler();
    long memory = guests.stream().mapToLong(VmSpec::memoryBytes).sum();
    int vcpus = guests.stream().mapToInt(VmSpec::vcpus).sum();
    HostCapacity source =
        new HostCapacity(
            Math.max(memory, GIB), Math.max(vcpus, 1), scenario.nicBytes(), scenario.streamBytes());
    // Three destinations with room for everything between them, and a spare.
    HostCapacity destination =
        new HostCapacity(
            memory / 2 + 64 * GIB, vcpus / 2 + 64, scenario.nicBytes(), scenario.streamBytes());
    SimCluster cluster =
        SimCluster.builder(scheduler)
            .seed(seed)
            .host("source", source)
            .host("dest-1", destination)
            .host("dest-2", destination)
            .host("dest-3", destination)
            .vm("source", guests.toArray(VmSpec[]::new))
            .build();
    ClusterEngine engine =
        new ClusterEngine(
            scheduler,
            Runnable::run,
            EngineSettings.defaults().withFixedConcurrency(fixed),
            new BuiltinManagement(new BuiltinSettings(List.of(), DrsMode.AUTOMATIC, false)),
            bindings(cluster));
    int[] running = new int[1];
    int[] peak = new int[1];
    int[] failed = new int[1];
    engine.addListener(
        new ClusterListener() {
          @Override
          public void onSnapshot(ClusterSnapshot snapshot) {}

          @Override
          public void onActivity(Activity activity) {
            Object event = activity.fields().get("event");
            if ("started".equals(event)) {
              peak[0] = Math.max(peak[0], ++running[0]);
            } else if ("completed".equals(event)) {
              running[0]--;
            } else if ("failed".equals(event)) {
              running[0]--;
              failed[0]++;
            }
          }
        });
    engine.start();
    scheduler.runUntil(
        () ->
            engine.snapshot().hosts().size() == 4
                && engine.snapshot().hosts().stream().allMatch(h -> h.capacity().isPresent()),
        Duration.ofSeconds(5));
    long bytesBefore = cluster.totalBytesSent();
    Instant start = scheduler.now();
    CompletableFuture<CommandResult> request =
        engine.request("source", MaintenanceAction.ENTER, "bench");
    scheduler.runUntil(request::isDone, Duration.ofSeconds(1));
    if (!request.join().accepted()) {
      throw new IllegalStateException(scenario.name() + ": " + request.join().message());
    }
    scheduler.runUntil(
        () -> {
          MaintenanceState state =
              engine.snapshot().host("source").orElseThrow().maintenance().state();
          return state == MaintenanceState.IN_MAINTENANCE || state == MaintenanceState.FAILED;
        },
        Duration.ofDays(2));
    Duration makespan = Duration.between(start, scheduler.now());
    int left = (int) cluster.vmsOn("source").stream().filter(vm -> vm.state().isRunning()).count();
    Outcome outcome =
        new Outcome(
            makespan, cluster.totalBytesSent() - bytesBefore, memory, failed[0], left, peak[0]);
    engine.close();
    cluster.close();
    return outcome;
  }
}
