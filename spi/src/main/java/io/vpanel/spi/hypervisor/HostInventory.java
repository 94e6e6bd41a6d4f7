package io.vpanel.spi.hypervisor;

import java.util.List;
import java.util.Set;

/**
 * Everything a hypervisor connection reports of its host at one moment.
 *
 * @param host the host's name
 * @param capacity what the host can give to guests
 * @param vms every guest defined or running there; guests still arriving by migration are not
 *     listed until they run
 * @param migrationFeatures the migration features this host's hypervisor offers (empty: none, the
 *     planner then asks for plain pre-copy)
 */
public record HostInventory(
    String host, HostCapacity capacity, List<VmInfo> vms, Set<MigrationFeature> migrationFeatures) {
  public HostInventory {
    vms = List.copyOf(vms);
    migrationFeatures = Set.copyOf(migrationFeatures);
  }

  /**
   * A host whose driver does not say which features it offers: it is taken to offer auto-converge
   * only, which the engine asked of every migration before features were chosen per guest.
   */
  public HostInventory(String host, HostCapacity capacity, List<VmInfo> vms) {
    this(host, capacity, vms, Set.of(MigrationFeature.AUTO_CONVERGE));
  }

  public long runningCount() {
    return vms.stream().filter(vm -> vm.state().isRunning()).count();
  }
}
