package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.management.ManagementBackend;
import io.vpanel.spi.management.ManagementBackendProvider;

/** Registers the vCenter management backend as {@code management: {driver: vcenter}}. */
public final class VcenterManagementProvider implements ManagementBackendProvider<VsphereSettings> {
  public static final String NAME = "vcenter";

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
  public ManagementBackend create(VsphereSettings settings, DriverContext context) {
    if (settings == null) {
      throw new DriverException(
          "the vcenter backend needs settings (url, user, passwordFile, caFile)");
    }
    return new VcenterManagement(settings, context);
  }
}
