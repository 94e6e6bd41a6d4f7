package io.vpanel.core.engine;

import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import java.util.Map;

/**
 * The guests a run handles on their own host instead of moving them: a shutdown or suspend (by the
 * guest's policy) on the way into maintenance, a start on the way out. Each runs off the owner
 * thread and posts its end back. Owner thread only.
 */
final class LocalGuestActions {
  private final EngineParts parts;

  LocalGuestActions(EngineParts parts) {
    this.parts = parts;
  }

  /** Runs a shutdown, suspend ({@code policy}) or start ({@code policy == null}) now. */
  void run(HostRecord host, Batch batch, VmInfo vm, VmPolicy policy) {
    register(host, batch, vm, policy).run();
  }

  /** Counts a local action in the run and returns what starts it. */
  Runnable register(HostRecord host, Batch batch, VmInfo vm, VmPolicy policy) {
    batch.localActionsPending++;
    batch.vmsTotal++;
    String verb = policy == null ? "start" : policy.label();
    batch.localPending.put(vm.uuid(), verb);
    return () -> execute(host, batch, vm, policy, verb);
  }

  private void execute(HostRecord host, Batch batch, VmInfo vm, VmPolicy policy, String verb) {
    parts.blockingIo.execute(
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
            failure = ActivityLog.reason(e);
          }
          String failed = failure;
          parts.scheduler.execute(() -> done(host, batch, vm, policy, verb, failed));
        });
  }

  private void done(
      HostRecord host, Batch batch, VmInfo vm, VmPolicy policy, String verb, String failed) {
    batch.localActionsPending--;
    batch.localPending.remove(vm.uuid());
    if (failed == null) {
      if (policy != null) {
        host.stoppedByUs.add(vm.uuid());
      }
      parts.activity.record(
          "vm",
          host.name(),
          vm.name() + ": " + verb + " done",
          Map.of("vm", vm.name(), "action", verb));
    } else {
      batch.localFailures.add(vm.name() + " (" + verb + " failed: " + failed + ")");
    }
    parts.inventory.refresh(host);
    parts.completion.check(host);
    parts.publish();
  }
}
