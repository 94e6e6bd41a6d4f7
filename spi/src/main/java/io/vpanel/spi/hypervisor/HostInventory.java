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
 * @param cpuIdleShare the share of the host's CPU time that was idle since the driver's previous
 *     reading, between 0 and 1, or {@link #CPU_UNKNOWN} when the driver cannot tell (the planner
 *     compresses a migration only while the source's CPU is free)
 */
public record HostInventory(
    String host,
    HostCapacity capacity,
    List<VmInfo> vms,
    Set<MigrationFeature> migrationFeatures,
    double cpuIdleShare) {
  /** {@link #cpuIdleShare()} of a host whose driver cannot tell. */
  public static final double CPU_UNKNOWN = -1;

  public HostInventory {
    vms = List.copyOf(vms);
    migrationFeatures = Set.copyOf(migrationFeatures);
    if (!isCpuIdleShare(cpuIdleShare)) {
      throw new IllegalArgumentException("cpuIdleShare must be -1 or in [0, 1]: " + cpuIdleShare);
    }
  }

  /** Whether {@code share} can be a {@link #cpuIdleShare()}: {@link #CPU_UNKNOWN} or in [0, 1]. */
  public static boolean isCpuIdleShare(double share) {
    return share == CPU_UNKNOWN || (share >= 0 && share <= 1);
  }

  /** A host whose driver cannot tell how busy its CPU is. */
  public HostInventory(
      String host, HostCapacity capacity, List<VmInfo> vms, Set<MigrationFeature> features) {
    this(host, capacity, vms, features, CPU_UNKNOWN);
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
