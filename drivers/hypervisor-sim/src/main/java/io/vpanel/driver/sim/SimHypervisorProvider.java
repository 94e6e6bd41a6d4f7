package io.vpanel.driver.sim;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HypervisorDriver;
import io.vpanel.spi.hypervisor.HypervisorDriverProvider;

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
    return new SimHypervisorDriver(SimCluster.generate(settings, context.scheduler()), true);
  }
}
