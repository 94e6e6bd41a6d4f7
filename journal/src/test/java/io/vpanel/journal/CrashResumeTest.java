package io.vpanel.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.engine.ClusterEngine;
import io.vpanel.core.engine.SimHarness;
import io.vpanel.core.engine.SimHarness.Fault;
import io.vpanel.core.model.Activity;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.HostStatus;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.RandomCluster;
import io.vpanel.testkit.VirtualScheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash harness: evacuations (and the returns after them) on the simulator with faults, the
 * agent killed at random moments (kill -9: its tasks dropped, its journal closed without writing
 * what was queued), a new agent started on the same simulated cluster and the same journal file,
 * run to the end. After every life and at the end the invariants are checked against the
 * simulator's own truth: no VM lost or duplicated, never two migrations of one VM, never a VM sent
 * again after it arrived, SAFE TO SERVICE only with zero running VMs, and (without faults) the
 * evacuation completes and every VM comes home on exit.
 *
 * <p>{@code -Dvpanel.crash.points=N} sets how many crash points are tried (30 in the normal build).
 */
class CrashResumeTest {
  private static final Duration LONG = Duration.ofHours(6);

  @TempDir Path dir;

  @Test
  void crashesAtRandomPointsNeverBreakAnInvariant() {
    int wanted = Integer.getInteger("vpanel.crash.points", 30);
    SplittableRandom seeds = new SplittableRandom(Long.getLong("vpanel.crash.seed", 20261125L));
    Stats stats = new Stats();
    List<String> violations = new ArrayList<>();
    int trial = 0;
    while (stats.crashes < wanted && trial < wanted * 20) {
      long seed = seeds.nextLong();
      Fault fault = Fault.values()[seeds.nextInt(Fault.values().length)];
      try {
        new Trial(dir.resolve("trial-" + trial++ + ".db"), seed, fault, stats).run();
      } catch (AssertionError | RuntimeException e) {
        violations.add("seed " + seed + " fault " + fault + ": " + e.getMessage());
      }
    }
    System.out.printf(
        "crash harness: %d trials, %d crash points (%d during evacuations, %d during returns,"
            + " %d while settled), %d migrations taken over after a restart, %d arrived while"
            + " down, %d re-requests after a not-yet-durable request, %d violations%n",
        trial,
        stats.crashes,
        stats.duringEnter,
        stats.duringExit,
        stats.whileSettled,
        stats.reattached,
        stats.arrivedWhileDown,
        stats.reRequests,
        violations.size());
    assertThat(violations).as("invariant violations").isEmpty();
  }

  static final class Stats {
    int crashes;
    int duringEnter;
    int duringExit;
    int whileSettled;
    int reattached;
    int arrivedWhileDown;
    int reRequests;
  }

  /** One cluster, one journal file, several lives of the agent. */
  static final class Trial {
    final VirtualScheduler clock = new VirtualScheduler();
    final SplittableRandom random;
    final Fault fault;
    final Stats stats;
    final SimCluster cluster;
    final JournalSettings journalSettings;
    final SimHarness.Invariants invariants;
    final Map<String, Integer> evacuatedCount = new HashMap<>();
    final Map<String, Integer> returnedCount = new HashMap<>();
    Life life;

    Trial(Path file, long seed, Fault fault, Stats stats) {
      this.random = new SplittableRandom(seed);
      this.fault = fault;
      this.stats = stats;
      this.cluster =
          SimHarness.simulate(
              RandomCluster.generate(random, RandomCluster.Placement.H1_GETS_A_FAIR_SHARE), clock);
      this.journalSettings = JournalSettings.defaults(file);
      this.invariants = new SimHarness.Invariants(cluster, clock);
    }

    void run() {
      Map<String, String> before = placement();
      life = new Life(this);
      clock.runUntil(life::loaded, Duration.ofMinutes(1));
      CommandResult enter = life.request(MaintenanceAction.ENTER);
      if (System.getProperty("vpanel.crash.debug") != null) {
        System.out.println("enter at " + clock.elapsed() + ": " + enter);
      }
      if (!enter.accepted()) {
        life.crashNow();
        return;
      }
      // Faults and crashes at random moments of the evacuation.
      int crashes = 1 + random.nextInt(3);
      boolean faultDone = fault == Fault.NONE;
      Duration faultAt = Duration.ofMillis(100 + random.nextInt(20_000));
      Instant start = clock.now();
      for (int i = 0; i < crashes; i++) {
        // A third very early (often before the request is durable), a third early, a third
        // anywhere in the first half minute.
        int window = new int[] {800, 3_000, 30_000}[random.nextInt(3)];
        Instant crashAt = clock.now().plusMillis(random.nextInt(window));
        if (!faultDone && start.plus(faultAt).isBefore(crashAt)) {
          runUntil(
              start.plus(faultAt),
              MaintenanceState.IN_MAINTENANCE,
              MaintenanceState.FAILED,
              MaintenanceState.OPERATIONAL);
          injectFault();
          faultDone = true;
        }
        boolean settled =
            runUntil(
                crashAt,
                MaintenanceState.IN_MAINTENANCE,
                MaintenanceState.FAILED,
                MaintenanceState.OPERATIONAL);
        if (settled) {
          break;
        }
        stats.duringEnter++;
        restart();
        if (System.getProperty("vpanel.crash.debug") != null) {
          System.out.println("restart at " + clock.elapsed() + " -> " + life.state());
        }
        if (life.state() == MaintenanceState.OPERATIONAL && !life.cancelled) {
          // The request was not durable yet when the agent died: nothing moved; ask again.
          stats.reRequests++;
          if (!life.request(MaintenanceAction.ENTER).accepted()) {
            break;
          }
        }
      }
      if (!faultDone) {
        injectFault();
      }
      settle(
          MaintenanceState.IN_MAINTENANCE, MaintenanceState.FAILED, MaintenanceState.OPERATIONAL);
      MaintenanceState entered = life.state();
      if (fault == Fault.NONE) {
        check(entered == MaintenanceState.IN_MAINTENANCE, "no fault, yet ended " + entered);
      }
      if (entered == MaintenanceState.IN_MAINTENANCE) {
        check(runningOn("h1") == 0, "IN_MAINTENANCE with VMs running on h1");
        // A settled state survives a crash once written.
        life.journal.flush();
        stats.whileSettled++;
        restart();
        check(
            life.state() == MaintenanceState.IN_MAINTENANCE,
            "IN_MAINTENANCE lost in a restart: " + life.state());
        clock.runUntil(() -> life.loaded(), Duration.ofMinutes(1));
        clock.advance(Duration.ofSeconds(1));
        check(life.status().maintenance().safeToService(), "not SAFE TO SERVICE after restart");
      }
      if (entered == MaintenanceState.OPERATIONAL) {
        finalChecks(before, false);
        life.crashNow();
        return;
      }
      // Exit, with a crash during the return half the time.
      CommandResult exit = life.request(MaintenanceAction.EXIT);
      check(exit.accepted(), "exit refused: " + exit.message());
      if (random.nextBoolean()) {
        Instant crashAt = clock.now().plusMillis(100 + random.nextInt(20_000));
        if (!runUntil(crashAt, MaintenanceState.OPERATIONAL)) {
          stats.duringExit++;
          restart();
          if (life.state() != MaintenanceState.EXITING
              && life.state() != MaintenanceState.OPERATIONAL) {
            stats.reRequests++;
            life.request(MaintenanceAction.EXIT);
          }
        }
      }
      settle(MaintenanceState.OPERATIONAL);
      finalChecks(before, fault == Fault.NONE && entered == MaintenanceState.IN_MAINTENANCE);
      life.crashNow();
    }

    void finalChecks(Map<String, String> before, boolean allHome) {
      clock.advance(Duration.ofMinutes(1));
      check(
          cluster.activeMigrations() == 0,
          "migrations left running: " + cluster.activeMigrations());
      for (VmInfo vm : cluster.allVms()) {
        if (vm.policy() == VmPolicy.MIGRATE) {
          check(vm.state() == VmState.RUNNING, vm.name() + " is " + vm.state());
        }
      }
      if (allHome) {
        Map<String, String> after = placement();
        for (Map.Entry<String, String> e : before.entrySet()) {
          if (e.getValue().equals("h1")) {
            check(
                "h1".equals(after.get(e.getKey())),
                e.getKey() + " did not come home: " + after.get(e.getKey()));
          }
        }
      }
      invariants.assertNone();
    }

    /** Runs until the deadline or a settled state; true when settled first. */
    boolean runUntil(Instant deadline, MaintenanceState... settled) {
      Set<MaintenanceState> done = Set.of(settled);
      clock.runUntil(
          () -> done.contains(life.state()) && life.idle() || !clock.now().isBefore(deadline),
          LONG);
      return done.contains(life.state()) && life.idle();
    }

    void settle(MaintenanceState... settled) {
      Set<MaintenanceState> done = Set.of(settled);
      clock.runUntil(() -> done.contains(life.state()) && life.idle(), LONG);
    }

    void restart() {
      if (System.getProperty("vpanel.crash.debug") != null) {
        System.out.println("crash at " + clock.elapsed() + " in " + life.state());
      }
      stats.crashes++;
      life.crashNow();
      clock.advance(Duration.ofMillis(random.nextInt(30_000)));
      life = new Life(this);
      clock.runUntil(life::resumedOrSettled, Duration.ofMinutes(5));
    }

    void injectFault() {
      fault.inject(
          cluster,
          "h1",
          random,
          () -> {
            if (life.state() == MaintenanceState.ENTERING) {
              life.cancelled = life.request(MaintenanceAction.CANCEL).accepted() || life.cancelled;
            }
          });
    }

    void check(boolean ok, String what) {
      invariants.require(ok, what);
    }

    Map<String, String> placement() {
      return SimHarness.placement(cluster);
    }

    long runningOn(String host) {
      return SimHarness.runningOn(cluster, host);
    }

    void checkActivity(Activity activity) {
      Map<String, Object> f = activity.fields();
      if (!"migration".equals(activity.kind())) {
        if (activity.fields().containsKey("resumed")) {
          stats.arrivedWhileDown += ((Number) f.get("arrived")).intValue();
        }
        return;
      }
      String event = String.valueOf(f.get("event"));
      if ("reattached".equals(event)) {
        // Take-overs are asked of the hypervisor after the resume: each says so itself.
        stats.reattached++;
      }
      if ("failed".equals(event)) {
        String reason = String.valueOf(f.get("reason"));
        check(
            !reason.contains("already migrating"),
            "two migrations of one VM: " + activity.message());
        check(
            !reason.contains("no guest with uuid"),
            "VM sent from where it no longer is: " + activity.message());
      }
      if ("completed".equals(event)) {
        String vm = String.valueOf(f.get("vm"));
        if ("h1".equals(f.get("source"))) {
          int n = evacuatedCount.merge(vm, 1, Integer::sum);
          check(n <= 1, vm + " evacuated twice");
        }
        if ("h1".equals(f.get("destination"))) {
          int n = returnedCount.merge(vm, 1, Integer::sum);
          check(n <= 1, vm + " returned twice");
        }
      }
    }
  }

  /** One run of the agent: its scheduler, its journal, its engine. */
  static final class Life {
    final Trial trial;
    final KillableScheduler scheduler;
    final SqliteJournal journal;
    final ClusterEngine engine;
    boolean cancelled;
    boolean resumedSeen;

    Life(Trial trial) {
      this.trial = trial;
      this.scheduler = new KillableScheduler(trial.clock);
      this.journal =
          SqliteJournal.open(trial.journalSettings, trial.clock.clock(), SqliteJournal.Mode.MANUAL);
      engine = SimHarness.agentOf("h1", trial.cluster, scheduler, journal);
      engine.addListener(
          new ClusterListener() {
            @Override
            public void onSnapshot(ClusterSnapshot snapshot) {
              trial.invariants.check(snapshot);
            }

            @Override
            public void onActivity(Activity activity) {
              if (activity.fields().containsKey("resumed")) {
                resumedSeen = true;
              }
              trial.checkActivity(activity);
            }
          });
      engine.start();
      scheduleFlush();
    }

    /** The writer commits every 0.2 to 2 s of virtual time, as a busy disk might. */
    private void scheduleFlush() {
      scheduler.schedule(
          Duration.ofMillis(200 + trial.random.nextInt(1800)),
          () -> {
            journal.flush();
            scheduleFlush();
          });
    }

    void crashNow() {
      scheduler.kill();
      journal.crash();
    }

    CommandResult request(MaintenanceAction action) {
      CompletableFuture<CommandResult> result = engine.request("h1", action, "test");
      trial.clock.runUntil(result::isDone, Duration.ofSeconds(5));
      trial.clock.advance(Duration.ZERO);
      return result.join();
    }

    HostStatus status() {
      return engine.snapshot().host("h1").orElseThrow();
    }

    MaintenanceState state() {
      return engine.snapshot().host("h1").map(h -> h.maintenance().state()).orElse(null);
    }

    boolean loaded() {
      return engine.snapshot().hosts().size() == trial.cluster.hostNames().size()
          && engine.snapshot().hosts().stream()
              .allMatch(h -> h.capacity().isPresent() || !h.hypervisorConnected());
    }

    /** Nothing of this host's maintenance still in flight in the engine's view. */
    boolean idle() {
      return status().maintenance().progress().isEmpty();
    }

    boolean resumedOrSettled() {
      if (!loaded()) {
        return false;
      }
      MaintenanceState state = state();
      return resumedSeen
          || state == MaintenanceState.OPERATIONAL
          || state == MaintenanceState.IN_MAINTENANCE
          || state == MaintenanceState.FAILED;
    }
  }
}
