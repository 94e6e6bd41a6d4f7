package io.vpanel.web;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelDriverProvider;

/**
 * Registers the web front panel as panel driver {@code web}. It needs the {@link WebPanelEndpoint}
 * the API server offers in the driver context: the page is served by that server.
 */
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
    return WebPanelSettings.defaults();
  }

  @Override
  public PanelDriver create(WebPanelSettings settings, DriverContext context) {
    WebPanelEndpoint endpoint =
        context
            .service(WebPanelEndpoint.class)
            .orElseThrow(
                () ->
                    new DriverException(
                        "the web panel is served by the API server, and none offers its panel"
                            + " endpoint here"));
    try {
      return new WebPanelDriver(context.localHost(), settings, context.scheduler(), endpoint);
    } catch (IllegalStateException e) {
      throw new DriverException(e.getMessage(), e);
    }
  }
}
