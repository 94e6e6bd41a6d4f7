package io.vpanel.core.engine;

import io.vpanel.core.plan.TargetHost;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every host the engine knows, by name, and the questions asked across them: where a guest is,
 * which migrations run from or to a host, what is committed on a host. Owner thread only.
 */
final class HostTable {
  private final Map<String, HostRecord> hosts = new LinkedHashMap<>();

  void add(HostRecord host) {
    if (hosts.putIfAbsent(host.name(), host) != null) {
      throw new IllegalArgumentException("host " + host.name() + " is configured twice");
    }
  }

  /** Forgets a host (a peer that left the cluster and that nothing refers to any more). */
  void remove(String name) {
    hosts.remove(name);
  }

  HostRecord get(String name) {
    return hosts.get(name);
  }

  Collection<HostRecord> all() {
    return hosts.values();
  }

  int size() {
    return hosts.size();
  }

  /** A host by name or by the migration URI its hypervisor knows it by. */
  Optional<String> named(String nameOrUri) {
    if (hosts.containsKey(nameOrUri)) {
      return Optional.of(nameOrUri);
    }
    return hosts.values().stream()
        .filter(h -> nameOrUri.equals(h.endpoint.migrationUri()))
        .map(HostRecord::name)
        .findFirst();
  }

  /** The host whose inventory lists the guest, if any. */
  Optional<String> locate(String uuid) {
    return hosts.values().stream()
        .filter(h -> h.vms.containsKey(uuid))
        .map(HostRecord::name)
        .findFirst();
  }

  /** The guest as its host reports it now. */
  Optional<VmInfo> vm(String uuid) {
    return locate(uuid).map(where -> hosts.get(where).vms.get(uuid));
  }

  /** Every migration in flight, of every host's run. */
  List<Batch.Run> runs() {
    List<Batch.Run> runs = new ArrayList<>();
    for (HostRecord h : hosts.values()) {
      if (h.batch != null) {
        runs.addAll(h.batch.running.values());
      }
    }
    return runs;
  }

  /** True when some run migrates this guest now. */
  boolean inFlight(String uuid) {
    return hosts.values().stream()
        .anyMatch(h -> h.batch != null && h.batch.running.containsKey(uuid));
  }

  List<Batch.Run> runsFrom(String host) {
    return runs().stream().filter(run -> run.item.source.equals(host)).toList();
  }

  List<Batch.Run> runsTo(String host) {
    return runs().stream().filter(run -> run.destination.equals(host)).toList();
  }

  /** The host whose run a migration belongs to. */
  String ownerOf(Batch.Run run) {
    for (HostRecord host : hosts.values()) {
      if (host.batch != null && host.batch.running.get(run.item.vm.uuid()) == run) {
        return host.name();
      }
    }
    return run.item.source;
  }

  /** The host whose finished evacuation moved this guest out, if any. */
  Optional<HostRecord> evacuatedFrom(String uuid) {
    return hosts.values().stream().filter(h -> h.evacuatedTo.containsKey(uuid)).findFirst();
  }

  /**
   * Whether a host may receive guests now: reachable, read, operational (a peer as its own agent
   * reports it, when a registry says), not quarantined by PFA protect, and still listed by the
   * management backend. A host that starts entering, is in maintenance, failed or quarantined,
   * receives nothing.
   */
  static boolean acceptsGuests(HostRecord host) {
    return host.connected
        && host.inventoryLoaded
        && host.capacity != null
        && !host.quarantined
        && !host.departed
        && host.state == MaintenanceState.OPERATIONAL;
  }

  /** Hosts that may take guests from {@code source} now, with what is committed on each. */
  List<TargetHost> targetsFor(HostRecord source) {
    List<TargetHost> targets = new ArrayList<>();
    for (HostRecord host : hosts.values()) {
      if (host != source && acceptsGuests(host)) {
        targets.add(target(host));
      }
    }
    return targets;
  }

  /** What is committed on {@code host}: its running guests and the moves in flight towards it. */
  TargetHost target(HostRecord host) {
    long memory = 0;
    int vcpus = 0;
    for (VmInfo vm : host.vms.values()) {
      if (vm.state().isRunning() || vm.state() == VmState.PAUSED) {
        memory += vm.memoryBytes();
        vcpus += vm.vcpus();
      }
    }
    for (Batch.Run run : runsTo(host.name())) {
      if (!host.vms.containsKey(run.item.vm.uuid())) {
        memory += run.item.vm.memoryBytes();
        vcpus += run.item.vm.vcpus();
      }
    }
    return new TargetHost(host.name(), host.capacity, memory, vcpus);
  }
}
