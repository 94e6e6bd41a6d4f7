package io.vpanel.driver.sim;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HypervisorDriver;
import io.vpanel.spi.hypervisor.HypervisorDriverProvider;
import io.vpanel.spi.hypervisor.VmInfo;
import java.util.List;

/** Registers the simulated hypervisor as {@code driver: sim}. */
public final class SimHypervisorProvider implements HypervisorDriverProvider<SimSettings> {

  public static final String NAME = "sim";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Class<SimSettings> settingsType() {
    return SimSettings.class;
  }

  @Override
  public SimSettings defaultSettings() {
    return SimSettings.defaults();
  }

  /** Generates a fresh cluster from the settings, owned (and closed) by the returned driver. */
  @Override
  public HypervisorDriver create(SimSettings settings, DriverContext context) {
    if (settings == null || context == null || context.scheduler() == null) {
      throw new DriverException("the sim driver needs settings and a scheduler");
    }
    SimCluster cluster = SimCluster.generate(settings, context.scheduler());
    for (String name : settings.neverConverge()) {
      cluster.neverConverge(uuidOf(cluster, "neverConverge", name));
    }
    for (String name : settings.postCopyGuests()) {
      cluster.allowPostCopy(uuidOf(cluster, "postCopyGuests", name));
    }
    return new SimHypervisorDriver(cluster, true);
  }

  /** The uuid of the generated guest {@code name}; an unknown name closes the cluster. */
  private static String uuidOf(SimCluster cluster, String key, String name) {
    return cluster.allVms().stream()
        .filter(vm -> vm.name().equals(name))
        .map(VmInfo::uuid)
        .findFirst()
        .orElseThrow(
            () -> {
              cluster.close();
              return new DriverException(
                  key
                      + ": the simulator has no guest '"
                      + name
                      + "' (it has "
                      + guestRange(cluster)
                      + ")");
            });
  }

  private static String guestRange(SimCluster cluster) {
    List<String> names = cluster.allVms().stream().map(VmInfo::name).sorted().toList();
    return names.isEmpty() ? "none" : names.getFirst() + " ... " + names.getLast();
  }
}
