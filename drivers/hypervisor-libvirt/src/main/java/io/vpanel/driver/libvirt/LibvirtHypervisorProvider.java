package io.vpanel.driver.libvirt;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HypervisorDriver;
import io.vpanel.spi.hypervisor.HypervisorDriverProvider;

/** Registers the libvirt driver as {@code driver: libvirt}. */
public final class LibvirtHypervisorProvider implements HypervisorDriverProvider<LibvirtSettings> {

  public static final String NAME = "libvirt";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Class<LibvirtSettings> settingsType() {
    return LibvirtSettings.class;
  }

  @Override
  public LibvirtSettings defaultSettings() {
    return LibvirtSettings.defaults();
  }

  @Override
  public HypervisorDriver create(LibvirtSettings settings, DriverContext context) {
    if (settings == null) {
      throw new DriverException("the libvirt driver needs settings");
    }
    return new LibvirtHypervisorDriver(settings);
  }
}
