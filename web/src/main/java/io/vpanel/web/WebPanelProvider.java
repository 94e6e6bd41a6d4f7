package io.vpanel.web;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelDriverProvider;

/** Registers the web front panel as panel driver {@code web}. */
public final class WebPanelProvider implements PanelDriverProvider<WebPanelSettings> {
  @Override
  public String name() {
    return "web";
  }

  @Override
  public Class<WebPanelSettings> settingsType() {
    return WebPanelSettings.class;
  }

  @Override
  public WebPanelSettings defaultSettings() {
    return new WebPanelSettings();
  }

  @Override
  public PanelDriver create(WebPanelSettings settings, DriverContext context) {
    return new WebPanelDriver(context.localHost(), context.scheduler());
  }
}
