package io.vpanel.driver.lcdproc;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelDriverProvider;

/**
 * Registers the LCDproc panel as panel driver {@code lcdproc}: a character LCD (16x2, 20x2, 20x4,
 * 40x4 ...) driven by LCDd, with its keys as the maintenance and back buttons.
 */
public final class LcdprocPanelProvider implements PanelDriverProvider<LcdprocSettings> {
  public static final String NAME = LcdprocPanelDriver.NAME;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Class<LcdprocSettings> settingsType() {
    return LcdprocSettings.class;
  }

  @Override
  public LcdprocSettings defaultSettings() {
    return LcdprocSettings.defaults();
  }

  @Override
  public PanelDriver create(LcdprocSettings settings, DriverContext context) {
    if (settings == null) {
      throw new DriverException("the lcdproc panel needs settings");
    }
    // Connecting happens on start, in the background: a missing LCDd is a fault, not a refusal.
    return new LcdprocPanelDriver(settings, context.scheduler());
  }
}
