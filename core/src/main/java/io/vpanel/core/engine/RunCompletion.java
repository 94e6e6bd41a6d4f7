package io.vpanel.core.engine;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decides how a host's run ends once nothing of it is in flight: a return makes the host
 * operational; a cancelled evacuation too; an evacuation with failures makes it FAILED; a clean
 * evacuation asks the hypervisor for a fresh inventory and reaches IN_MAINTENANCE only when that
 * shows nothing running and nothing is on its way to the host. Owner thread only.
 */
final class RunCompletion {
  private final EngineParts parts;

  RunCompletion(EngineParts parts) {
    this.parts = parts;
  }

  private Origin origin(Batch batch) {
    return batch.cancelled ? Origin.parse(batch.cancelledBy) : new Origin.Engine("run");
  }

  /** Ends {@code host}'s run if it is over. */
  void check(HostRecord host) {
    Batch batch = host.batch;
    if (batch == null || !batch.armed || !batch.finished() || host.awaitingFinalCheck) {
      return;
    }
    if (batch.kind == Batch.Kind.RETURN) {
      host.batch = null;
      List<String> stayed = new ArrayList<>();
      batch.failed.forEach(item -> stayed.add(item.failureText()));
      stayed.addAll(batch.localFailures);
      parts.states.transition(
          host,
          MaintenanceState.OPERATIONAL,
          origin(batch),
          stayed.isEmpty()
              ? ActivityLog.vms(batch.done.size()) + " returned"
              : ActivityLog.vms(stayed.size()) + " not returned: " + String.join(", ", stayed));
      if (!stayed.isEmpty()) {
        parts.messages.show(
            host, ActivityLog.vms(stayed.size()).toUpperCase(Locale.ROOT) + " NOT RETURNED");
      }
      return;
    }
    if (batch.cancelled) {
      endCancelled(host, batch);
      return;
    }
    List<String> failures = new ArrayList<>();
    batch.failed.forEach(item -> failures.add(item.failureText()));
    failures.addAll(batch.localFailures);
    if (!failures.isEmpty()) {
      host.batch = null;
      parts.states.transition(
          host,
          MaintenanceState.FAILED,
          origin(batch),
          ActivityLog.vms(failures.size()) + " could not be moved: " + String.join(", ", failures));
      return;
    }
    if (!parts.hosts.runsTo(host.name()).isEmpty()) {
      // Moves towards this host are being called off; their end checks again.
      return;
    }
    // Every move reported done; the hypervisor itself must confirm nothing runs any more.
    host.awaitingFinalCheck = true;
    parts.inventory.refresh(host);
  }

  private void endCancelled(HostRecord host, Batch batch) {
    host.batch = null;
    parts.states.transition(
        host, MaintenanceState.OPERATIONAL, origin(batch), "cancelled by " + batch.cancelledBy);
  }

  /** Called with a fresh inventory once every move of an evacuation has finished. */
  void finishEvacuation(HostRecord host) {
    Batch batch = host.batch;
    if (batch == null) {
      return;
    }
    if (batch.cancelled) {
      endCancelled(host, batch);
      return;
    }
    List<VmInfo> stillRunning =
        host.vms.values().stream().filter(vm -> vm.state().isRunning()).toList();
    if (stillRunning.isEmpty() && parts.hosts.runsTo(host.name()).isEmpty()) {
      host.batch = null;
      parts.states.transition(
          host,
          MaintenanceState.IN_MAINTENANCE,
          origin(batch),
          "evacuated " + ActivityLog.vms(batch.done.size()) + "; hypervisor reports 0 running");
      return;
    }
    // Guests started (or arrived) while we evacuated: move them too, else report.
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
    if (added || stillRunning.isEmpty()) {
      parts.migrations.pump();
      check(host);
      return;
    }
    host.batch = null;
    parts.states.transition(
        host,
        MaintenanceState.FAILED,
        origin(batch),
        ActivityLog.vms(stillRunning.size())
            + " still running: "
            + String.join(", ", stillRunning.stream().map(VmInfo::name).toList()));
  }
}
