package io.vpanel.bench;

import io.vpanel.core.RealTimeScheduler;
import io.vpanel.core.engine.ClusterEngine;
import io.vpanel.core.engine.EngineSettings;
import io.vpanel.core.engine.HostBinding;
import io.vpanel.core.management.BuiltinManagement;
import io.vpanel.core.management.BuiltinSettings;
import io.vpanel.core.model.Activity;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.HostStatus;
import io.vpanel.core.model.VmView;
import io.vpanel.core.plan.LinkModel;
import io.vpanel.core.plan.Move;
import io.vpanel.core.plan.Plan;
import io.vpanel.driver.libvirt.LibvirtHypervisorDriver;
import io.vpanel.driver.libvirt.LibvirtSettings;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.SimMigrationModel;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.testkit.Poll;
import io.vpanel.testkit.VirtualScheduler;
import io.vpanel.testkit.libvirt.TwoHosts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Evacuation on real libvirtd + QEMU (TCG) hosts in network namespaces ({@link TwoHosts}): host a
 * runs idle guests and memtest86+ guests that rewrite their RAM; a's veth is capped with {@code tc}
 * so the link, not the CPU, is the bottleneck. Each run boots the memtest guests afresh on a
 * (memtest rewrites its RAM from a few seconds to about a minute after boot) and brings the others
 * back from b live (the first run boots them too), waits until the libvirt driver's own dirty-rate
 * sampler ({@code virDomainStartDirtyRateCalc}) has reported the busy guests, then asks the engine,
 * driving the real libvirt driver, to put a into maintenance: with the planner's concurrency and
 * features, and with a fixed 1, 2, 4 and 8.
 *
 * <p>The planner runs on one engine for the whole benchmark, as an agent does on its host: its
 * first evacuation plans with the driver's declared link ("before learning"), the later ones with
 * what the engine learned from the hypervisor's job statistics of the earlier ones ("after
 * learning"). Each run's predicted makespan is the engine's own plan ({@code
 * Plan.predictedSeconds}) just before the request. The fixed configurations run on a fresh engine
 * each, with the same features chosen for their concurrency.
 */
final class LibvirtEvacuationBench {
  static final String SECTION = "## 7. Evacuation on real QEMU (libvirt)";
  static final long MIB = 1024L * 1024;

  /**
   * Downtime steps of the bed's driver: a memtest guest that auto-converge cannot bring under 300
   * ms (under TCG it still dirtied 13 MiB/s at a 99 % throttle, and once ran 213 rounds in the 4
   * minutes a run may take) is allowed 600 ms after 5 rounds, 1200 after 10, 2000 after 15. With a
   * ceiling of 1200 ms after 20 rounds, runs of 4 and 8 at once (where each migration's share of
   * the link is below what a throttled memtest dirties) took up to 221 s and 139 rounds, and the
   * bench 19.5 minutes.
   */
  static final int DOWNTIME_CEILING_MILLIS = 2000;

  static final int DOWNTIME_STEP_ROUNDS = 5;

  /** How often the driver samples each guest's dirty rate, and the engine re-reads inventories. */
  static final int SAMPLE_SECONDS = 2;

  /**
   * The rate a memtest guest's sample must show before the run starts: memtest writes at about 120
   * MiB/s once its tests run, but samples of its first seconds show a few MiB/s, and a plan made on
   * those took a memory writer for a quiet guest (predicted 18.7 s, measured 68.4 s).
   */
  static final long MEMTEST_WRITING = 64 * MIB;

  /** How long a run waits for a paced guest's rate once the memtest guests have theirs. */
  static final Duration PACED_WAIT = Duration.ofSeconds(20);

  /** 0 is the planner; the others a fixed concurrency. */
  static final int[] CONFIGS =
      System.getProperty("vpanel.bench.configs") == null
          ? new int[] {0, 1, 2, 4, 8}
          : java.util.Arrays.stream(System.getProperty("vpanel.bench.configs").split(","))
              .mapToInt(Integer::parseInt)
              .toArray();

  /** What a's veth may send, in Mbit/s. */
  static final int LINK_MBIT = 400;

  /**
   * One guest of the bed.
   *
   * @param busy memtest86+ (it rewrites its RAM), else idle (SeaBIOS halted)
   * @param icountShift for a busy guest whose dirty rate is set: QEMU's instruction counter ({@code
   *     -icount shift=N,sleep=on,align=on}) caps its speed; 0 for none (as fast as TCG runs it)
   */
  record GuestSpec(String name, boolean busy, int icountShift) {
    GuestSpec(String name, boolean busy) {
      this(name, busy, 0);
    }

    boolean paced() {
      return icountShift > 0;
    }
  }

  /**
   * The instruction-counter shift of the paced guest: 30-38 MB/s on QEMU 7.2, under the link's 48
   * MiB/s when it moves alone, over its share when it shares the link with another migration.
   */
  static final int PACED_SHIFT = 5;

  /**
   * One finished migration, from the engine's activity (the driver's job statistics).
   *
   * @param features what it ran with, as the journal says (after any fallback)
   * @param fallback what the peer refused, empty when nothing
   */
  record Migration(
      String vm,
      boolean ok,
      long bytes,
      int rounds,
      long downtimeMillis,
      double seconds,
      String features,
      String fallback) {}

  /**
   * One evacuation.
   *
   * @param config 0 for the planner, else the fixed concurrency
   * @param concurrency the concurrency it ran with (the planner's choice for config 0)
   * @param seconds request to IN_MAINTENANCE (or FAILED)
   * @param state the state a ended in
   * @param plan the engine's plan just before the request (features, prediction, link)
   * @param dirtyRates bytes/s per guest as the driver reported them at the request
   * @param peak the most migrations running at once
   */
  record Run(
      int config,
      int repetition,
      int concurrency,
      double seconds,
      MaintenanceState state,
      List<Migration> migrations,
      List<String> leftOnSource,
      List<String> onDestination,
      Plan plan,
      Map<String, Long> dirtyRates,
      int peak) {
    long bytes() {
      return migrations.stream().filter(Migration::ok).mapToLong(Migration::bytes).sum();
    }

    long maxDowntimeMillis() {
      return migrations.stream().mapToLong(Migration::downtimeMillis).max().orElse(0);
    }

    int rounds() {
      return migrations.stream().filter(Migration::ok).mapToInt(Migration::rounds).sum();
    }

    long failed() {
      return migrations.stream().filter(m -> !m.ok()).count();
    }

    boolean learned() {
      return plan.link().map(LinkModel::learned).orElse(false);
    }

    /** The plan's features per guest name. */
    Map<String, String> plannedFeatures() {
      Map<String, String> out = new TreeMap<>();
      for (Move move : plan.moves()) {
        out.put(move.vm().name(), move.options().featureLabel());
      }
      return out;
    }
  }

  record Result(
      List<GuestSpec> guests,
      int linkMbit,
      int repetitions,
      List<Run> runs,
      String loadBefore,
      String loadAfter,
      double minutes) {}

  private final boolean smoke;

  LibvirtEvacuationBench(boolean smoke) {
    this.smoke = smoke;
  }

  static List<GuestSpec> guests(boolean smoke) {
    if (smoke) {
      return List.of(
          new GuestSpec("idle1", false),
          new GuestSpec("busy1", true),
          // shift 3: a quarter of the pace, so it boots in seconds (the smoke checks no timing)
          new GuestSpec("paced1", true, 3));
    }
    return List.of(
        new GuestSpec("busy1", true),
        new GuestSpec("busy2", true),
        new GuestSpec("paced1", true, PACED_SHIFT),
        new GuestSpec("idle1", false),
        new GuestSpec("idle2", false),
        new GuestSpec("idle3", false));
  }

  Result run() {
    long started = System.nanoTime();
    String loadBefore = BenchLoad.loadAverage();
    List<GuestSpec> guests = guests(smoke);
    int repetitions = smoke ? 1 : 2;
    double gbps = LINK_MBIT / 1000.0;
    LibvirtSettings settings =
        LibvirtSettings.defaults()
            .withNetwork(gbps, gbps)
            .withAutoConverge(50, 25)
            .withDirtyRateSampleSeconds(SAMPLE_SECONDS)
            .withDowntimeSteps(DOWNTIME_CEILING_MILLIS, DOWNTIME_STEP_ROUNDS);
    List<Run> runs = new ArrayList<>();
    try (TwoHosts hosts = TwoHosts.start("bench");
        LibvirtHypervisorDriver driver = new LibvirtHypervisorDriver(settings)) {
      hosts.capLink('a', LINK_MBIT);
      if (smoke) {
        // one evacuation before learning and one after: the learning step runs too
        try (Bed planner = new Bed(driver, hosts, 0)) {
          runs.add(planner.evacuate(guests, 0));
          runs.add(planner.evacuate(guests, 1));
        }
      } else {
        // The planner first, on one engine that learns from each of its runs (its first is its
        // "before learning"), then each fixed concurrency on a fresh engine: one engine at a time
        // drives the hosts (with two connected, a c=1 switch-over hung twice on this QEMU 7.2).
        try (Bed planner = new Bed(driver, hosts, 0)) {
          for (int rep = 0; rep <= repetitions; rep++) {
            runs.add(report(planner.evacuate(guests, rep)));
          }
        }
        for (int rep = 0; rep < repetitions; rep++) {
          for (int config : CONFIGS) {
            if (config > 0) {
              try (Bed fixed = new Bed(driver, hosts, config)) {
                runs.add(report(fixed.evacuate(guests, rep)));
              }
            }
          }
        }
      }
      hosts.clearGuests();
    }
    return new Result(
        guests,
        LINK_MBIT,
        repetitions,
        runs,
        loadBefore,
        BenchLoad.loadAverage(),
        (System.nanoTime() - started) / 60e9);
  }

  private static Run report(Run run) {
    System.out.printf(
        java.util.Locale.ROOT,
        "  %s rep %d: %.1f s (predicted %.1f s%s), c=%d, %d MiB, %s%n",
        run.config() == 0 ? "planner" : "c=" + run.config(),
        run.repetition(),
        run.seconds(),
        run.plan().predictedSeconds(),
        run.learned() ? ", learned" : "",
        run.concurrency(),
        run.bytes() / MIB,
        run.state());
    return run;
  }

  /** One engine driving a and b through the real driver; the planner's lives for every run. */
  private static final class Bed implements AutoCloseable {
    private final TwoHosts hosts;
    private final int fixed;
    private final RealTimeScheduler scheduler = new RealTimeScheduler();
    private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
    private final HypervisorConnection a;
    private final HypervisorConnection b;
    private final ClusterEngine engine;
    private final List<Migration> migrations = new CopyOnWriteArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    Bed(LibvirtHypervisorDriver driver, TwoHosts hosts, int fixed) {
      this.hosts = hosts;
      this.fixed = fixed;
      a = driver.connect(hosts.endpoint('a'));
      b = driver.connect(hosts.endpoint('b'));
      engine =
          new ClusterEngine(
              scheduler,
              io,
              EngineSettings.defaults().toBuilder()
                  .fixedConcurrency(fixed)
                  .returnVmsOnExit(false)
                  // as often as the driver samples dirty rates: a sample reaches the engine's
                  // snapshot with the next inventory read (nothing signals it), and with the
                  // agent's 30 s every fresh engine waited about 28 s for its first rates
                  .inventoryRefresh(Duration.ofSeconds(SAMPLE_SECONDS))
                  .build(),
              new BuiltinManagement(new BuiltinSettings(List.of(), DrsMode.AUTOMATIC, false)),
              List.of(
                  new HostBinding(a, true, List.of(), List.of()),
                  new HostBinding(b, true, List.of(), List.of())));
      engine.addListener(
          new ClusterListener() {
            @Override
            public void onSnapshot(ClusterSnapshot snapshot) {}

            @Override
            public void onActivity(Activity activity) {
              record(activity);
            }
          });
      engine.start();
    }

    private void record(Activity activity) {
      if (Boolean.getBoolean("vpanel.bench.trace")) {
        System.err.println("  [" + fixed + "] " + activity.kind() + ": " + activity.message());
      }
      Map<String, Object> f = activity.fields();
      Object event = f.get("event");
      if (!"migration".equals(activity.kind()) || event == null) {
        return;
      }
      switch (event.toString()) {
        case "started" -> peak.accumulateAndGet(running.incrementAndGet(), Math::max);
        case "completed", "failed" -> {
          running.decrementAndGet();
          boolean ok = "completed".equals(event.toString());
          migrations.add(
              new Migration(
                  f.get("vm").toString(),
                  ok,
                  number(f.get("bytesSent")),
                  ok ? (int) number(f.get("rounds")) : 0,
                  ok ? number(f.get("downtimeMillis")) : 0,
                  ((Number) f.get("seconds")).doubleValue(),
                  String.valueOf(f.getOrDefault("features", "")),
                  String.valueOf(f.getOrDefault("fallback", ""))));
        }
        default -> {}
      }
    }

    /**
     * Brings the guests back to a (live from b where the last run left them, booted where they do
     * not run yet), waits for the driver's dirty rates and evacuates a.
     */
    Run evacuate(List<GuestSpec> guests, int rep) {
      long cleared = System.nanoTime();
      // The paced guest and the idle ones come back live from b (virsh, at once) instead of booting
      // afresh: the paced guest boots at its slow pace too (its memtest writes about 30 s after
      // boot), and fewer guests booting at once leave the CPUs to the memtest guests, which boot
      // afresh (they rewrite their RAM in a window from a few seconds to about a minute after
      // boot, which a guest that came back would be past). One that fails to come back boots.
      Set<String> onA = java.util.concurrent.ConcurrentHashMap.newKeySet();
      onA.addAll(hosts.guests('a', false));
      List<String> onB = hosts.guests('b', false);
      try (ExecutorService back = Executors.newVirtualThreadPerTaskExecutor()) {
        for (GuestSpec guest : guests) {
          boolean comesBack = guest.paced() || !guest.busy();
          if (comesBack && onB.contains(guest.name()) && !onA.contains(guest.name())) {
            back.submit(
                () -> {
                  try {
                    hosts.migrate(guest.name(), 'b', 'a');
                    onA.add(guest.name());
                  } catch (RuntimeException | AssertionError e) {
                    System.err.println("  " + guest.name() + " did not come back: " + e);
                  }
                });
          }
        }
      }
      Set<String> kept =
          guests.stream()
              .map(GuestSpec::name)
              .filter(onA::contains)
              .collect(java.util.stream.Collectors.toSet());
      hosts.clearGuestsExcept(kept);
      long booting = System.nanoTime();
      // the memtest guests, whose rates the run waits for; a paced guest's memtest has long read
      // and wait phases at its pace (over 80 s seen), so it gets PACED_WAIT after them to show a
      // rate and then moves with what the driver sampled (the memtest guests stop writing about a
      // minute after boot)
      List<String> busy =
          guests.stream().filter(g -> g.busy() && !g.paced()).map(GuestSpec::name).toList();
      List<String> paced = guests.stream().filter(GuestSpec::paced).map(GuestSpec::name).toList();
      try {
        // the guests boot at once (virsh, one process each): a run's set-up is the bench's overhead
        try (ExecutorService boot = Executors.newVirtualThreadPerTaskExecutor()) {
          List<java.util.concurrent.Future<?>> booted = new ArrayList<>();
          for (GuestSpec guest : guests) {
            if (kept.contains(guest.name())) {
              continue;
            }
            booted.add(
                boot.submit(
                    () -> {
                      if (guest.paced()) {
                        hosts.startPacedGuest('a', guest.name(), guest.icountShift());
                      } else if (guest.busy()) {
                        hosts.startBusyGuest('a', guest.name());
                      } else {
                        hosts.startIdleGuest('a', guest.name());
                      }
                    }));
          }
          for (java.util.concurrent.Future<?> one : booted) {
            one.get(2, TimeUnit.MINUTES);
          }
        }
        long[] nextTrace = {System.nanoTime() + 10_000_000_000L};
        Poll.atMost(Duration.ofSeconds(90))
            .until(
                "a to report its "
                    + guests.size()
                    + " guests, the memtest ones writing, and b its capacity",
                () -> {
                  ClusterSnapshot s = engine.snapshot();
                  Optional<HostStatus> source = s.host("a");
                  if (System.nanoTime() > nextTrace[0] && source.isPresent()) {
                    // what holds the run up, every 10 s (a guest whose writes pause reports 0)
                    nextTrace[0] = System.nanoTime() + 10_000_000_000L;
                    System.out.println(
                        "    waiting "
                            + (System.nanoTime() - booting) / 1_000_000_000L
                            + " s: "
                            + source.get().vms().stream()
                                .map(
                                    vm ->
                                        vm.vm().name()
                                            + "="
                                            + vm.vm().dirtyRateBytesPerSec() / MIB
                                            + "MiB/s")
                                .toList());
                  }
                  return source.map(h -> h.runningVms() == guests.size()).orElse(false)
                      && source.get().maintenance().state() == MaintenanceState.OPERATIONAL
                      && source.flatMap(HostStatus::capacity).isPresent()
                      && s.host("b").flatMap(HostStatus::capacity).isPresent()
                      && source.get().vms().stream()
                          .filter(vm -> busy.contains(vm.vm().name()))
                          .allMatch(vm -> vm.vm().dirtyRateBytesPerSec() >= MEMTEST_WRITING);
                });
        try {
          Poll.atMost(PACED_WAIT)
              .until(
                  "the paced guests to show a dirty rate",
                  () ->
                      engine.snapshot().host("a").orElseThrow().vms().stream()
                          .filter(vm -> paced.contains(vm.vm().name()))
                          .allMatch(vm -> vm.vm().dirtyRateBytesPerSec() > 0));
        } catch (AssertionError quiet) {
          System.out.println("    the paced guest is in a quiet phase: it moves as sampled");
        }
        Map<String, Long> dirty = new TreeMap<>();
        for (VmView vm : engine.snapshot().host("a").orElseThrow().vms()) {
          dirty.put(vm.vm().name(), vm.vm().dirtyRateBytesPerSec());
        }
        long ready = System.nanoTime();
        Plan plan = engine.plan("a").get(30, TimeUnit.SECONDS);
        migrations.clear();
        running.set(0);
        peak.set(0);
        long t0 = System.nanoTime();
        CommandResult accepted =
            engine.request("a", MaintenanceAction.ENTER, "bench").get(30, TimeUnit.SECONDS);
        if (!accepted.accepted()) {
          throw new IllegalStateException("enter maintenance refused: " + accepted.message());
        }
        MaintenanceState end;
        try {
          end =
              Poll.atMost(Duration.ofMinutes(4))
                  .until(
                      "a to reach IN_MAINTENANCE or FAILED",
                      () -> engine.snapshot().host("a").orElseThrow().maintenance().state(),
                      st -> st == MaintenanceState.IN_MAINTENANCE || st == MaintenanceState.FAILED);
        } catch (AssertionError stuck) {
          // Reported as a run that did not finish (its end state ENTERING), not the end of the
          // benchmark: the next run boots its guests afresh.
          System.err.println("  config " + fixed + " rep " + rep + ": " + stuck.getMessage());
          end = engine.snapshot().host("a").orElseThrow().maintenance().state();
          engine.request("a", MaintenanceAction.CANCEL, "bench").get(30, TimeUnit.SECONDS);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Run run =
            new Run(
                fixed,
                rep,
                fixed > 0 ? Math.min(fixed, guests.size()) : plan.concurrency(),
                seconds,
                end,
                List.copyOf(migrations),
                hosts.guests('a', false),
                hosts.guests('b', false),
                plan,
                Map.copyOf(dirty),
                peak.get());
        // ready for the next run: out of maintenance (nothing moves back), the guests go
        // (a stuck run was cancelled above; the next run's clean-up ends it)
        CommandResult exit =
            end == MaintenanceState.ENTERING
                ? CommandResult.refused("cancelled")
                : engine.request("a", MaintenanceAction.EXIT, "bench").get(30, TimeUnit.SECONDS);
        if (exit.accepted()) {
          Poll.atMost(Duration.ofMinutes(2))
              .until(
                  "a to be OPERATIONAL again",
                  () -> engine.snapshot().host("a").orElseThrow().maintenance().state(),
                  st -> st == MaintenanceState.OPERATIONAL);
        }
        long done = System.nanoTime();
        System.out.printf(
            java.util.Locale.ROOT,
            "    (back and clear %.1f s, boot and first dirty rates %.1f s, evacuation %.1f s,"
                + " exit %.1f s)%n",
            (booting - cleared) / 1e9,
            (ready - booting) / 1e9,
            seconds,
            (done - t0) / 1e9 - seconds);
        return run;
      } catch (Exception e) {
        throw new IllegalStateException("libvirt evacuation (config " + fixed + "): " + e, e);
      }
    }

    @Override
    public void close() {
      engine.close();
      closeQuietly(a);
      closeQuietly(b);
      scheduler.close();
      io.shutdownNow();
    }
  }

  private static void closeQuietly(AutoCloseable resource) {
    try {
      resource.close();
    } catch (Exception e) {
      System.err.println("closing " + resource + ": " + e);
    }
  }

  private static long number(Object value) {
    return value instanceof Number n ? n.longValue() : 0;
  }

  /**
   * The simulator's prediction for the bed: the same guests (memory, the dirty rates the driver
   * sampled for {@code run}; a busy guest rewrites all its memory, an idle one nothing), two hosts
   * on the same capped link offering what this libvirt offers (auto-converge, XBZRLE, multifd), the
   * simulator's own set-up time, evacuated by the planner on the virtual clock.
   */
  static double simulatorSeconds(Run run, List<GuestSpec> guests) {
    VirtualScheduler scheduler = new VirtualScheduler();
    long link = LINK_MBIT * 1_000_000L / 8;
    HostCapacity capacity = new HostCapacity(8L << 30, 32, link, link);
    Set<MigrationFeature> offered =
        EnumSet.of(
            MigrationFeature.AUTO_CONVERGE, MigrationFeature.XBZRLE, MigrationFeature.MULTIFD);
    List<VmSpec> specs = new ArrayList<>();
    for (GuestSpec guest : guests) {
      long memory =
          run.plan().moves().stream()
              .filter(m -> m.vm().name().equals(guest.name()))
              .mapToLong(m -> m.vm().memoryBytes())
              .findFirst()
              .orElse(128 * MIB);
      long dirty = run.dirtyRates().getOrDefault(guest.name(), 0L);
      specs.add(VmSpec.running(guest.name(), memory, 1, dirty, guest.busy() ? memory : MIB));
    }
    SimCluster cluster =
        SimCluster.builder(scheduler)
            .seed(1)
            .model(SimMigrationModel.defaults())
            .host("a", capacity, offered)
            .host("b", capacity, offered)
            .vm("a", specs.toArray(VmSpec[]::new))
            .build();
    try (ClusterEngine engine =
        new ClusterEngine(
            scheduler,
            Runnable::run,
            EngineSettings.defaults(),
            new BuiltinManagement(new BuiltinSettings(List.of(), DrsMode.AUTOMATIC, false)),
            EvacuationBench.bindings(cluster))) {
      engine.start();
      scheduler.runUntil(
          () ->
              engine.snapshot().hosts().size() == 2
                  && engine.snapshot().hosts().stream().allMatch(h -> h.capacity().isPresent()),
          Duration.ofSeconds(5));
      Instant start = scheduler.now();
      CompletableFuture<CommandResult> request =
          engine.request("a", MaintenanceAction.ENTER, "bench");
      scheduler.runUntil(request::isDone, Duration.ofSeconds(1));
      if (!request.join().accepted()) {
        throw new IllegalStateException("simulated bed refused: " + request.join().message());
      }
      try {
        scheduler.runUntil(
            () -> {
              MaintenanceState state =
                  engine.snapshot().host("a").orElseThrow().maintenance().state();
              return state == MaintenanceState.IN_MAINTENANCE || state == MaintenanceState.FAILED;
            },
            Duration.ofHours(2));
      } catch (IllegalStateException e) {
        throw new IllegalStateException(
            "simulated bed still " + engine.snapshot().host("a").orElseThrow().maintenance(), e);
      }
      return Duration.between(start, scheduler.now()).toMillis() / 1000.0;
    } finally {
      cluster.close();
    }
  }

  /**
   * Lower bound: every guest's smallest volume seen in any run (what it had to send at least: its
   * non-zero pages, re-sent ones when that was the least it ever sent) over the link's configured
   * rate once, without set-up.
   */
  static double lowerBoundSeconds(List<Run> runs) {
    Map<String, Long> least = new HashMap<>();
    for (Run run : runs) {
      for (Migration m : run.migrations()) {
        if (m.ok()) {
          least.merge(m.vm(), m.bytes(), Math::min);
        }
      }
    }
    long total = least.values().stream().mapToLong(Long::longValue).sum();
    return total / (LINK_MBIT * 1e6 / 8);
  }
}
