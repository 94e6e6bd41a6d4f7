package io.vpanel.core.engine;

import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.VmInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Keeps each host's guests and capacity as its hypervisor reports them: applies lifecycle events,
 * reads the whole inventory off the owner thread at start, on reconnect, after a failed move and
 * periodically, and drops a read that raced with changes. A read that does not answer in time marks
 * the hypervisor unreachable (the host takes no guests and cannot enter) until it answers; at most
 * one read per host is outstanding, so a hung hypervisor holds one thread, not many. Owner thread
 * only.
 */
final class InventorySync {
  private static final System.Logger log = System.getLogger(ClusterEngine.class.getName());

  private final EngineParts parts;
  private long version;

  InventorySync(EngineParts parts) {
    this.parts = parts;
  }

  /** Counts every inventory change, so caches built from inventories know when they are stale. */
  long version() {
    return version;
  }

  /** Records that {@code host}'s guests changed. */
  void changed(HostRecord host) {
    host.changes++;
    version++;
  }

  void onEvent(HypervisorEvent event) {
    HostRecord host = parts.hosts.get(event.host());
    if (host == null || parts.closed) {
      return;
    }
    switch (event) {
      case HypervisorEvent.VmChanged vmChanged -> {
        host.vms.put(vmChanged.vm().uuid(), vmChanged.vm());
        changed(host);
      }
      case HypervisorEvent.VmGone gone -> {
        host.vms.remove(gone.uuid());
        changed(host);
      }
      case HypervisorEvent.ConnectionChanged change -> {
        boolean was = host.connected;
        host.connected = change.connected();
        host.connectionReason = change.reason();
        host.readOverdue = false;
        parts.activity.record(
            "hypervisor",
            host.name(),
            change.connected()
                ? "hypervisor connection restored"
                : "hypervisor connection lost: " + change.reason(),
            Map.of("connected", change.connected()));
        if (change.connected() && !was) {
          refresh(host);
        }
        changed(host);
      }
    }
    parts.migrations.pump();
    parts.publish();
  }

  /**
   * Reads the host's whole inventory off the owner thread. A read that raced with events (or with a
   * migration we just saw finish) is stale on arrival; it is dropped and read again.
   */
  void refresh(HostRecord host) {
    if (host.readStartedAt != null) {
      host.readAgain = true;
      return;
    }
    long changesBefore = host.changes;
    Instant started = parts.scheduler.now();
    host.readStartedAt = started;
    parts.scheduler.schedule(parts.settings.inventoryTimeout(), () -> overdue(host, started));
    parts.blockingIo.execute(
        () -> {
          HostInventory inventory;
          try {
            inventory = host.connection.inventory();
          } catch (RuntimeException e) {
            String reason = ActivityLog.reason(e);
            parts.scheduler.execute(() -> failed(host, reason));
            return;
          }
          parts.scheduler.execute(() -> apply(host, inventory, changesBefore));
        });
  }

  private void overdue(HostRecord host, Instant started) {
    if (parts.closed || !started.equals(host.readStartedAt)) {
      return;
    }
    String reason =
        "hypervisor not answering: inventory read running for "
            + Duration.between(started, parts.scheduler.now()).toSeconds()
            + " s";
    if (host.connected) {
      log.log(System.Logger.Level.WARNING, host.name() + ": " + reason);
      parts.activity.record(
          "hypervisor",
          host.name(),
          "hypervisor connection lost: " + reason,
          Map.of("connected", false));
    }
    host.connected = false;
    host.connectionReason = reason;
    host.readOverdue = true;
    changed(host);
    parts.recovery.resumeWhenReady();
    parts.publish();
  }

  private void readDone(HostRecord host) {
    host.readStartedAt = null;
    if (host.readAgain) {
      host.readAgain = false;
      refresh(host);
    }
  }

  private void failed(HostRecord host, String reason) {
    if (parts.closed) {
      return; // a read the engine's own close cut short (its connections close after it)
    }
    boolean again = host.readAgain;
    host.readAgain = false;
    host.readStartedAt = null;
    if (host.connected || host.inventoryLoaded) {
      log.log(
          System.Logger.Level.WARNING,
          "reading inventory of " + host.name() + " failed: " + reason);
    }
    host.connected = false;
    host.connectionReason = reason;
    host.readOverdue = false;
    changed(host);
    if (again) {
      refresh(host);
    }
    parts.recovery.resumeWhenReady();
    parts.publish();
  }

  private void apply(HostRecord host, HostInventory inventory, long changesBefore) {
    host.readStartedAt = null;
    if (host.changes != changesBefore && host.inventoryLoaded) {
      host.readAgain = false;
      refresh(host);
      return;
    }
    boolean wasOverdue = host.readOverdue && !host.connected;
    host.readOverdue = false;
    host.capacity = inventory.capacity();
    host.migrationFeatures = inventory.migrationFeatures();
    host.cpuIdleShare = inventory.cpuIdleShare();
    host.vms.clear();
    for (VmInfo vm : inventory.vms()) {
      host.vms.put(vm.uuid(), vm);
    }
    host.inventoryLoaded = true;
    host.connected = true;
    if (wasOverdue) {
      parts.activity.record(
          "hypervisor", host.name(), "hypervisor connection restored", Map.of("connected", true));
    }
    changed(host);
    readDone(host);
    parts.recovery.resumeWhenReady();
    if (host.awaitingFinalCheck) {
      host.awaitingFinalCheck = false;
      parts.completion.finishEvacuation(host);
    }
    parts.migrations.pump();
    parts.publish();
  }

  /** Re-reads every host now and then, to catch events a driver missed. */
  void schedulePeriodic() {
    parts.scheduler.schedule(
        parts.settings.inventoryRefresh(),
        () -> {
          if (parts.closed) {
            return;
          }
          parts.hosts.all().forEach(this::refresh);
          schedulePeriodic();
        });
  }
}
