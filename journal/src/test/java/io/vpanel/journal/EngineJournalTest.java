package io.vpanel.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.engine.ClusterEngine;
import io.vpanel.core.engine.SimHarness;
import io.vpanel.core.journal.Journal;
import io.vpanel.core.journal.JournalEntry;
import io.vpanel.core.journal.JournalQuery;
import io.vpanel.core.journal.LearnedLink;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.plan.LinkModel;
import io.vpanel.core.plan.Plan;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.VirtualScheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine with a real journal: what gets recorded, a journal that fails, a clean stop. */
class EngineJournalTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;

  @TempDir Path dir;

  final VirtualScheduler clock = new VirtualScheduler();

  SimCluster cluster() {
    HostCapacity capacity = new HostCapacity(32 * GIB, 16, 1_250 * MB, 500 * MB);
    return SimCluster.builder(clock)
        .seed(3)
        .host("h1", capacity)
        .host("h2", capacity)
        .host("h3", capacity)
        .vm(
            "h1",
            VmSpec.running("a", 8 * GIB, 2, 2 * MB, GIB),
            VmSpec.running("b", 8 * GIB, 2, 2 * MB, GIB),
            VmSpec.running("c", 4 * GIB, 2, 2 * MB, GIB))
        .build();
  }

  ClusterEngine engine(SimCluster cluster, Journal journal, KillableScheduler scheduler) {
    ClusterEngine engine = SimHarness.agentOf("h1", cluster, scheduler, journal);
    engine.start();
    clock.runUntil(
        () ->
            engine.snapshot().hosts().size() == 3
                && engine.snapshot().hosts().stream().allMatch(h -> h.capacity().isPresent()),
        Duration.ofSeconds(5));
    return engine;
  }

  SqliteJournal journal() {
    return SqliteJournal.open(
        JournalSettings.defaults(dir.resolve("j.db")), clock.clock(), SqliteJournal.Mode.MANUAL);
  }

  void flushEvery(SqliteJournal journal, KillableScheduler scheduler) {
    scheduler.schedule(
        Duration.ofMillis(500),
        () -> {
          journal.flush();
          flushEvery(journal, scheduler);
        });
  }

  CommandResult request(ClusterEngine engine, MaintenanceAction action, String origin) {
    CompletableFuture<CommandResult> result = engine.request("h1", action, origin);
    clock.runUntil(result::isDone, Duration.ofSeconds(5));
    clock.advance(Duration.ZERO);
    return result.join();
  }

  MaintenanceState state(ClusterEngine engine) {
    return engine.snapshot().host("h1").orElseThrow().maintenance().state();
  }

  @Test
  void recordsRequestsPlansMovesWithCoarseProgressAndTransitions() {
    SimCluster cluster = cluster();
    KillableScheduler scheduler = new KillableScheduler(clock);
    SqliteJournal journal = journal();
    flushEvery(journal, scheduler);
    ClusterEngine engine = engine(cluster, journal, scheduler);
    assertThat(request(engine, MaintenanceAction.ENTER, "api:ops").accepted()).isTrue();
    clock.runUntil(() -> state(engine) == MaintenanceState.IN_MAINTENANCE, Duration.ofHours(1));
    journal.flush();
    List<JournalEntry> all =
        journal.read(
            new JournalQuery(
                "h1", 1000, Optional.empty(), Optional.of(0L), Set.of(), Optional.empty()));
    assertThat(all)
        .extracting(JournalEntry::kind)
        .contains("request", "plan", "migration", "maintenance");
    assertThat(all)
        .anyMatch(e -> e.kind().equals("request") && "api:ops".equals(e.fields().get("origin")));
    assertThat(all)
        .anyMatch(
            e -> e.kind().equals("plan") && e.fields().get("moves").toString().contains("->"));
    long progress = all.stream().filter(e -> "progress".equals(e.fields().get("event"))).count();
    long ticks = all.stream().filter(e -> "completed".equals(e.fields().get("event"))).count();
    assertThat(ticks).isEqualTo(3);
    // Coarse: a handful per move, not one per simulator tick (0.1 s).
    assertThat(progress).isPositive().isLessThan(3 * 12);
    assertThat(journal.lastStates())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.state()).isEqualTo(MaintenanceState.IN_MAINTENANCE);
              assertThat(m.evacuatedTo()).hasSize(3);
            });
    journal.close();
  }

  @Test
  void anUnavailableJournalRefusesNewMaintenanceAndThePanelsGoOn() {
    SimCluster cluster = cluster();
    KillableScheduler scheduler = new KillableScheduler(clock);
    UnavailableJournal journal =
        new UnavailableJournal("/var/lib/vpanel/journal.db: file is not a database");
    ClusterEngine engine = engine(cluster, journal, scheduler);
    CommandResult result = request(engine, MaintenanceAction.ENTER, "panel:web");
    assertThat(result.accepted()).isFalse();
    assertThat(result.message()).startsWith("journal unavailable: ").contains("not a database");
    assertThat(engine.snapshot().host("h1").orElseThrow().runningVms()).isEqualTo(3);
    assertThat(engine.snapshot().host("h1").orElseThrow().panel().orElseThrow().lines())
        .anyMatch(line -> line.contains("JOURNAL") || line.toLowerCase().contains("journal"));
    assertThat(cluster.vmsOn("h1")).hasSize(3);
  }

  @Test
  void aJournalThatFailsBeforeTheRunIsDurableEndsItBeforeAnythingMoves() {
    SimCluster cluster = cluster();
    KillableScheduler scheduler = new KillableScheduler(clock);
    SqliteJournal journal = journal();
    ClusterEngine engine = engine(cluster, journal, scheduler);
    assertThat(request(engine, MaintenanceAction.ENTER, "api:ops").accepted()).isTrue();
    // The file goes away under the agent before the first commit.
    journal.crash();
    clock.runUntil(() -> state(engine) == MaintenanceState.OPERATIONAL, Duration.ofMinutes(1));
    assertThat(engine.snapshot().host("h1").orElseThrow().maintenance().reason())
        .get()
        .asString()
        .startsWith("journal unavailable: ");
    clock.advance(Duration.ofMinutes(5));
    assertThat(cluster.vmsOn("h1")).hasSize(3);
    assertThat(cluster.activeMigrations()).isZero();
  }

  LinkModel plannedLink(ClusterEngine engine) {
    CompletableFuture<Plan> plan = engine.plan("h1");
    clock.runUntil(plan::isDone, Duration.ofSeconds(5));
    return plan.join().link().orElseThrow();
  }

  @Test
  void whatTheEngineLearnedOfItsMigrationsOutlivesARestart() {
    SimCluster cluster = cluster();
    KillableScheduler first = new KillableScheduler(clock);
    SqliteJournal journal = journal();
    flushEvery(journal, first);
    ClusterEngine engine = engine(cluster, journal, first);
    assertThat(plannedLink(engine).learned()).as("nothing moved yet").isFalse();
    assertThat(request(engine, MaintenanceAction.ENTER, "api:ops").accepted()).isTrue();
    clock.runUntil(() -> state(engine) == MaintenanceState.IN_MAINTENANCE, Duration.ofHours(1));
    assertThat(request(engine, MaintenanceAction.EXIT, "api:ops").accepted()).isTrue();
    clock.runUntil(() -> state(engine) == MaintenanceState.OPERATIONAL, Duration.ofHours(1));
    LinkModel learned = plannedLink(engine);
    assertThat(learned.learned()).isTrue();
    engine.close();
    clock.advance(Duration.ZERO);
    journal.close();
    first.kill();

    SqliteJournal reopened = journal();
    // h1 sent three guests, h2 and h3 sent them back
    assertThat(reopened.lastLearning())
        .extracting(LearnedLink::host)
        .containsExactly("h1", "h2", "h3");
    assertThat(reopened.lastLearning().get(0).samples()).isEqualTo(3);
    KillableScheduler second = new KillableScheduler(clock);
    ClusterEngine again = engine(cluster, reopened, second);
    assertThat(plannedLink(again))
        .as("the restarted engine plans with what the first one learned")
        .isEqualTo(learned);
    again.close();
    clock.advance(Duration.ZERO);
    reopened.close();
  }

  @Test
  void aCleanStopLeavesMigrationsToTheHypervisorAndTheNextStartTakesThemOver() {
    SimCluster cluster = cluster();
    KillableScheduler first = new KillableScheduler(clock);
    SqliteJournal journal = journal();
    flushEvery(journal, first);
    ClusterEngine engine = engine(cluster, journal, first);
    assertThat(request(engine, MaintenanceAction.ENTER, "api:ops").accepted()).isTrue();
    clock.runUntil(() -> cluster.activeMigrations() > 0, Duration.ofMinutes(1));
    clock.advance(Duration.ofSeconds(2));
    // SIGTERM: the engine and the journal close cleanly; the migration is not aborted.
    engine.close();
    clock.advance(Duration.ZERO);
    journal.close();
    first.kill();
    assertThat(cluster.activeMigrations()).isPositive();
    clock.advance(Duration.ofSeconds(3));
    KillableScheduler second = new KillableScheduler(clock);
    SqliteJournal reopened = journal();
    flushEvery(reopened, second);
    ClusterEngine again = engine(cluster, reopened, second);
    clock.runUntil(() -> state(again) == MaintenanceState.IN_MAINTENANCE, Duration.ofHours(1));
    assertThat(cluster.vmsOn("h1")).isEmpty();
    assertThat(cluster.allVms()).hasSize(3).allMatch(vm -> vm.state() == VmState.RUNNING);
    reopened.flush();
    List<JournalEntry> entries =
        reopened.read(
            new JournalQuery(
                "h1", 1000, Optional.empty(), Optional.of(0L), Set.of(), Optional.empty()));
    assertThat(entries)
        .anyMatch(
            e ->
                "reattached".equals(e.fields().get("event"))
                    || Boolean.TRUE.equals(e.fields().get("resumed")));
    // The return after the restart brings every guest home: evacuatedTo survived.
    assertThat(request(again, MaintenanceAction.EXIT, "api:ops").accepted()).isTrue();
    clock.runUntil(() -> state(again) == MaintenanceState.OPERATIONAL, Duration.ofHours(1));
    assertThat(cluster.vmsOn("h1")).hasSize(3);
    reopened.close();
  }
}
