package io.vpanel.driver.tui;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelDriverProvider;

/** Registers the terminal panel as panel driver {@code tui}. */
public final class TuiPanelProvider implements PanelDriverProvider<TuiSettings> {
  @Override
  public String name() {
    return "tui";
  }

  @Override
  public Class<TuiSettings> settingsType() {
    return TuiSettings.class;
  }

  @Override
  public TuiSettings defaultSettings() {
    return TuiSettings.defaults();
  }

  /**
   * Creates the panel; it opens its terminal once started, and a terminal that cannot be opened is
   * a fault it reports and retries, not a failure to create.
   */
  @Override
  public PanelDriver create(TuiSettings settings, DriverContext context) {
    return new TuiPanelDriver(settings, context.scheduler(), System.getenv());
  }
}
