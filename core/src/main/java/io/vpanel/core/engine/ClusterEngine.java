package io.vpanel.core.engine;

import io.vpanel.core.journal.HostMemory;
import io.vpanel.core.journal.Journal;
import io.vpanel.core.model.Activity;
import io.vpanel.core.model.ClusterListener;
import io.vpanel.core.model.ClusterSnapshot;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.HaStatus;
import io.vpanel.core.model.HostStatus;
import io.vpanel.core.model.MaintenanceView;
import io.vpanel.core.model.MigrationView;
import io.vpanel.core.model.PfaStatus;
import io.vpanel.core.model.ProgressView;
import io.vpanel.core.model.VmView;
import io.vpanel.core.panel.PanelProjection;
import io.vpanel.core.plan.ConcurrencyPolicy;
import io.vpanel.core.plan.EvacuationPlanner;
import io.vpanel.core.plan.Move;
import io.vpanel.core.plan.Plan;
import io.vpanel.core.plan.Sizes;
import io.vpanel.core.plan.TargetHost;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.MigrationInProgress;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.management.ManagementBackend;
import io.vpanel.spi.management.ManagementListener;
import io.vpanel.spi.management.Notice;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.HoldFeedback;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The owner of all mutable cluster state: host inventories, each controlled host's maintenance
 * state machine, the migrations in flight. Every method that changes state runs on the scheduler's
 * owner thread; peer callbacks and API calls hand their work over with {@code scheduler.execute}.
 * Blocking peer calls (inventory reads, shutdown) run on {@code blockingIo} (virtual threads in
 * production) and post their results back.
 *
 * <p>After every change the engine publishes one immutable {@link ClusterSnapshot}; panels, the API
 * and metrics only ever read snapshots.
 */
public final class ClusterEngine implements AutoCloseable {
  private static final System.Logger log = System.getLogger(ClusterEngine.class.getName());
  private static final Duration WATCHDOG_PERIOD = Duration.ofSeconds(1);
  private static final Duration ROTATION_PERIOD = Duration.ofSeconds(4);
  private static final Duration PROGRESS_SAMPLE_PERIOD = Duration.ofSeconds(5);
  private static final Duration JOURNAL_SYNC_TIMEOUT = Duration.ofSeconds(30);

  private final Scheduler scheduler;
  private final Executor blockingIo;
  private final EngineSettings settings;
  private final ManagementBackend management;
  private final Journal journal;
  private final Map<String, HostRecord> hosts = new LinkedHashMap<>();
  private final List<HostBinding> bindings;
  private final List<ClusterListener> listeners = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  private volatile ClusterSnapshot snapshot;
  private long version;
  private boolean publishQueued;
  private Scheduler.Cancellable watchdog;
  private LinkStatus backendLink = LinkStatus.NONE;
  private final Map<String, HaStatus> haCache = new HashMap<>();
  private long inventoryVersion;
  private long haComputedFor = -1;
  private boolean closed;
  private int rotation;
  private Scheduler.Cancellable rotationTask;

  public ClusterEngine(
      Scheduler scheduler,
      Executor blockingIo,
      EngineSettings settings,
      ManagementBackend management,
      List<HostBinding> bindings) {
    this(scheduler, blockingIo, settings, management, bindings, Journal.NONE);
  }

  /**
   * An engine that records to {@code journal} and carries on from the state it remembers: each
   * controlled host starts in its last durable state, and an evacuation or return that was running
   * resumes once the inventories are read (see {@link #resume}).
   */
  public ClusterEngine(
      Scheduler scheduler,
      Executor blockingIo,
      EngineSettings settings,
      ManagementBackend management,
      List<HostBinding> bindings,
      Journal journal) {
    this.scheduler = scheduler;
    this.blockingIo = blockingIo;
    this.settings = settings;
    this.management = management;
    this.journal = journal;
    this.bindings = List.copyOf(bindings);
    for (HostBinding binding : bindings) {
      HostRecord host =
          new HostRecord(
              binding.connection().endpoint(),
              binding.connection(),
              binding.controlled(),
              binding.panels(),
              !binding.alerts().isEmpty(),
              scheduler.now());
      if (hosts.putIfAbsent(host.name(), host) != null) {
        throw new IllegalArgumentException("host " + host.name() + " is configured twice");
      }
    }
    for (HostMemory memory : journal.lastStates()) {
      HostRecord host = hosts.get(memory.host());
      if (host == null || !host.controlled) {
        continue;
      }
      host.state = memory.state();
      host.since = memory.since();
      host.reason = memory.reason();
      host.planSummary = memory.planSummary();
      host.evacuatedTo.putAll(memory.evacuatedTo());
      host.stoppedByUs.addAll(memory.stoppedByUs());
      host.lastMemory = memory;
      if (memory.state() == MaintenanceState.ENTERING
          || memory.state() == MaintenanceState.EXITING) {
        host.restoring = memory;
      }
    }
    this.snapshot = new ClusterSnapshot(0, scheduler.now(), List.of());
  }

  // ---------------------------------------------------------------- lifecycle

  /** Subscribes to every driver and reads the first inventories. Returns at once. */
  public void start() {
    onOwner(
        () -> {
          for (HostBinding binding : bindings) {
            HostRecord host = hosts.get(binding.name());
            closeables.add(
                binding.connection().subscribe(event -> scheduler.execute(() -> onEvent(event))));
            for (PanelDriver panel : binding.panels()) {
              panel.start(event -> scheduler.execute(() -> onButton(host, panel, event)));
            }
            for (AlertSource source : binding.alerts()) {
              source.start(
                  Optional.empty(),
                  new io.vpanel.spi.alert.AlertListener() {
                    @Override
                    public void onAlert(HardwareAlert alert, String cursor) {
                      scheduler.execute(() -> ClusterEngine.this.onAlert(host.name(), alert));
                    }

                    @Override
                    public void onHealth(io.vpanel.spi.alert.SourceHealth health) {}
                  });
            }
            refreshInventory(host);
          }
          if (management != null) {
            backendLink = LinkStatus.CONNECTED;
            management.start(
                new ManagementListener() {
                  @Override
                  public void onLinkStatus(LinkStatus status, String reason) {
                    scheduler.execute(
                        () -> {
                          backendLink = status;
                          publish();
                        });
                  }

                  @Override
                  public void onNotice(Notice notice) {
                    scheduler.execute(() -> addNotice(notice));
                  }
                });
          }
          for (HostRecord host : hosts.values()) {
            if (host.lastMemory != null) {
              activity(
                  "maintenance",
                  host.name(),
                  host.name()
                      + ": restored "
                      + host.state
                      + " from the journal"
                      + (host.restoring != null ? "; resumes once the hypervisors are read" : ""),
                  Map.of("restored", true, "to", host.state.name()));
            }
          }
          scheduleRefresh();
          publish();
        });
  }

  // ---------------------------------------------------------------- resuming after a crash

  /**
   * Resumes the runs restored from the journal once what the hypervisors report can be trusted: the
   * run's own host is read, every other host is read or known down.
   */
  private void resumeWhenReady() {
    if (closed) {
      return;
    }
    for (HostRecord host : hosts.values()) {
      if (host.restoring == null || !host.connected || !host.inventoryLoaded) {
        continue;
      }
      boolean othersKnown =
          hosts.values().stream().allMatch(h -> h == host || h.inventoryLoaded || !h.connected);
      if (othersKnown) {
        HostMemory memory = host.restoring;
        host.restoring = null;
        resume(host, memory);
      }
    }
  }

  /**
   * Rebuilds a run from the journal against what the hypervisors report now. A guest no longer on
   * its source has arrived (or left by other means): it is done and never sent again. A guest still
   * on its source whose migration the hypervisor still runs is taken over, not started twice. The
   * rest waits to be moved as if the run had never stopped.
   */
  private void resume(HostRecord host, HostMemory memory) {
    HostMemory.BatchMemory saved = memory.batch();
    Batch.Kind kind =
        memory.state() == MaintenanceState.EXITING ? Batch.Kind.RETURN : Batch.Kind.EVACUATE;
    Batch batch = new Batch(host.name(), kind);
    int resumed = 0;
    int arrived = 0;
    if (saved != null) {
      batch.concurrency = Math.max(1, saved.concurrency());
      batch.cancelled = saved.cancelled();
      batch.cancelledBy = saved.cancelledBy();
      batch.localFailures.addAll(saved.localFailures());
      for (HostMemory.ItemMemory m : saved.items()) {
        Optional<String> where = locate(m.uuid());
        VmInfo vm =
            where
                .map(w -> hosts.get(w).vms.get(m.uuid()))
                .orElse(
                    new VmInfo(
                        m.uuid(),
                        m.name(),
                        VmState.RUNNING,
                        m.memoryBytes(),
                        m.vcpus(),
                        0,
                        VmPolicy.MIGRATE));
        Batch.Item item =
            new Batch.Item(vm, m.source(), m.fixedDestination(), m.plannedDestination());
        item.tried.addAll(m.tried());
        item.failures.addAll(m.failures());
        batch.vmsTotal++;
        batch.bytesTotal += vm.memoryBytes();
        if (m.status() == HostMemory.ItemStatus.FAILED) {
          batch.failed.add(item);
          continue;
        }
        if (m.status() == HostMemory.ItemStatus.DONE) {
          batch.done.add(item);
          continue;
        }
        if (kind == Batch.Kind.RETURN && where.isPresent()) {
          item.source = where.get();
        }
        boolean onSource = where.isPresent() && where.get().equals(item.source);
        boolean home =
            kind == Batch.Kind.RETURN && where.isPresent() && where.get().equals(host.name());
        if (!onSource || home) {
          // Already where it was going (or gone): done, never re-sent.
          batch.done.add(item);
          arrived++;
          if (kind == Batch.Kind.EVACUATE && where.isPresent()) {
            host.evacuatedTo.put(m.uuid(), where.get());
          } else if (kind == Batch.Kind.EVACUATE && m.runningTo() != null) {
            host.evacuatedTo.put(m.uuid(), m.runningTo());
          }
          continue;
        }
        if (reattach(batch, item, hosts.get(item.source))) {
          resumed++;
        } else if (batch.cancelled) {
          batch.done.add(item);
        } else {
          batch.pending.add(item);
        }
      }
      for (Map.Entry<String, String> action : saved.localActions().entrySet()) {
        Optional<String> where = locate(action.getKey());
        VmInfo vm = where.isPresent() ? hosts.get(where.get()).vms.get(action.getKey()) : null;
        boolean start = action.getValue().equals("start");
        if (vm == null || !where.get().equals(host.name())) {
          continue;
        }
        if (start ? vm.state().isRunning() : !vm.state().isRunning()) {
          if (!start) {
            host.stoppedByUs.add(vm.uuid());
          }
          continue;
        }
        localAction(host, batch, vm, start ? null : VmPolicy.parse(action.getValue()));
      }
      batch.vmsTotal = Math.max(batch.vmsTotal, saved.vmsTotal());
      batch.bytesTotal = Math.max(batch.bytesTotal, saved.bytesTotal());
    }
    host.batch = batch;
    activity(
        "maintenance",
        host.name(),
        host.name()
            + ": resumed "
            + (kind == Batch.Kind.RETURN ? "return" : "evacuation")
            + " after a restart: "
            + vms(batch.done.size())
            + " done ("
            + arrived
            + " arrived while the agent was down), "
            + resumed
            + " still migrating, "
            + vms(batch.pending.size())
            + " to move, "
            + batch.failed.size()
            + " failed",
        Map.of(
            "resumed",
            true,
            "done",
            batch.done.size(),
            "arrived",
            arrived,
            "reattached",
            resumed,
            "pending",
            batch.pending.size(),
            "failed",
            batch.failed.size()));
    ensureWatchdog();
    pump();
    checkBatch(host);
    publish();
  }

  /** Takes over a migration of {@code item} the hypervisor still runs; false when none runs. */
  private boolean reattach(Batch batch, Batch.Item item, HostRecord source) {
    Batch.Run[] holder = new Batch.Run[1];
    MigrationListener listener =
        new MigrationListener() {
          @Override
          public void onProgress(MigrationProgress progress) {
            scheduler.execute(
                () -> {
                  if (holder[0] != null) {
                    onProgressReport(holder[0], progress);
                  }
                });
          }

          @Override
          public void onFinished(MigrationOutcome outcome) {
            scheduler.execute(
                () -> {
                  if (holder[0] != null) {
                    onMigrationFinished(batch, holder[0], outcome);
                  }
                });
          }
        };
    Optional<MigrationInProgress> found;
    try {
      found = source.connection.reattach(item.vm.uuid(), listener);
    } catch (RuntimeException e) {
      log.log(
          System.Logger.Level.WARNING,
          "asking " + source.name() + " for a running migration of " + item.vm.name() + " failed",
          e);
      found = Optional.empty();
    }
    if (found.isEmpty()) {
      return false;
    }
    String destination = hostNamed(found.get().destination()).orElse(found.get().destination());
    Batch.Run run =
        new Batch.Run(
            item,
            destination,
            scheduler.now(),
            migrationTimeout(item, source),
            item.tried.size() + 1);
    run.handle = found.get().handle();
    holder[0] = run;
    batch.running.put(item.vm.uuid(), run);
    activity(
        "migration",
        batch.host,
        item.vm.name() + ": " + source.name() + " -> " + destination + " still running; taken over",
        Map.of(
            "event",
            "reattached",
            "vm",
            item.vm.name(),
            "source",
            source.name(),
            "destination",
            destination));
    if (batch.cancelled) {
      abort(run, "cancelled by " + batch.cancelledBy);
    }
    return true;
  }

  /** A host by name or by the migration URI its hypervisor knows it by. */
  private Optional<String> hostNamed(String nameOrUri) {
    if (hosts.containsKey(nameOrUri)) {
      return Optional.of(nameOrUri);
    }
    return hosts.values().stream()
        .filter(h -> nameOrUri.equals(h.endpoint.migrationUri()))
        .map(HostRecord::name)
        .findFirst();
  }

  /** What the journal must hold for {@code host} to carry on after a crash. */
  private HostMemory memoryOf(HostRecord host) {
    HostMemory.BatchMemory batchMemory = null;
    Batch batch = host.batch;
    if (batch != null) {
      List<HostMemory.ItemMemory> items = new ArrayList<>();
      for (Batch.Item item : batch.pending) {
        items.add(itemMemory(item, HostMemory.ItemStatus.PENDING, null));
      }
      for (Batch.Run run : batch.running.values()) {
        items.add(itemMemory(run.item, HostMemory.ItemStatus.RUNNING, run.destination));
      }
      for (Batch.Item item : batch.done) {
        items.add(itemMemory(item, HostMemory.ItemStatus.DONE, null));
      }
      for (Batch.Item item : batch.failed) {
        items.add(itemMemory(item, HostMemory.ItemStatus.FAILED, null));
      }
      batchMemory =
          new HostMemory.BatchMemory(
              batch.kind.name(),
              batch.concurrency,
              batch.cancelled,
              batch.cancelledBy,
              batch.vmsTotal,
              batch.bytesTotal,
              items,
              batch.localPending,
              batch.localFailures);
    } else if (host.restoring != null) {
      return host.restoring;
    }
    return new HostMemory(
        host.name(),
        host.state,
        host.since,
        host.reason,
        host.planSummary,
        host.evacuatedTo,
        List.copyOf(host.stoppedByUs),
        batchMemory);
  }

  private static HostMemory.ItemMemory itemMemory(
      Batch.Item item, HostMemory.ItemStatus status, String runningTo) {
    return new HostMemory.ItemMemory(
        item.vm.uuid(),
        item.vm.name(),
        item.vm.memoryBytes(),
        item.vm.vcpus(),
        item.source,
        item.fixedDestination,
        item.plannedDestination,
        List.copyOf(item.tried),
        List.copyOf(item.failures),
        status,
        runningTo);
  }

  /** Hands the host's state to the journal when it changed since the last time. */
  private void remember(HostRecord host) {
    if (!host.controlled) {
      return;
    }
    HostMemory memory = memoryOf(host);
    if (!memory.equals(host.lastMemory)) {
      host.lastMemory = memory;
      journal.remember(memory);
    }
  }

  @Override
  public void close() {
    onOwner(
        () -> {
          closed = true;
          if (watchdog != null) {
            watchdog.cancel();
          }
          for (AutoCloseable closeable : closeables) {
            try {
              closeable.close();
            } catch (Exception e) {
              log.log(System.Logger.Level.DEBUG, "closing a subscription failed", e);
            }
          }
        });
  }

  public void addListener(ClusterListener listener) {
    listeners.add(listener);
    listener.onSnapshot(snapshot);
  }

  public void removeListener(ClusterListener listener) {
    listeners.remove(listener);
  }

  /** The latest published snapshot; safe from any thread. */
  public ClusterSnapshot snapshot() {
    return snapshot;
  }

  public EngineSettings settings() {
    return settings;
  }

  // ---------------------------------------------------------------- commands (any thread)

  /** Asks a host to enter, exit or cancel maintenance; completes once accepted or refused. */
  public CompletableFuture<CommandResult> request(
      String host, MaintenanceAction action, String origin) {
    return call(() -> handleRequest(host, action, origin));
  }

  /** A dry-run pre-check of evacuating {@code host} now. */
  public CompletableFuture<Plan> plan(String host) {
    return call(
        () -> {
          HostRecord record = hosts.get(host);
          if (record == null) {
            return Plan.noGo(host, "unknown host " + host);
          }
          return planFor(record);
        });
  }

  /** Shows a notice on a host's panel. */
  public CompletableFuture<CommandResult> postNotice(
      String host, String text, Duration ttl, String from) {
    return call(
        () -> {
          if (!hosts.containsKey(host)) {
            return CommandResult.refused("unknown host " + host);
          }
          addNotice(new Notice(host, text, from, scheduler.now(), ttl));
          return CommandResult.accepted("notice shown on " + host);
        });
  }

  private <T> CompletableFuture<T> call(Supplier<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    onOwner(
        () -> {
          try {
            result.complete(work.get());
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    return result;
  }

  private void onOwner(Runnable work) {
    if (scheduler.inOwnerThread()) {
      work.run();
    } else {
      scheduler.execute(work);
    }
  }

  // ---------------------------------------------------------------- hypervisor events

  private void onEvent(HypervisorEvent event) {
    HostRecord host = hosts.get(event.host());
    if (host == null || closed) {
      return;
    }
    switch (event) {
      case HypervisorEvent.VmChanged changed -> {
        host.vms.put(changed.vm().uuid(), changed.vm());
        inventoryChanged(host);
      }
      case HypervisorEvent.VmGone gone -> {
        host.vms.remove(gone.uuid());
        inventoryChanged(host);
      }
      case HypervisorEvent.ConnectionChanged change -> {
        boolean was = host.connected;
        host.connected = change.connected();
        host.connectionReason = change.reason();
        activity(
            "hypervisor",
            host.name(),
            change.connected()
                ? "hypervisor connection restored"
                : "hypervisor connection lost: " + change.reason(),
            Map.of("connected", change.connected()));
        if (change.connected() && !was) {
          refreshInventory(host);
        }
        inventoryChanged(host);
      }
    }
    pump();
    publish();
  }

  /**
   * Reads the host's whole inventory on a virtual thread. A read that raced with events (or with a
   * migration we just saw finish) is stale on arrival; it is dropped and read again.
   */
  private void refreshInventory(HostRecord host) {
    long changesBefore = host.changes;
    blockingIo.execute(
        () -> {
          HostInventory inventory;
          try {
            inventory = host.connection.inventory();
          } catch (RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            scheduler.execute(
                () -> {
                  if (host.connected || host.inventoryLoaded) {
                    log.log(
                        System.Logger.Level.WARNING,
                        "reading inventory of " + host.name() + " failed: " + reason);
                  }
                  host.connected = false;
                  host.connectionReason = reason;
                  inventoryChanged(host);
                  resumeWhenReady();
                  publish();
                });
            return;
          }
          scheduler.execute(() -> applyInventory(host, inventory, changesBefore));
        });
  }

  private void applyInventory(HostRecord host, HostInventory inventory, long changesBefore) {
    if (host.changes != changesBefore && host.inventoryLoaded) {
      refreshInventory(host);
      return;
    }
    host.capacity = inventory.capacity();
    host.vms.clear();
    for (VmInfo vm : inventory.vms()) {
      host.vms.put(vm.uuid(), vm);
    }
    host.inventoryLoaded = true;
    host.connected = true;
    inventoryChanged(host);
    resumeWhenReady();
    if (host.awaitingFinalCheck) {
      host.awaitingFinalCheck = false;
      finishEvacuation(host);
    }
    pump();
    publish();
  }

  private void scheduleRefresh() {
    scheduler.schedule(
        settings.inventoryRefresh(),
        () -> {
          if (closed) {
            return;
          }
          hosts.values().forEach(this::refreshInventory);
          scheduleRefresh();
        });
  }

  private void inventoryChanged(HostRecord host) {
    host.changes++;
    inventoryVersion++;
  }

  // ---------------------------------------------------------------- buttons and alerts

  private void onButton(HostRecord host, PanelDriver panelDriver, ButtonEvent event) {
    if (!host.controlled || closed) {
      return;
    }
    String panel = panelDriver.name();
    if (event instanceof ButtonEvent.Pressed) {
      if (host.hold != null) {
        return;
      }
      Optional<MaintenanceAction> action = buttonAction(host.state);
      if (action.isEmpty()) {
        showMessage(host, "BUSY: " + host.state.name().replace('_', ' '));
        publish();
        return;
      }
      Scheduler.Cancellable confirm =
          scheduler.schedule(settings.confirmHold(), () -> confirmHold(host));
      host.hold = new HostRecord.Hold(panel, action.get().label(), scheduler.now(), confirm);
      activity(
          "button",
          host.name(),
          "button held on " + panel + " panel (" + action.get().label() + ")",
          Map.of("panel", panel, "pressed", true));
    } else if (event instanceof ButtonEvent.Released && host.hold != null) {
      host.hold.confirm().cancel();
      Duration held = Duration.between(host.hold.startedAt(), scheduler.now());
      host.hold = null;
      activity(
          "button",
          host.name(),
          "button released after " + held.toMillis() + " ms: too short, nothing done",
          Map.of("panel", panel, "pressed", false, "heldMillis", held.toMillis()));
    }
    publish();
  }

  private static Optional<MaintenanceAction> buttonAction(MaintenanceState state) {
    return switch (state) {
      case OPERATIONAL -> Optional.of(MaintenanceAction.ENTER);
      case ENTERING -> Optional.of(MaintenanceAction.CANCEL);
      case IN_MAINTENANCE, FAILED -> Optional.of(MaintenanceAction.EXIT);
      case EXITING -> Optional.empty();
    };
  }

  private void confirmHold(HostRecord host) {
    HostRecord.Hold hold = host.hold;
    if (hold == null) {
      return;
    }
    host.hold = null;
    MaintenanceAction action = MaintenanceAction.parse(hold.action()).orElseThrow();
    handleRequest(host.name(), action, "panel:" + hold.panel());
    publish();
  }

  private void onAlert(String hostName, HardwareAlert alert) {
    HostRecord host = hosts.get(hostName);
    if (host == null || closed) {
      return;
    }
    activity(
        "alert",
        hostName,
        alert.severity() + " " + alert.describe(),
        Map.of(
            "source", alert.source(),
            "severity", alert.severity().name(),
            "component", alert.component()));
    if (alert.severity().triggersPfa()
        && alert.asserted()
        && settings.pfaProtect()
        && host.controlled) {
      host.activeAlert = alert;
      host.pfaRemediationFailed = false;
      if (host.state == MaintenanceState.OPERATIONAL || host.state == MaintenanceState.FAILED) {
        CommandResult result =
            handleRequest(hostName, MaintenanceAction.ENTER, "alert:" + alert.source());
        host.pfaRemediationFailed = !result.accepted();
      }
    }
    publish();
  }

  private void addNotice(Notice notice) {
    HostRecord host = hosts.get(notice.host());
    if (host == null) {
      return;
    }
    host.notices.add(0, notice);
    while (host.notices.size() > 10) {
      host.notices.remove(host.notices.size() - 1);
    }
    activity("notice", host.name(), notice.text(), Map.of("from", notice.from()));
    scheduler.schedule(
        notice.ttl(),
        () -> {
          host.notices.remove(notice);
          publish();
        });
    publish();
  }

  private void showMessage(HostRecord host, String text) {
    host.message = text;
    Instant until = scheduler.now().plus(settings.messageShownFor());
    host.messageUntil = until;
    scheduler.schedule(
        settings.messageShownFor(),
        () -> {
          if (until.equals(host.messageUntil)) {
            host.message = null;
            publish();
          }
        });
  }

  // ---------------------------------------------------------------- the state machine

  private CommandResult handleRequest(String hostName, MaintenanceAction action, String origin) {
    HostRecord host = hosts.get(hostName);
    if (host == null) {
      return CommandResult.refused("unknown host " + hostName);
    }
    if (!host.controlled) {
      return CommandResult.refused(
          "host " + hostName + " is not controlled by this agent; ask its own agent");
    }
    CommandResult result =
        switch (action) {
          case ENTER -> enter(host, origin);
          case CANCEL -> cancel(host, origin);
          case EXIT -> exit(host, origin);
        };
    activity(
        "request",
        hostName,
        action.label()
            + " from "
            + origin
            + ": "
            + (result.accepted() ? "accepted" : "refused")
            + " ("
            + result.message()
            + ")",
        Map.of("action", action.label(), "origin", origin, "accepted", result.accepted()));
    if (!result.accepted()) {
      showMessage(host, result.message());
    }
    publish();
    return result;
  }

  private CommandResult enter(HostRecord host, String origin) {
    if (host.state != MaintenanceState.OPERATIONAL && host.state != MaintenanceState.FAILED) {
      return CommandResult.refused(host.name() + " is " + host.state + "; cannot enter");
    }
    if (!host.connected || !host.inventoryLoaded) {
      return CommandResult.refused(
          "hypervisor of " + host.name() + " unreachable: " + host.connectionReason);
    }
    Optional<String> noJournal = journal.unavailable();
    if (noJournal.isPresent()) {
      // Without a journal a crash mid-evacuation could not be resumed: refuse before moving.
      return CommandResult.refused(noJournal.get());
    }
    Plan plan = planFor(host);
    host.planSummary = plan.summary();
    activity(
        "plan",
        host.name(),
        "plan for " + host.name() + " (" + origin + "): " + plan.summary(),
        Map.of(
            "go", plan.go(),
            "summary", plan.summary(),
            "origin", origin,
            "moves",
                String.join(
                    " ",
                    plan.moves().stream()
                        .map(m -> m.vm().name() + "->" + m.destination())
                        .toList()),
            "shutdowns", plan.shutdowns().size(),
            "suspends", plan.suspends().size(),
            "concurrency", plan.concurrency()));
    if (!plan.go()) {
      return CommandResult.refused(plan.summary());
    }
    Batch batch = new Batch(host.name(), Batch.Kind.EVACUATE);
    for (Move move : plan.moves()) {
      batch.add(new Batch.Item(move.vm(), host.name(), null, move.destination()));
    }
    batch.concurrency = Math.max(1, plan.concurrency());
    host.batch = batch;
    transition(host, MaintenanceState.ENTERING, "requested by " + origin);
    List<Runnable> local = new ArrayList<>();
    for (VmInfo vm : plan.shutdowns()) {
      local.add(registerLocalAction(host, batch, vm, VmPolicy.SHUTDOWN));
    }
    for (VmInfo vm : plan.suspends()) {
      local.add(registerLocalAction(host, batch, vm, VmPolicy.SUSPEND));
    }
    arm(host, batch, local, true);
    return CommandResult.accepted(plan.summary());
  }

  /**
   * Starts a new run once the journal holds it durably, so a crash after any guest moved always
   * finds the run again. With {@code refuseWithoutJournal}, a journal that cannot write ends the
   * run before anything moved.
   */
  private void arm(
      HostRecord host, Batch batch, List<Runnable> local, boolean refuseWithoutJournal) {
    batch.armed = false;
    remember(host);
    CompletableFuture<Void> durable;
    try {
      durable = journal.sync();
    } catch (RuntimeException e) {
      durable = CompletableFuture.failedFuture(e);
    }
    if (durable.isDone() && !durable.isCompletedExceptionally()) {
      startArmed(host, batch, local, null, refuseWithoutJournal);
      return;
    }
    boolean[] decided = {false};
    java.util.function.Consumer<Throwable> decide =
        error -> {
          if (!decided[0]) {
            decided[0] = true;
            startArmed(host, batch, local, error, refuseWithoutJournal);
            publish();
          }
        };
    durable.whenComplete((ok, error) -> scheduler.execute(() -> decide.accept(error)));
    // A journal that neither writes nor fails (a hung disk) must not hold the run forever.
    scheduler.schedule(
        JOURNAL_SYNC_TIMEOUT,
        () ->
            decide.accept(
                new IllegalStateException(
                    "journal unavailable: no write confirmed in "
                        + JOURNAL_SYNC_TIMEOUT.toSeconds()
                        + " s")));
  }

  private void startArmed(
      HostRecord host,
      Batch batch,
      List<Runnable> local,
      Throwable journalError,
      boolean refuseWithoutJournal) {
    if (closed || host.batch != batch) {
      return;
    }
    if (journalError != null && refuseWithoutJournal) {
      Throwable cause =
          journalError instanceof java.util.concurrent.CompletionException
                  && journalError.getCause() != null
              ? journalError.getCause()
              : journalError;
      String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
      String reason =
          message.startsWith("journal unavailable") ? message : "journal unavailable: " + message;
      host.batch = null;
      transition(host, MaintenanceState.OPERATIONAL, reason + "; nothing was moved");
      showMessage(host, reason);
      return;
    }
    batch.armed = true;
    if (batch.cancelled) {
      batch.localActionsPending -= local.size();
      batch.localPending.clear();
    } else {
      local.forEach(Runnable::run);
    }
    ensureWatchdog();
    pump();
    checkBatch(host);
  }

  private CommandResult cancel(HostRecord host, String origin) {
    if (host.state != MaintenanceState.ENTERING || host.batch == null) {
      return CommandResult.refused(
          host.name() + " is " + host.state + "; only an evacuation in progress can be cancelled");
    }
    Batch batch = host.batch;
    batch.cancelled = true;
    batch.cancelledBy = origin;
    batch.pending.clear();
    for (Batch.Run run : List.copyOf(batch.running.values())) {
      abort(run, "cancelled by " + origin);
    }
    checkBatch(host);
    return CommandResult.accepted("evacuation of " + host.name() + " cancelled");
  }

  private CommandResult exit(HostRecord host, String origin) {
    if (host.state != MaintenanceState.IN_MAINTENANCE && host.state != MaintenanceState.FAILED) {
      return CommandResult.refused(
          host.name() + " is " + host.state + "; only a host in maintenance or failed can exit");
    }
    Batch batch = new Batch(host.name(), Batch.Kind.RETURN);
    if (settings.returnVmsOnExit()) {
      for (Map.Entry<String, String> moved : host.evacuatedTo.entrySet()) {
        HostRecord where = hosts.get(moved.getValue());
        VmInfo vm = where == null ? null : where.vms.get(moved.getKey());
        if (vm != null && vm.state().isRunning()) {
          batch.add(new Batch.Item(vm, where.name(), host.name(), host.name()));
        }
      }
    }
    batch.concurrency =
        Math.max(
            1,
            ConcurrencyPolicy.choose(
                batch.pending.stream().map(item -> item.vm).toList(), host.capacity));
    host.evacuatedTo.clear();
    host.activeAlert = null;
    host.pfaRemediationFailed = false;
    host.batch = batch;
    transition(host, MaintenanceState.EXITING, "requested by " + origin);
    List<Runnable> local = new ArrayList<>();
    for (String uuid : List.copyOf(host.stoppedByUs)) {
      VmInfo vm = host.vms.get(uuid);
      if (vm != null && !vm.state().isRunning()) {
        local.add(registerLocalAction(host, batch, vm, null));
      }
    }
    host.stoppedByUs.clear();
    // Ending maintenance is not refused for want of a journal: it only brings guests home.
    arm(host, batch, local, false);
    return CommandResult.accepted(
        "exiting maintenance: " + vms(batch.vmsTotal) + " to move back to " + host.name());
  }

  private void transition(HostRecord host, MaintenanceState to, String reason) {
    MaintenanceState from = host.state;
    host.state = to;
    host.since = scheduler.now();
    host.reason = reason;
    activity(
        "maintenance",
        host.name(),
        host.name() + ": " + from + " -> " + to + (reason == null ? "" : " (" + reason + ")"),
        Map.of("from", from.name(), "to", to.name(), "reason", reason == null ? "" : reason));
  }

  /** Runs a shutdown, suspend (policy) or start (policy == null) on a virtual thread. */
  private void localAction(HostRecord host, Batch batch, VmInfo vm, VmPolicy policy) {
    registerLocalAction(host, batch, vm, policy).run();
  }

  /** Counts a local action in the run and returns what starts it. */
  private Runnable registerLocalAction(HostRecord host, Batch batch, VmInfo vm, VmPolicy policy) {
    batch.localActionsPending++;
    batch.vmsTotal++;
    String verb = policy == null ? "start" : policy.label();
    batch.localPending.put(vm.uuid(), verb);
    return () -> runLocalAction(host, batch, vm, policy, verb);
  }

  private void runLocalAction(
      HostRecord host, Batch batch, VmInfo vm, VmPolicy policy, String verb) {
    blockingIo.execute(
        () -> {
          String failure = null;
          try {
            if (policy == VmPolicy.SHUTDOWN) {
              host.connection.shutdown(vm.uuid());
            } else if (policy == VmPolicy.SUSPEND) {
              host.connection.suspend(vm.uuid());
            } else {
              host.connection.start(vm.uuid());
            }
          } catch (RuntimeException e) {
            failure = e.getMessage() == null ? e.toString() : e.getMessage();
          }
          String failed = failure;
          scheduler.execute(
              () -> {
                batch.localActionsPending--;
                batch.localPending.remove(vm.uuid());
                if (failed == null) {
                  if (policy != null) {
                    host.stoppedByUs.add(vm.uuid());
                  }
                  activity(
                      "vm",
                      host.name(),
                      vm.name() + ": " + verb + " done",
                      Map.of("vm", vm.name(), "action", verb));
                } else {
                  batch.localFailures.add(vm.name() + " (" + verb + " failed: " + failed + ")");
                }
                refreshInventory(host);
                checkBatch(host);
                publish();
              });
        });
  }

  // ---------------------------------------------------------------- planning

  private Plan planFor(HostRecord source) {
    return EvacuationPlanner.plan(
        source.name(), source.capacity, List.copyOf(source.vms.values()), targetsFor(source));
  }

  /** Hosts that may take guests from {@code source} now, with what is committed on each. */
  private List<TargetHost> targetsFor(HostRecord source) {
    List<TargetHost> targets = new ArrayList<>();
    for (HostRecord host : hosts.values()) {
      if (host != source && acceptsGuests(host)) {
        targets.add(target(host));
      }
    }
    return targets;
  }

  private static boolean acceptsGuests(HostRecord host) {
    return host.connected
        && host.inventoryLoaded
        && host.capacity != null
        && (!host.controlled || host.state == MaintenanceState.OPERATIONAL);
  }

  private TargetHost target(HostRecord host) {
    long memory = 0;
    int vcpus = 0;
    for (VmInfo vm : host.vms.values()) {
      if (vm.state().isRunning() || vm.state() == VmState.PAUSED) {
        memory += vm.memoryBytes();
        vcpus += vm.vcpus();
      }
    }
    for (HostRecord other : hosts.values()) {
      if (other.batch == null) {
        continue;
      }
      for (Batch.Run run : other.batch.running.values()) {
        if (run.destination.equals(host.name()) && !host.vms.containsKey(run.item.vm.uuid())) {
          memory += run.item.vm.memoryBytes();
          vcpus += run.item.vm.vcpus();
        }
      }
    }
    return new TargetHost(host.name(), host.capacity, memory, vcpus);
  }

  // ---------------------------------------------------------------- running migrations

  /** Starts every migration that may start now, under the concurrency policy. */
  private void pump() {
    if (closed) {
      return;
    }
    for (HostRecord owner : hosts.values()) {
      Batch batch = owner.batch;
      if (batch == null || batch.cancelled || !batch.armed) {
        continue;
      }
      Iterator<Batch.Item> it = batch.pending.iterator();
      while (it.hasNext()) {
        Batch.Item item = it.next();
        if (inFlight(item.vm.uuid())) {
          // Another run moves this guest now; never two migrations of one guest at once.
          continue;
        }
        if (batch.kind == Batch.Kind.RETURN) {
          Optional<String> where = locate(item.vm.uuid());
          if (where.isEmpty() || where.get().equals(batch.host)) {
            it.remove();
            batch.done.add(item);
            continue;
          }
          item.source = where.get();
        }
        HostRecord source = hosts.get(item.source);
        if (source == null || !source.connected || source.capacity == null) {
          continue;
        }
        if (!source.vms.containsKey(item.vm.uuid())) {
          // The guest left by other means (shut down and undefined, moved by someone else).
          it.remove();
          batch.done.add(item);
          continue;
        }
        if (!slotFree(batch, source)) {
          continue;
        }
        Optional<HostRecord> destination = chooseDestination(source, item);
        if (destination.isEmpty()) {
          if (batch.running.isEmpty() && noRunFrom(source)) {
            it.remove();
            item.failures.add(
                "no host has room for "
                    + Sizes.bytes(item.vm.memoryBytes())
                    + ", "
                    + item.vm.vcpus()
                    + " vCPU");
            batch.failed.add(item);
          }
          continue;
        }
        it.remove();
        startMigration(batch, item, source, destination.get());
      }
      checkBatch(owner);
    }
  }

  private boolean inFlight(String uuid) {
    for (HostRecord host : hosts.values()) {
      if (host.batch != null && host.batch.running.containsKey(uuid)) {
        return true;
      }
    }
    return false;
  }

  /** The host whose inventory lists the guest, if any. */
  private Optional<String> locate(String uuid) {
    return hosts.values().stream()
        .filter(h -> h.vms.containsKey(uuid))
        .map(HostRecord::name)
        .findFirst();
  }

  private boolean noRunFrom(HostRecord source) {
    return runsFrom(source.name()).isEmpty();
  }

  private List<Batch.Run> runsFrom(String host) {
    List<Batch.Run> runs = new ArrayList<>();
    for (HostRecord h : hosts.values()) {
      if (h.batch != null) {
        for (Batch.Run run : h.batch.running.values()) {
          if (run.item.source.equals(host)) {
            runs.add(run);
          }
        }
      }
    }
    return runs;
  }

  private int runsTo(String host) {
    int count = 0;
    for (HostRecord h : hosts.values()) {
      if (h.batch != null) {
        for (Batch.Run run : h.batch.running.values()) {
          if (run.destination.equals(host)) {
            count++;
          }
        }
      }
    }
    return count;
  }

  /**
   * Whether one more of {@code batch}'s migrations may start from {@code source}: an evacuation is
   * limited on its source's link, a return (many sources, one destination) on its host's link.
   */
  private boolean slotFree(Batch batch, HostRecord source) {
    if (settings.fixedConcurrency() > 0) {
      return runsFrom(source.name()).size() < settings.fixedConcurrency();
    }
    int inFlight =
        batch.kind == Batch.Kind.EVACUATE ? runsFrom(source.name()).size() : runsTo(batch.host);
    return inFlight < batch.concurrency;
  }

  private static long dirtyRate(Batch.Run run) {
    long declared = run.item.vm.dirtyRateBytesPerSec();
    return run.progress == null
        ? declared
        : Math.max(declared, run.progress.dirtyRateBytesPerSec());
  }

  private Optional<HostRecord> chooseDestination(HostRecord source, Batch.Item item) {
    long memory = item.vm.memoryBytes();
    int vcpus = item.vm.vcpus();
    if (item.fixedDestination != null) {
      HostRecord fixed = hosts.get(item.fixedDestination);
      boolean usable =
          fixed != null
              && fixed.connected
              && fixed.capacity != null
              && target(fixed).fits(memory, vcpus);
      return usable ? Optional.of(fixed) : Optional.empty();
    }
    List<TargetHost> candidates = new ArrayList<>();
    for (HostRecord host : hosts.values()) {
      if (host != source && acceptsGuests(host) && !item.tried.contains(host.name())) {
        candidates.add(target(host));
      }
    }
    Optional<TargetHost> planned =
        candidates.stream()
            .filter(t -> t.name().equals(item.plannedDestination) && t.fits(memory, vcpus))
            .findFirst();
    if (planned.isPresent()) {
      return Optional.of(hosts.get(planned.get().name()));
    }
    return EvacuationPlanner.bestFit(candidates, memory, vcpus)
        .map(i -> hosts.get(candidates.get(i).name()));
  }

  private void startMigration(
      Batch batch, Batch.Item item, HostRecord source, HostRecord destination) {
    long memory = item.vm.memoryBytes();
    Duration timeout = migrationTimeout(item, source);
    int attempt = item.tried.size() + 1;
    Batch.Run run = new Batch.Run(item, destination.name(), scheduler.now(), timeout, attempt);
    batch.running.put(item.vm.uuid(), run);
    activity(
        "migration",
        batch.host,
        item.vm.name() + ": " + source.name() + " -> " + destination.name() + " started",
        Map.of(
            "event",
            "started",
            "vm",
            item.vm.name(),
            "source",
            source.name(),
            "destination",
            destination.name(),
            "memoryBytes",
            memory,
            "attempt",
            attempt));
    MigrationListener listener =
        new MigrationListener() {
          @Override
          public void onProgress(MigrationProgress progress) {
            scheduler.execute(() -> onProgressReport(run, progress));
          }

          @Override
          public void onFinished(MigrationOutcome outcome) {
            scheduler.execute(() -> onMigrationFinished(batch, run, outcome));
          }
        };
    try {
      run.handle =
          source.connection.migrate(
              item.vm.uuid(), destination.endpoint, settings.migration(), listener);
    } catch (RuntimeException e) {
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      scheduler.execute(
          () -> onMigrationFinished(batch, run, MigrationOutcome.failure(reason, 0, 0)));
    }
  }

  private Duration migrationTimeout(Batch.Item item, HostRecord source) {
    long nic = source.capacity == null ? 1 : source.capacity.nicBytesPerSec();
    long stream = source.capacity == null ? 1 : source.capacity.streamBytesPerSec();
    long expectedBandwidth =
        Math.max(1, ConcurrencyPolicy.share(nic, stream, runsFrom(source.name()).size() + 1));
    return timeoutFor(item.vm.memoryBytes(), expectedBandwidth, item.vm.dirtyRateBytesPerSec());
  }

  /**
   * The timeout of a migration of {@code memory} at {@code bandwidth}: a fixed base plus a multiple
   * of the expected time. A busy guest re-sends what it dirties: at dirty rate d on bandwidth b
   * pre-copy sends about memory / (1 - d/b). Auto-converge caps that by throttling, so the ratio is
   * capped too.
   */
  private Duration timeoutFor(long memory, long bandwidth, long dirtyRate) {
    long rate = Math.max(1, bandwidth);
    double dirtyShare = Math.min(0.9, dirtyRate / (double) rate);
    double expectedSeconds = memory / (double) rate / (1 - dirtyShare);
    return settings
        .timeoutBase()
        .plus(Duration.ofMillis((long) (settings.timeoutFactor() * 1000.0 * expectedSeconds)));
  }

  private void onProgressReport(Batch.Run run, MigrationProgress progress) {
    if (run.finished) {
      return;
    }
    run.progress = progress;
    if (progress.bandwidthBytesPerSec() > 0) {
      // The planned bandwidth was a guess; a hypervisor capped lower (or a slower link) gets the
      // time its real bandwidth needs. The timeout only ever grows.
      Duration measured =
          timeoutFor(run.item.vm.memoryBytes(), progress.bandwidthBytesPerSec(), dirtyRate(run));
      if (measured.compareTo(run.timeout) > 0) {
        run.timeout = measured;
      }
    }
    if (progress.processedBytes() > run.lastProcessed) {
      run.lastProcessed = progress.processedBytes();
      run.lastProgressAt = scheduler.now();
    }
    sampleProgress(run, progress);
    publish();
  }

  /** Records a migration's progress now and then: every 5 s or each tenth of its memory sent. */
  private void sampleProgress(Batch.Run run, MigrationProgress progress) {
    Instant now = scheduler.now();
    long total = Math.max(1, run.item.vm.memoryBytes());
    int tenth = (int) Math.min(10, progress.processedBytes() * 10 / total);
    boolean due =
        run.lastSampleAt == null
            ? Duration.between(run.startedAt, now).compareTo(PROGRESS_SAMPLE_PERIOD) >= 0
            : Duration.between(run.lastSampleAt, now).compareTo(PROGRESS_SAMPLE_PERIOD) >= 0;
    if (!due && tenth <= run.lastSampleTenth) {
      return;
    }
    run.lastSampleAt = now;
    run.lastSampleTenth = Math.max(run.lastSampleTenth, tenth);
    activity(
        "migration",
        hostOfRun(run),
        run.item.vm.name()
            + ": "
            + Sizes.bytes(progress.processedBytes())
            + " sent, "
            + Sizes.bytes(run.bytesLeft())
            + " left, round "
            + progress.round(),
        Map.of(
            "event", "progress",
            "vm", run.item.vm.name(),
            "destination", run.destination,
            "processedBytes", progress.processedBytes(),
            "remainingBytes", run.bytesLeft(),
            "round", progress.round(),
            "bandwidthBytesPerSec", progress.bandwidthBytesPerSec()));
  }

  private String hostOfRun(Batch.Run run) {
    for (HostRecord host : hosts.values()) {
      if (host.batch != null && host.batch.running.get(run.item.vm.uuid()) == run) {
        return host.name();
      }
    }
    return run.item.source;
  }

  private void onMigrationFinished(Batch batch, Batch.Run run, MigrationOutcome outcome) {
    if (run.finished) {
      return;
    }
    run.finished = true;
    batch.running.remove(run.item.vm.uuid());
    Batch.Item item = run.item;
    Duration took = Duration.between(run.startedAt, scheduler.now());
    HostRecord owner = hosts.get(batch.host);
    if (outcome.succeeded()) {
      HostRecord source = hosts.get(item.source);
      HostRecord destination = hosts.get(run.destination);
      VmInfo moved = source.vms.remove(item.vm.uuid());
      inventoryChanged(source);
      if (destination != null) {
        destination.vms.put(
            item.vm.uuid(), (moved == null ? item.vm : moved).withState(VmState.RUNNING));
        inventoryChanged(destination);
      } else {
        // A migration taken over after a restart may name a host this agent does not know; the
        // guest left, and the periodic inventory read shows where it went.
        log.log(
            System.Logger.Level.WARNING,
            item.vm.name() + " arrived on " + run.destination + ", which is not a known host");
      }
      batch.done.add(item);
      if (batch.kind == Batch.Kind.EVACUATE) {
        owner.evacuatedTo.put(item.vm.uuid(), run.destination);
      }
      activity(
          "migration",
          batch.host,
          item.vm.name()
              + ": "
              + item.source
              + " -> "
              + run.destination
              + " done in "
              + took.toMillis()
              + " ms",
          Map.of(
              "event",
              "completed",
              "vm",
              item.vm.name(),
              "source",
              item.source,
              "destination",
              run.destination,
              "bytesSent",
              outcome.bytesSent(),
              "rounds",
              outcome.rounds(),
              "downtimeMillis",
              outcome.downtime().toMillis(),
              "seconds",
              took.toMillis() / 1000.0));
    } else {
      String reason = run.abortReason != null ? run.abortReason : outcome.reason();
      item.tried.add(run.destination);
      item.failures.add("to " + run.destination + ": " + reason);
      activity(
          "migration",
          batch.host,
          item.vm.name() + ": " + item.source + " -> " + run.destination + " failed: " + reason,
          Map.of(
              "event",
              "failed",
              "vm",
              item.vm.name(),
              "source",
              item.source,
              "destination",
              run.destination,
              "reason",
              reason,
              "bytesSent",
              outcome.bytesSent(),
              "seconds",
              took.toMillis() / 1000.0));
      if (batch.cancelled) {
        batch.done.add(item);
      } else if (item.fixedDestination == null
          && item.tried.size() < settings.destinationsPerVm()) {
        batch.pending.addFirst(item);
      } else {
        batch.failed.add(item);
      }
      // What the hypervisor reports wins over what we assumed: re-read both ends.
      Optional.ofNullable(hosts.get(item.source)).ifPresent(this::refreshInventory);
      Optional.ofNullable(hosts.get(run.destination)).ifPresent(this::refreshInventory);
    }
    pump();
    checkBatch(owner);
    publish();
  }

  private void abort(Batch.Run run, String reason) {
    if (run.abortReason != null || run.finished) {
      return;
    }
    run.abortReason = reason;
    if (run.handle != null) {
      blockingIo.execute(run.handle::abort);
    }
  }

  private void ensureWatchdog() {
    if (watchdog == null) {
      watchdog = scheduler.schedule(WATCHDOG_PERIOD, this::watch);
    }
  }

  private void watch() {
    watchdog = null;
    boolean anyActive = false;
    Instant now = scheduler.now();
    for (HostRecord host : hosts.values()) {
      if (host.batch == null) {
        continue;
      }
      anyActive = true;
      for (Batch.Run run : List.copyOf(host.batch.running.values())) {
        Duration running = Duration.between(run.startedAt, now);
        Duration stalled = Duration.between(run.lastProgressAt, now);
        if (running.compareTo(run.timeout) > 0) {
          abort(run, "timed out after " + run.timeout.toSeconds() + " s");
        } else if (stalled.compareTo(settings.noProgressTimeout()) > 0) {
          abort(run, "no progress for " + stalled.toSeconds() + " s");
        }
      }
    }
    if (anyActive && !closed) {
      ensureWatchdog();
    }
  }

  // ---------------------------------------------------------------- completion

  private void checkBatch(HostRecord host) {
    Batch batch = host.batch;
    if (batch == null || !batch.armed || !batch.finished() || host.awaitingFinalCheck) {
      return;
    }
    if (batch.kind == Batch.Kind.RETURN) {
      host.batch = null;
      List<String> stayed = new ArrayList<>();
      batch.failed.forEach(item -> stayed.add(item.failureText()));
      stayed.addAll(batch.localFailures);
      transition(
          host,
          MaintenanceState.OPERATIONAL,
          stayed.isEmpty()
              ? vms(batch.done.size()) + " returned"
              : vms(stayed.size()) + " not returned: " + String.join(", ", stayed));
      if (!stayed.isEmpty()) {
        showMessage(host, vms(stayed.size()).toUpperCase(java.util.Locale.ROOT) + " NOT RETURNED");
      }
      return;
    }
    if (batch.cancelled) {
      host.batch = null;
      transition(host, MaintenanceState.OPERATIONAL, "cancelled by " + batch.cancelledBy);
      return;
    }
    List<String> failures = new ArrayList<>();
    batch.failed.forEach(item -> failures.add(item.failureText()));
    failures.addAll(batch.localFailures);
    if (!failures.isEmpty()) {
      host.batch = null;
      if (host.activeAlert != null) {
        host.pfaRemediationFailed = true;
      }
      transition(
          host,
          MaintenanceState.FAILED,
          vms(failures.size()) + " could not be moved: " + String.join(", ", failures));
      return;
    }
    // Every move reported done; the hypervisor itself must confirm nothing runs any more.
    host.awaitingFinalCheck = true;
    refreshInventory(host);
  }

  /** Called with a fresh inventory once every move of an evacuation has finished. */
  private void finishEvacuation(HostRecord host) {
    Batch batch = host.batch;
    if (batch == null) {
      return;
    }
    if (batch.cancelled) {
      host.batch = null;
      transition(host, MaintenanceState.OPERATIONAL, "cancelled by " + batch.cancelledBy);
      return;
    }
    List<VmInfo> stillRunning =
        host.vms.values().stream().filter(vm -> vm.state().isRunning()).toList();
    if (stillRunning.isEmpty()) {
      host.batch = null;
      transition(
          host,
          MaintenanceState.IN_MAINTENANCE,
          "evacuated " + vms(batch.done.size()) + "; hypervisor reports 0 running");
      return;
    }
    // Guests started while we evacuated: move them too, else report.
    boolean added = false;
    for (VmInfo vm : stillRunning) {
      boolean known =
          batch.failed.stream().anyMatch(i -> i.vm.uuid().equals(vm.uuid()))
              || batch.running.containsKey(vm.uuid());
      if (!known && vm.policy() == VmPolicy.MIGRATE) {
        batch.add(new Batch.Item(vm, host.name(), null, null));
        added = true;
      }
    }
    if (added) {
      pump();
      checkBatch(host);
      return;
    }
    host.batch = null;
    transition(
        host,
        MaintenanceState.FAILED,
        vms(stillRunning.size())
            + " still running: "
            + String.join(", ", stillRunning.stream().map(VmInfo::name).toList()));
  }

  private static String vms(int count) {
    return count + (count == 1 ? " VM" : " VMs");
  }

  // ---------------------------------------------------------------- snapshots

  private void activity(String kind, String host, String message, Map<String, Object> fields) {
    Activity activity = new Activity(kind, host, scheduler.now(), message, fields);
    log.log(System.Logger.Level.INFO, message);
    try {
      journal.record(activity);
    } catch (RuntimeException e) {
      log.log(System.Logger.Level.WARNING, "journal refused an entry", e);
    }
    for (ClusterListener listener : listeners) {
      try {
        listener.onActivity(activity);
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "activity listener failed", e);
      }
    }
  }

  /** Publishes a new snapshot once the current task is done (many changes, one snapshot). */
  private void publish() {
    if (publishQueued || closed) {
      return;
    }
    publishQueued = true;
    scheduler.execute(this::publishNow);
  }

  private void publishNow() {
    publishQueued = false;
    if (haComputedFor != inventoryVersion) {
      haCache.clear();
      haComputedFor = inventoryVersion;
    }
    List<HostStatus> statuses = new ArrayList<>();
    for (HostRecord host : hosts.values()) {
      remember(host);
      statuses.add(status(host));
    }
    statuses.sort(Comparator.comparing(HostStatus::name));
    scheduleRotation();
    snapshot = new ClusterSnapshot(++version, scheduler.now(), statuses);
    for (HostStatus status : statuses) {
      status.panel().ifPresent(state -> render(hosts.get(status.name()), state));
    }
    for (ClusterListener listener : listeners) {
      try {
        listener.onSnapshot(snapshot);
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "snapshot listener failed", e);
      }
    }
  }

  /** While some panel has alerts or notices to show, turn its rotating line every few s. */
  private void scheduleRotation() {
    boolean needed =
        hosts.values().stream()
            .anyMatch(h -> h.controlled && (!h.notices.isEmpty() || h.activeAlert != null));
    if (needed && rotationTask == null && !closed) {
      rotationTask =
          scheduler.schedule(
              ROTATION_PERIOD,
              () -> {
                rotationTask = null;
                rotation++;
                publish();
              });
    }
  }

  private void render(HostRecord host, PanelState state) {
    for (PanelDriver panel : host.panels) {
      PanelState last = host.lastRendered.get(panel);
      if (state.looksLike(last)) {
        continue;
      }
      host.lastRendered.put(panel, state);
      try {
        panel.render(state);
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "panel driver failed to render " + host.name(), e);
      }
    }
  }

  private HostStatus status(HostRecord host) {
    TargetHost load = host.capacity == null ? null : target(host);
    int running = host.runningCount();
    boolean safe =
        host.state == MaintenanceState.IN_MAINTENANCE
            && host.connected
            && host.inventoryLoaded
            && running == 0;
    Map<String, MigrationView> migrations = new HashMap<>();
    if (host.batch != null) {
      for (Batch.Run run : host.batch.running.values()) {
        migrations.put(run.item.vm.uuid(), migrationView(run));
      }
    }
    for (HostRecord other : hosts.values()) {
      if (other != host && other.batch != null) {
        for (Batch.Run run : other.batch.running.values()) {
          if (run.item.source.equals(host.name())) {
            migrations.put(run.item.vm.uuid(), migrationView(run));
          }
        }
      }
    }
    List<VmView> vms =
        host.vms.values().stream()
            .sorted(Comparator.comparing(VmInfo::name))
            .map(vm -> new VmView(vm, Optional.ofNullable(migrations.get(vm.uuid()))))
            .toList();
    MaintenanceView maintenance =
        new MaintenanceView(
            host.state,
            host.since,
            Optional.ofNullable(host.reason),
            safe,
            Optional.ofNullable(host.planSummary),
            Optional.ofNullable(host.batch).map(this::progress));
    LinkStatus link = managementLink();
    PfaStatus pfa = pfa(host);
    DrsMode drs = management == null ? DrsMode.OFF : management.drsMode();
    // HA is worked out for the hosts this agent runs: a peer's own agent shows its own, and doing
    // it for every peer would cost a plan per host on every inventory change.
    HaStatus ha = host.controlled ? ha(host) : HaStatus.OFF;
    List<String> notices = host.notices.stream().map(Notice::text).toList();
    List<String> rotating = new ArrayList<>();
    if (host.activeAlert != null) {
      rotating.add("ALERT " + host.activeAlert.component());
    }
    rotating.addAll(notices);
    Optional<PanelState> panel = Optional.empty();
    if (host.controlled) {
      Optional<HoldFeedback> hold =
          Optional.ofNullable(host.hold)
              .map(h -> new HoldFeedback(h.action(), h.startedAt(), settings.confirmHold()));
      PanelProjection.Input input =
          new PanelProjection.Input(
              host.name(),
              host.panelVersion + 1,
              host.connected,
              running,
              maintenance,
              link,
              pfa,
              drs,
              ha,
              hold,
              Optional.ofNullable(host.message),
              rotating,
              rotation,
              settings.displayRows(),
              settings.displayColumns());
      PanelState projected = PanelProjection.project(input);
      // Keep the version (and the very object) while nothing visible changed, so unchanged
      // hosts produce equal statuses and nothing is re-sent to panels or SSE clients.
      if (!projected.looksLike(host.lastPanel)) {
        host.panelVersion++;
        host.lastPanel = projected;
      }
      panel = Optional.of(host.lastPanel);
    }
    return new HostStatus(
        host.name(),
        host.controlled,
        host.connected,
        Optional.ofNullable(host.capacity),
        load == null ? 0 : load.usedMemoryBytes(),
        load == null ? 0 : load.usedVcpus(),
        running,
        vms,
        maintenance,
        link,
        pfa,
        drs,
        ha,
        notices,
        panel,
        List.of());
  }

  private static MigrationView migrationView(Batch.Run run) {
    MigrationProgress p = run.progress;
    return new MigrationView(
        run.destination,
        p == null ? 0 : p.processedBytes(),
        run.bytesLeft(),
        p == null ? 0 : p.round(),
        run.bandwidth(),
        run.attempt);
  }

  private ProgressView progress(Batch batch) {
    long pendingBytes = 0;
    for (Batch.Item item : batch.pending) {
      pendingBytes += item.vm.memoryBytes();
    }
    long bytesLeft = pendingBytes;
    long bandwidth = 0;
    String holdingUp = null;
    double slowest = -1;
    Instant now = scheduler.now();
    for (Batch.Run run : batch.running.values()) {
      bytesLeft += run.bytesLeft();
      bandwidth += run.bandwidth();
      Duration stalled = Duration.between(run.lastProgressAt, now);
      double seconds =
          stalled.compareTo(Duration.ofSeconds(5)) > 0 ? Double.MAX_VALUE : runSecondsLeft(run);
      if (seconds > slowest) {
        slowest = seconds;
        holdingUp = run.item.vm.name();
      }
    }
    // Honest ETA: no sooner than the slowest migration in flight (which re-sends what its guest
    // dirties), and no sooner than all remaining bytes at the bandwidth in use now.
    Optional<Double> eta = Optional.empty();
    if (bandwidth > 0) {
      double all = bytesLeft / (double) bandwidth;
      eta = Optional.of(slowest == Double.MAX_VALUE ? all : Math.max(all, slowest));
    } else if (bytesLeft == 0 && batch.finished()) {
      eta = Optional.of(0.0);
    }
    int concurrency =
        settings.fixedConcurrency() > 0 ? settings.fixedConcurrency() : batch.concurrency;
    return new ProgressView(
        batch.vmsTotal,
        batch.vmsLeft(),
        batch.bytesTotal,
        bytesLeft,
        eta,
        Optional.ofNullable(holdingUp),
        batch.running.size(),
        Math.max(batch.running.size(), Math.min(concurrency, batch.vmsTotal)),
        batch.failed.size() + batch.localFailures.size());
  }

  /** Seconds a migration still needs: its guest keeps dirtying memory while it sends. */
  private static double runSecondsLeft(Batch.Run run) {
    long bandwidth = Math.max(1, run.bandwidth());
    long dirty = run.progress == null ? run.item.vm.dirtyRateBytesPerSec() : dirtyRate(run);
    double net = Math.max(bandwidth - dirty, bandwidth * 0.1);
    return run.bytesLeft() / net;
  }

  private LinkStatus managementLink() {
    if (management == null) {
      return LinkStatus.NONE;
    }
    // The built-in coordinator is only as connected as the hypervisors it drives.
    long down = hosts.values().stream().filter(h -> !h.connected).count();
    LinkStatus fromPeers =
        down == 0
            ? LinkStatus.CONNECTED
            : down >= hosts.size() ? LinkStatus.LOST : LinkStatus.DEGRADED;
    return fromPeers.ordinal() > backendLink.ordinal() ? fromPeers : backendLink;
  }

  private PfaStatus pfa(HostRecord host) {
    if (!host.hasAlertSources || !settings.pfaProtect()) {
      return PfaStatus.DISABLED;
    }
    if (host.activeAlert == null) {
      return PfaStatus.ARMED;
    }
    return host.pfaRemediationFailed || host.state == MaintenanceState.FAILED
        ? PfaStatus.FAILED
        : PfaStatus.REMEDIATING;
  }

  private HaStatus ha(HostRecord host) {
    if (management == null || !management.haEnabled()) {
      return HaStatus.OFF;
    }
    if (!host.connected) {
      return HaStatus.FAULT;
    }
    return haCache.computeIfAbsent(
        host.name(),
        name -> {
          List<VmInfo> asMovable =
              host.vms.values().stream()
                  .filter(vm -> vm.state().isRunning())
                  .map(
                      vm ->
                          new VmInfo(
                              vm.uuid(),
                              vm.name(),
                              vm.state(),
                              vm.memoryBytes(),
                              vm.vcpus(),
                              vm.dirtyRateBytesPerSec(),
                              VmPolicy.MIGRATE))
                  .toList();
          return EvacuationPlanner.plan(name, host.capacity, asMovable, targetsFor(host)).go()
              ? HaStatus.PROTECTED
              : HaStatus.INSUFFICIENT;
        });
  }
}
