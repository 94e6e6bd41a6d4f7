package io.vpanel.core.engine;

import io.vpanel.core.model.HaStatus;
import io.vpanel.core.plan.EvacuationPlanner;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HA: could this host's running guests restart elsewhere if it failed now? Plans them all as
 * movable against the other hosts; cached until an inventory changes. Worked out for the hosts this
 * agent runs only: a peer's own agent shows its own. A management backend that gives its own
 * verdict for the whole cluster ({@code ManagementBackend.haProtected}, etcd's leader) is shown
 * instead. Owner thread only.
 */
final class HaAssessment {
  private final EngineParts parts;
  private final Map<String, HaStatus> cache = new HashMap<>();
  private long cachedFor = -1;

  HaAssessment(EngineParts parts) {
    this.parts = parts;
  }

  HaStatus status(HostRecord host) {
    if (!host.controlled || parts.management == null || !parts.management.haEnabled()) {
      return HaStatus.OFF;
    }
    if (!host.connected) {
      return HaStatus.FAULT;
    }
    // A backend that works HA out once for the cluster (etcd's leader) is what every agent shows.
    java.util.Optional<Boolean> cluster = parts.management.haProtected(host.name());
    if (cluster.isPresent()) {
      return cluster.get() ? HaStatus.PROTECTED : HaStatus.INSUFFICIENT;
    }
    if (cachedFor != parts.inventory.version()) {
      cache.clear();
      cachedFor = parts.inventory.version();
    }
    return cache.computeIfAbsent(host.name(), name -> assess(host));
  }

  private HaStatus assess(HostRecord host) {
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
    return EvacuationPlanner.plan(
                host.name(), host.capacity, asMovable, parts.hosts.targetsFor(host))
            .go()
        ? HaStatus.PROTECTED
        : HaStatus.INSUFFICIENT;
  }
}
