package io.vpanel.core.engine;

import io.vpanel.core.journal.Journal;
import io.vpanel.core.management.LocalCoordinator;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.management.Coordinator;
import io.vpanel.spi.management.ManagementBackend;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The engine's parts, each owning one concern, and what they share: the owner thread's scheduler,
 * the executor for blocking peer calls, the settings, the journal and the management side. Built
 * once by {@link ClusterEngine}; every part reaches the others through it, so parts that call each
 * other (migrations finish runs, runs start migrations) need no construction order. Everything here
 * runs on the owner thread.
 */
final class EngineParts {
  final Scheduler scheduler;
  final Executor blockingIo;
  final Executor panelIo;
  final EngineSettings settings;
  final Journal journal;

  /** Null when no management backend is configured. */
  final ManagementBackend management;

  final Coordinator coordinator;
  final HostTable hosts;
  final ActivityLog activity;
  final EngineEvents events;
  final MaintenanceStateMachine states;
  final MaintenanceCommands commands;
  final DurableStartGate gate;
  final MigrationScheduler migrations;
  final MigrationTimeouts timeouts;
  final MigrationLearning learning = new MigrationLearning();
  final MigrationWatchdog watchdog;
  final LocalGuestActions localActions;
  final RunCompletion completion;
  final CrashRecovery recovery;
  final RunMemory memory;
  final InventorySync inventory;
  final PfaPolicy pfa;
  final PeerMembership peers;
  final HaAssessment ha;
  final PanelMessages messages;
  final ButtonGestures gestures;
  final PanelFanOut panels;
  final SnapshotPublisher publisher;
  boolean closed;

  EngineParts(
      Scheduler scheduler,
      Executor blockingIo,
      Executor panelIo,
      EngineSettings settings,
      ManagementBackend management,
      Journal journal,
      HostTable hosts) {
    this.scheduler = scheduler;
    this.blockingIo = blockingIo;
    this.panelIo = panelIo;
    this.settings = settings;
    this.management = management;
    this.journal = journal;
    this.hosts = hosts;
    this.coordinator =
        management == null
            ? new LocalCoordinator()
            : management.coordinator().orElseGet(LocalCoordinator::new);
    this.activity = new ActivityLog(scheduler, journal);
    this.events = new EngineEvents();
    this.states = new MaintenanceStateMachine(this);
    this.commands = new MaintenanceCommands(this);
    this.gate = new DurableStartGate(this);
    this.migrations = new MigrationScheduler(this);
    this.timeouts = new MigrationTimeouts(settings);
    this.watchdog = new MigrationWatchdog(this);
    this.localActions = new LocalGuestActions(this);
    this.completion = new RunCompletion(this);
    this.recovery = new CrashRecovery(this);
    this.memory = new RunMemory(this);
    this.inventory = new InventorySync(this);
    this.pfa = new PfaPolicy(this);
    this.peers = new PeerMembership(this);
    this.ha = new HaAssessment(this);
    this.messages = new PanelMessages(this);
    this.gestures = new ButtonGestures(this);
    this.panels = new PanelFanOut(this);
    this.publisher = new SnapshotPublisher(this);
  }

  /**
   * Asks for an answer that may take a round trip (the coordinator's) and carries on with it on the
   * owner thread: at once when it is already answered (core's local coordinator), else when it
   * comes. An ask that throws is a failed answer.
   */
  <T> void onAnswer(Supplier<CompletableFuture<T>> ask, Consumer<CompletableFuture<T>> then) {
    CompletableFuture<T> answer;
    try {
      answer = ask.get();
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> answered = answer;
    if (answered.isDone()) {
      then.accept(answered);
    } else {
      answered.whenComplete((ok, error) -> scheduler.execute(() -> then.accept(answered)));
    }
  }

  /** Publishes a new snapshot once the current owner task is done. */
  void publish() {
    publisher.publish();
  }

  /** Publishes now what is queued, before an answer leaves the owner thread. */
  void flushPublish() {
    publisher.flush();
  }
}
