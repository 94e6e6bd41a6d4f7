package io.vpanel.core.engine;

import io.vpanel.core.journal.HostMemory;
import io.vpanel.core.model.MigrationFailureCause;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.MigrationInProgress;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.util.Map;
import java.util.Optional;

/**
 * Carries on after a crash: puts each controlled host back in the state the journal remembers and,
 * once what the hypervisors report can be trusted, rebuilds the run that was going. A guest no
 * longer on its source has arrived and is never sent again; a migration the hypervisor still runs
 * is taken over (asked off the owner thread: a hung hypervisor holds only its own guests); the rest
 * is moved as if the run had never stopped. Owner thread only.
 */
final class CrashRecovery {
  private static final System.Logger log = System.getLogger(ClusterEngine.class.getName());

  private final EngineParts parts;

  CrashRecovery(EngineParts parts) {
    this.parts = parts;
  }

  /** Applies what the journal remembers of {@code host}, before the engine starts. */
  void restore(HostRecord host, HostMemory memory) {
    parts.states.restore(host, memory);
    host.planSummary = memory.planSummary();
    host.evacuatedTo.putAll(memory.evacuatedTo());
    host.stoppedByUs.addAll(memory.stoppedByUs());
    host.lastMemory = memory;
    if (memory.state() == MaintenanceState.ENTERING || memory.state() == MaintenanceState.EXITING) {
      host.restoring = memory;
    }
  }

  /** Says, at start, what was restored. */
  void announce() {
    for (HostRecord host : parts.hosts.all()) {
      if (host.lastMemory != null) {
        parts.activity.record(
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
  }

  /**
   * Resumes the runs restored from the journal once the run's own host is read and every other host
   * is read or known down.
   */
  void resumeWhenReady() {
    if (parts.closed) {
      return;
    }
    for (HostRecord host : parts.hosts.all()) {
      if (host.restoring == null || !host.connected || !host.inventoryLoaded) {
        continue;
      }
      boolean othersKnown =
          parts.hosts.all().stream().allMatch(h -> h == host || h.inventoryLoaded || !h.connected);
      if (othersKnown) {
        HostMemory memory = host.restoring;
        host.restoring = null;
        resume(host, memory);
      }
    }
  }

  private void resume(HostRecord host, HostMemory memory) {
    HostMemory.BatchMemory saved = memory.batch();
    Batch.Kind kind =
        memory.state() == MaintenanceState.EXITING ? Batch.Kind.RETURN : Batch.Kind.EVACUATE;
    Batch batch = new Batch(host.name(), kind);
    int probed = 0;
    int arrived = 0;
    if (saved != null) {
      batch.concurrency = Math.max(1, saved.concurrency());
      batch.cancelled = saved.cancelled();
      batch.cancelledBy = saved.cancelledBy();
      batch.localFailures.addAll(saved.localFailures());
      for (HostMemory.ItemMemory m : saved.items()) {
        Optional<String> where = parts.hosts.locate(m.uuid());
        VmInfo vm =
            parts
                .hosts
                .vm(m.uuid())
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
        probe(batch, item, parts.hosts.get(item.source));
        probed++;
      }
      for (Map.Entry<String, String> action : saved.localActions().entrySet()) {
        Optional<String> where = parts.hosts.locate(action.getKey());
        boolean start = action.getValue().equals("start");
        if (where.isEmpty() || !where.get().equals(host.name())) {
          continue;
        }
        VmInfo vm = host.vms.get(action.getKey());
        if (start ? vm.state().isRunning() : !vm.state().isRunning()) {
          if (!start) {
            host.stoppedByUs.add(vm.uuid());
          }
          continue;
        }
        parts.localActions.run(host, batch, vm, start ? null : VmPolicy.parse(action.getValue()));
      }
      batch.vmsTotal = Math.max(batch.vmsTotal, saved.vmsTotal());
      batch.bytesTotal = Math.max(batch.bytesTotal, saved.bytesTotal());
    }
    host.batch = batch;
    parts.activity.record(
        "maintenance",
        host.name(),
        host.name()
            + ": resumed "
            + (kind == Batch.Kind.RETURN ? "return" : "evacuation")
            + " after a restart: "
            + ActivityLog.vms(batch.done.size())
            + " done ("
            + arrived
            + " arrived while the agent was down), "
            + probed
            + " to take over or move, "
            + batch.failed.size()
            + " failed",
        Map.of(
            "resumed",
            true,
            "done",
            batch.done.size(),
            "arrived",
            arrived,
            "probing",
            probed,
            "failed",
            batch.failed.size()));
    parts.watchdog.ensure();
    parts.migrations.pump();
    parts.completion.check(host);
    parts.publish();
  }

  /**
   * Asks {@code source}'s hypervisor, off the owner thread, whether it still migrates the guest;
   * takes the migration over when it does, else queues the guest to be moved.
   */
  private void probe(Batch batch, Batch.Item item, HostRecord source) {
    batch.probing++;
    Takeover takeover = new Takeover(batch, item, source);
    parts.blockingIo.execute(
        () -> {
          Optional<MigrationInProgress> found;
          try {
            found = source.connection.reattach(item.vm.uuid(), takeover);
          } catch (RuntimeException e) {
            log.log(
                System.Logger.Level.WARNING,
                "asking "
                    + source.name()
                    + " for a running migration of "
                    + item.vm.name()
                    + " failed",
                e);
            found = Optional.empty();
          }
          Optional<MigrationInProgress> answer = found;
          parts.scheduler.execute(() -> takeover.answered(answer));
        });
  }

  /**
   * One guest's take-over: the driver may report progress or the end before its answer reaches the
   * owner thread, so reports wait here until the run exists. Owner thread only (the listener
   * methods only hand over).
   */
  private final class Takeover implements MigrationListener {
    private final Batch batch;
    private final Batch.Item item;
    private final HostRecord source;
    private Batch.Run run;
    private MigrationProgress earlyProgress;
    private MigrationOutcome earlyOutcome;

    Takeover(Batch batch, Batch.Item item, HostRecord source) {
      this.batch = batch;
      this.item = item;
      this.source = source;
    }

    @Override
    public void onProgress(MigrationProgress progress) {
      parts.scheduler.execute(
          () -> {
            if (run == null) {
              earlyProgress = progress;
            } else {
              parts.migrations.progressed(run, progress);
            }
          });
    }

    @Override
    public void onFinished(MigrationOutcome outcome) {
      parts.scheduler.execute(
          () -> {
            if (run == null) {
              earlyOutcome = outcome;
            } else {
              parts.migrations.finished(batch, run, outcome);
            }
          });
    }

    void answered(Optional<MigrationInProgress> found) {
      batch.probing--;
      if (parts.closed || parts.hosts.get(batch.host).batch != batch) {
        return;
      }
      if (found.isEmpty()) {
        if (batch.cancelled) {
          batch.done.add(item);
        } else {
          batch.pending.add(item);
        }
      } else {
        takeOver(found.get());
      }
      parts.migrations.pump();
      parts.completion.check(parts.hosts.get(batch.host));
      parts.publish();
    }

    private void takeOver(MigrationInProgress found) {
      String destination = parts.hosts.named(found.destination()).orElse(found.destination());
      run =
          new Batch.Run(
              item,
              destination,
              parts.scheduler.now(),
              parts.timeouts.initial(item, source, parts.hosts.runsFrom(source.name()).size()),
              item.tried.size() + 1);
      batch.running.put(item.vm.uuid(), run);
      parts.migrations.attach(run, found.handle());
      parts.activity.record(
          "migration",
          batch.host,
          item.vm.name()
              + ": "
              + source.name()
              + " -> "
              + destination
              + " still running; taken over",
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
        parts.migrations.abort(
            run, MigrationFailureCause.CANCELLED, "cancelled by " + batch.cancelledBy);
      }
      if (earlyProgress != null) {
        parts.migrations.progressed(run, earlyProgress);
      }
      if (earlyOutcome != null) {
        parts.migrations.finished(batch, run, earlyOutcome);
      }
    }
  }
}
