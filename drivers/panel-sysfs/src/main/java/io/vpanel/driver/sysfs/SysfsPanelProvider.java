package io.vpanel.driver.sysfs;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelDriverProvider;

/** Registers the LED-class + evdev front panel as panel driver {@code sysfs}. */
public final class SysfsPanelProvider implements PanelDriverProvider<SysfsPanelSettings> {
  public static final String NAME = "sysfs";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Class<SysfsPanelSettings> settingsType() {
    return SysfsPanelSettings.class;
  }

  @Override
  public SysfsPanelSettings defaultSettings() {
    return SysfsPanelSettings.defaults();
  }

  @Override
  public PanelDriver create(SysfsPanelSettings settings, DriverContext context) {
    if (settings == null) {
      throw new DriverException("the sysfs panel needs settings");
    }
    if (settings.leds().isEmpty() && settings.inputDevice().isEmpty()) {
      throw new DriverException(
          "the sysfs panel has nothing to drive: give it LEDs under leds (maintenance: {led:"
              + " NAME}, ...) and/or the button's inputDevice; see drivers/panel-sysfs/README.md");
    }
    return new SysfsPanelDriver(settings, context.scheduler());
  }
}
