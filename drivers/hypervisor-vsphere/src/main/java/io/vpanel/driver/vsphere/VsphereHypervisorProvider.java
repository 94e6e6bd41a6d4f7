package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HypervisorDriver;
import io.vpanel.spi.hypervisor.HypervisorDriverProvider;

/** Registers the vSphere driver as {@code driver: vsphere}. */
public final class VsphereHypervisorProvider implements HypervisorDriverProvider<VsphereSettings> {
  public static final String NAME = "vsphere";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Class<VsphereSettings> settingsType() {
    return VsphereSettings.class;
  }

  @Override
  public VsphereSettings defaultSettings() {
    return VsphereSettings.defaults();
  }

  @Override
  public HypervisorDriver create(VsphereSettings settings, DriverContext context) {
    if (settings == null) {
      throw new DriverException(
          "the vsphere driver needs settings (url, user, passwordFile, caFile)");
    }
    return new VsphereHypervisorDriver(settings, context.scheduler()::now);
  }
}
