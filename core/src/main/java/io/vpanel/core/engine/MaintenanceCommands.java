package io.vpanel.core.engine;

import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.MigrationFailureCause;
import io.vpanel.core.plan.ConcurrencyPolicy;
import io.vpanel.core.plan.EvacuationPlanner;
import io.vpanel.core.plan.MigrationFeaturePolicy;
import io.vpanel.core.plan.Move;
import io.vpanel.core.plan.Plan;
import io.vpanel.core.plan.PlanningOptions;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.management.Coordinator;
import io.vpanel.spi.management.MaintenanceRequest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Answers maintenance requests — enter, cancel, exit — from any origin: checks that the host may do
 * it now, plans, asks the coordinator for admission, builds the run and hands the host to the state
 * machine. Every request and its answer is recorded. Owner thread only.
 */
final class MaintenanceCommands {
  /** How often a queued request is asked again while the link does not say it is back. */
  static final java.time.Duration QUEUED_RETRY = java.time.Duration.ofSeconds(15);

  private final EngineParts parts;

  MaintenanceCommands(EngineParts parts) {
    this.parts = parts;
    parts.events.subscribe(
        event -> {
          if (event instanceof EngineEvents.StateChanged changed) {
            if (changed.to() == MaintenanceState.OPERATIONAL) {
              parts.coordinator.release(changed.host().name());
            } else {
              dropQueued(changed.host()); // it moved on: nothing queued is asked again
            }
          }
        });
  }

  /** Handles one request; completes once it is accepted or refused. */
  CompletableFuture<CommandResult> handle(
      String hostName, MaintenanceAction action, Origin origin) {
    HostRecord host = parts.hosts.get(hostName);
    if (host == null) {
      return CompletableFuture.completedFuture(CommandResult.refused("unknown host " + hostName));
    }
    if (!host.controlled) {
      return forward(host, action, origin);
    }
    CompletableFuture<CommandResult> answer =
        switch (action) {
          case ENTER -> enter(host, origin);
          case CANCEL -> CompletableFuture.completedFuture(cancel(host, origin));
          case EXIT -> CompletableFuture.completedFuture(exit(host, origin));
        };
    return answer.thenApply(
        result -> {
          answered(host, action, origin, result);
          return result;
        });
  }

  /**
   * A request for a peer goes to the peer's own agent through the management backend where it can
   * (a registry); that agent decides and journals it. Never forwards what came from the management
   * side (no loops).
   */
  private CompletableFuture<CommandResult> forward(
      HostRecord host, MaintenanceAction action, Origin origin) {
    CommandResult notOurs =
        CommandResult.refused(
            "host " + host.name() + " is not controlled by this agent; ask its own agent");
    if (parts.management == null || origin instanceof Origin.Management) {
      return CompletableFuture.completedFuture(notOurs);
    }
    String from = origin.label() + " via " + ownName();
    CompletableFuture<CommandResult> answer = new CompletableFuture<>();
    parts.onAnswer(
        () -> parts.management.forwardRequest(new MaintenanceRequest(host.name(), action, from)),
        sent -> {
          CommandResult result;
          try {
            result =
                sent.join()
                    ? CommandResult.accepted(
                        action.label() + " sent to the agent of " + host.name() + "; it decides")
                    : notOurs;
          } catch (RuntimeException e) {
            result =
                CommandResult.refused(
                    "could not reach the agent of "
                        + host.name()
                        + " through the management backend: "
                        + ActivityLog.reason(e));
          }
          if (result != notOurs) {
            parts.activity.record(
                "request",
                host.name(),
                action.label() + " from " + origin.label() + " forwarded: " + result.message(),
                Map.of(
                    "action", action.label(),
                    "origin", origin.label(),
                    "forwarded", result.accepted()));
          }
          answer.complete(result);
        });
    return answer;
  }

  /** The name of a host this agent controls, for where a forwarded request came from. */
  private String ownName() {
    return parts.hosts.all().stream()
        .filter(h -> h.controlled)
        .map(HostRecord::name)
        .findFirst()
        .orElse("?");
  }

  private void answered(
      HostRecord host, MaintenanceAction action, Origin origin, CommandResult result) {
    parts.activity.record(
        "request",
        host.name(),
        action.label()
            + " from "
            + origin.label()
            + ": "
            + (result.accepted() ? "accepted" : "refused")
            + " ("
            + result.message()
            + ")",
        Map.of("action", action.label(), "origin", origin.label(), "accepted", result.accepted()));
    if (!result.accepted()) {
      parts.messages.show(host, result.message());
      parts.events.emit(new EngineEvents.RequestRefused(host, origin, result.message()));
    }
    parts.publish();
  }

  /** Why {@code host} cannot start entering now, empty when it can. */
  Optional<String> cannotEnter(HostRecord host) {
    if (host.state != MaintenanceState.OPERATIONAL && host.state != MaintenanceState.FAILED) {
      return Optional.of(host.name() + " is " + host.state + "; cannot enter");
    }
    if (!host.connected || !host.inventoryLoaded) {
      return Optional.of("hypervisor of " + host.name() + " unreachable: " + host.connectionReason);
    }
    // Without a journal a crash mid-evacuation could not be resumed: refuse before moving.
    return parts.journal.unavailable();
  }

  Plan planFor(HostRecord source) {
    return EvacuationPlanner.planWith(
        source.name(),
        planning(source),
        source.vms.values().stream().map(parts.learning::withLearnedDirtyRate).toList(),
        parts.hosts.targetsFor(source));
  }

  /**
   * How {@code source} migrates, as the planner sees it: its link as learned from earlier
   * migrations (declared where nothing was measured), the features its hypervisor offers and the
   * operator allows; null when its capacity is unknown.
   */
  PlanningOptions planning(HostRecord source) {
    if (source.capacity == null) {
      return null;
    }
    Set<MigrationFeature> usable = EnumSet.noneOf(MigrationFeature.class);
    usable.addAll(source.migrationFeatures);
    usable.retainAll(parts.settings.migrationFeatures());
    // A feature needs both ends (post-copy needs userfaultfd on the destination too): only what
    // every host that may take guests offers. A peer that refuses one anyway gets the fallback.
    for (HostRecord other : parts.hosts.all()) {
      if (other != source && other.connected && HostTable.acceptsGuests(other)) {
        usable.retainAll(other.migrationFeatures);
      }
    }
    // Compression costs the source's CPU: only while it is free.
    usable = MigrationFeaturePolicy.withCpu(usable, source.cpuIdleShare);
    return new PlanningOptions(
        parts.learning.link(source.name(), source.capacity), usable, parts.settings.migration());
  }

  /** The features for one guest that no plan chose for (a return, a resumed evacuation). */
  MigrationOptions optionsFor(HostRecord source, VmInfo vm, int concurrency) {
    PlanningOptions planning = planning(source);
    if (planning == null) {
      return parts.settings.migration();
    }
    return MigrationFeaturePolicy.choose(
        parts.learning.withLearnedDirtyRate(vm),
        planning.link(),
        Math.max(1, concurrency),
        planning.usable(),
        planning.base());
  }

  private CompletableFuture<CommandResult> enter(HostRecord host, Origin origin) {
    Optional<String> refusal = cannotEnter(host);
    if (refusal.isPresent()) {
      return CompletableFuture.completedFuture(CommandResult.refused(refusal.get()));
    }
    Plan plan = planFor(host);
    if (!plan.go()) {
      recordPlan(host, plan, origin);
      return CompletableFuture.completedFuture(CommandResult.refused(plan.summary()));
    }
    long memory = plan.moves().stream().mapToLong(m -> m.vm().memoryBytes()).sum();
    int vcpus = plan.moves().stream().mapToInt(m -> m.vm().vcpus()).sum();
    CompletableFuture<CommandResult> answer = new CompletableFuture<>();
    parts.onAnswer(
        () ->
            parts.coordinator.admit(
                new Coordinator.AdmissionRequest(host.name(), memory, vcpus, origin.label())),
        admission -> answer.complete(admitted(host, origin, admission)));
    return answer;
  }

  /** Carries on once the coordinator answered: plans again (time passed) and starts. */
  private CommandResult admitted(
      HostRecord host, Origin origin, CompletableFuture<Coordinator.Admission> admission) {
    Coordinator.Admission answer;
    try {
      answer = admission.join();
    } catch (RuntimeException e) {
      answer =
          Coordinator.Admission.unavailable("coordinator unavailable: " + ActivityLog.reason(e));
    }
    if (answer.unavailable()) {
      return queue(host, MaintenanceAction.ENTER, origin, answer.reason());
    }
    if (!answer.granted()) {
      return CommandResult.refused("NO-GO: " + answer.reason());
    }
    Optional<String> refusal = cannotEnter(host);
    Plan plan = planFor(host);
    if (refusal.isPresent() || !plan.go()) {
      parts.coordinator.release(host.name());
      recordPlan(host, plan, origin);
      return CommandResult.refused(refusal.orElse(plan.summary()));
    }
    recordPlan(host, plan, origin);
    start(host, plan, origin);
    return CommandResult.accepted(plan.summary());
  }

  /**
   * The coordinator could not decide: the request waits for the management link, shown on the
   * panels and in the API, and is asked again (once) when the link is back, or every {@link
   * #QUEUED_RETRY} until then; a cancel withdraws it.
   */
  private CommandResult queue(
      HostRecord host, MaintenanceAction action, Origin origin, String reason) {
    dropQueued(host);
    Scheduler.Cancellable retry = parts.scheduler.schedule(QUEUED_RETRY, () -> askQueued(host));
    host.queued = new HostRecord.Queued(action, origin, reason, parts.scheduler.now(), retry);
    return CommandResult.accepted(
        "QUEUED: " + action.label() + " waits for the management link (" + reason + ")");
  }

  /** The management link is back (or the retry is due): the queued request is asked again. */
  void askQueued(HostRecord host) {
    HostRecord.Queued queued = host.queued;
    if (queued == null || parts.closed) {
      return;
    }
    dropQueued(host);
    handle(host.name(), queued.action(), queued.origin());
  }

  /** The management link changed: queued requests are asked again once it is connected. */
  void linkChanged(io.vpanel.spi.management.LinkStatus status) {
    if (status != io.vpanel.spi.management.LinkStatus.CONNECTED) {
      return;
    }
    for (HostRecord host : List.copyOf(parts.hosts.all())) {
      if (host.queued != null) {
        askQueued(host);
      }
    }
  }

  private static void dropQueued(HostRecord host) {
    if (host.queued != null) {
      host.queued.retry().cancel();
      host.queued = null;
    }
  }

  private void recordPlan(HostRecord host, Plan plan, Origin origin) {
    host.planSummary = plan.summary();
    parts.activity.record(
        "plan",
        host.name(),
        "plan for " + host.name() + " (" + origin.label() + "): " + plan.summary(),
        Map.of(
            "go", plan.go(),
            "summary", plan.summary(),
            "origin", origin.label(),
            "moves",
                String.join(
                    " ",
                    plan.moves().stream()
                        .map(m -> m.vm().name() + "->" + m.destination())
                        .toList()),
            "shutdowns", plan.shutdowns().size(),
            "suspends", plan.suspends().size(),
            "concurrency", plan.concurrency(),
            "predictedSeconds", Math.round(plan.predictedSeconds() * 10) / 10.0,
            "features",
                String.join(
                    " ",
                    plan.moves().stream()
                        .map(m -> m.vm().name() + "=" + m.options().featureLabel().replace(" ", ""))
                        .toList())));
  }

  private void start(HostRecord host, Plan plan, Origin origin) {
    Batch batch = new Batch(host.name(), Batch.Kind.EVACUATE);
    for (Move move : plan.moves()) {
      batch.add(new Batch.Item(move.vm(), host.name(), null, move.destination(), move.options()));
    }
    batch.concurrency = Math.max(1, plan.concurrency());
    host.batch = batch;
    parts.states.transition(
        host, MaintenanceState.ENTERING, origin, "requested by " + origin.describe());
    // A host that starts entering receives nothing more: moves on their way to it go elsewhere.
    for (Batch.Run run : parts.hosts.runsTo(host.name())) {
      parts.migrations.abort(
          run,
          MigrationFailureCause.DESTINATION_MAINTENANCE,
          "destination " + host.name() + " is entering maintenance");
    }
    List<Runnable> local = new ArrayList<>();
    for (VmInfo vm : plan.shutdowns()) {
      local.add(parts.localActions.register(host, batch, vm, VmPolicy.SHUTDOWN));
    }
    for (VmInfo vm : plan.suspends()) {
      local.add(parts.localActions.register(host, batch, vm, VmPolicy.SUSPEND));
    }
    parts.gate.arm(host, batch, local, true);
  }

  private CommandResult cancel(HostRecord host, Origin origin) {
    if (host.queued != null && host.state != MaintenanceState.ENTERING) {
      String what = host.queued.action().label();
      dropQueued(host);
      return CommandResult.accepted("queued " + what + " of " + host.name() + " withdrawn");
    }
    if (host.state != MaintenanceState.ENTERING || host.batch == null) {
      return CommandResult.refused(
          host.name() + " is " + host.state + "; only an evacuation in progress can be cancelled");
    }
    Batch batch = host.batch;
    if (batch.cancelled) {
      return CommandResult.refused(
          "already cancelled by "
              + batch.cancelledBy
              + "; waiting for "
              + ActivityLog.vms(batch.running.size())
              + " to stop migrating");
    }
    batch.cancelled = true;
    batch.cancelledBy = origin.label();
    batch.pending.clear();
    for (Batch.Run run : List.copyOf(batch.running.values())) {
      parts.migrations.abort(
          run, MigrationFailureCause.CANCELLED, "cancelled by " + origin.label());
    }
    parts.completion.check(host);
    return CommandResult.accepted("evacuation of " + host.name() + " cancelled");
  }

  private CommandResult exit(HostRecord host, Origin origin) {
    if (host.state != MaintenanceState.IN_MAINTENANCE && host.state != MaintenanceState.FAILED) {
      return CommandResult.refused(
          host.name() + " is " + host.state + "; only a host in maintenance or failed can exit");
    }
    Batch batch = new Batch(host.name(), Batch.Kind.RETURN);
    if (parts.settings.returnVmsOnExit()) {
      for (Map.Entry<String, String> moved : host.evacuatedTo.entrySet()) {
        HostRecord where = parts.hosts.get(moved.getValue());
        VmInfo vm = where == null ? null : where.vms.get(moved.getKey());
        if (vm != null && vm.state().isRunning()) {
          batch.add(new Batch.Item(vm, where.name(), host.name(), host.name()));
        }
      }
    }
    // A return has many sources and one destination: its link is the host's own.
    PlanningOptions planning = planning(host);
    batch.concurrency =
        planning == null
            ? 1
            : Math.max(
                1,
                ConcurrencyPolicy.choose(
                        batch.pending.stream().map(item -> item.vm).toList(),
                        planning.link(),
                        planning.usable(),
                        planning.base())
                    .concurrency());
    host.evacuatedTo.clear();
    host.batch = batch;
    parts.states.transition(
        host, MaintenanceState.EXITING, origin, "requested by " + origin.label());
    List<Runnable> local = new ArrayList<>();
    for (String uuid : List.copyOf(host.stoppedByUs)) {
      VmInfo vm = host.vms.get(uuid);
      if (vm != null && !vm.state().isRunning()) {
        local.add(parts.localActions.register(host, batch, vm, null));
      }
    }
    host.stoppedByUs.clear();
    // Ending maintenance is not refused for want of a journal: it only brings guests home.
    parts.gate.arm(host, batch, local, false);
    return CommandResult.accepted(
        "exiting maintenance: "
            + ActivityLog.vms(batch.vmsTotal)
            + " to move back to "
            + host.name());
  }
}
