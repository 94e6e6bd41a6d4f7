package io.vpanel.core.engine;

import io.vpanel.core.journal.HostMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * What the journal must hold of a controlled host to carry on after a crash: its state, its run
 * item by item, the guests it moved out or stopped, its active alerts and its alert sources'
 * cursors. Hands a host's memory to the journal only when it changed. Owner thread only.
 */
final class RunMemory {
  private final EngineParts parts;

  RunMemory(EngineParts parts) {
    this.parts = parts;
  }

  /** Hands the host's state to the journal when it changed since the last time. */
  void remember(HostRecord host) {
    if (!host.controlled) {
      return;
    }
    HostMemory memory = memoryOf(host);
    if (!memory.equals(host.lastMemory)) {
      host.lastMemory = memory;
      parts.journal.remember(memory);
    }
  }

  private HostMemory memoryOf(HostRecord host) {
    HostMemory.BatchMemory batchMemory = null;
    Batch batch = host.batch;
    if (batch != null) {
      batchMemory = batchMemory(batch);
    } else if (host.restoring != null) {
      return host.restoring.withAlerts(host.activeAlerts.values(), host.alertCursors);
    }
    return new HostMemory(
        host.name(),
        host.state,
        host.since,
        host.reason,
        host.planSummary,
        host.evacuatedTo,
        List.copyOf(host.stoppedByUs),
        batchMemory,
        List.copyOf(host.activeAlerts.values()),
        host.alertCursors);
  }

  private static HostMemory.BatchMemory batchMemory(Batch batch) {
    List<HostMemory.ItemMemory> items = new ArrayList<>();
    for (Batch.Item item : batch.pending) {
      items.add(item(item, HostMemory.ItemStatus.PENDING, null));
    }
    for (Batch.Run run : batch.running.values()) {
      items.add(item(run.item, HostMemory.ItemStatus.RUNNING, run.destination));
    }
    for (Batch.Item item : batch.done) {
      items.add(item(item, HostMemory.ItemStatus.DONE, null));
    }
    for (Batch.Item item : batch.failed) {
      items.add(item(item, HostMemory.ItemStatus.FAILED, null));
    }
    return new HostMemory.BatchMemory(
        batch.kind.name(),
        batch.concurrency,
        batch.cancelled,
        batch.cancelledBy,
        batch.vmsTotal,
        batch.bytesTotal,
        items,
        batch.localPending,
        batch.localFailures);
  }

  private static HostMemory.ItemMemory item(
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
}
