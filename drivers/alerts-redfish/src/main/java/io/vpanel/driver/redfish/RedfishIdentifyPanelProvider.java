package io.vpanel.driver.redfish;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelDriverProvider;

/**
 * Registers the BMC's identify LED as panel driver {@code redfish-identify}: it renders only the
 * panel state's identify flag, so core's panel fan-out switches the locator with no core change.
 */
public final class RedfishIdentifyPanelProvider implements PanelDriverProvider<RedfishSettings> {
  public static final String NAME = RedfishIdentifyPanel.NAME;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Class<RedfishSettings> settingsType() {
    return RedfishSettings.class;
  }

  @Override
  public RedfishSettings defaultSettings() {
    return RedfishSettings.defaults();
  }

  @Override
  public PanelDriver create(RedfishSettings settings, DriverContext context) {
    if (settings == null) {
      throw new DriverException("the redfish-identify panel needs settings");
    }
    Credentials credentials = Credentials.read(settings);
    RedfishClient.checkTls(settings);
    return new RedfishIdentifyPanel(settings, credentials);
  }
}
