package io.vpanel.driver.ipmi;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.SecretFiles;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelDriverProvider;
import java.nio.file.Path;

/**
 * Registers panel driver {@code ipmi-identify}: the chassis identify LED lit through the BMC while
 * the host is safe to service.
 */
public final class IpmiIdentifyPanelProvider implements PanelDriverProvider<IpmiIdentifySettings> {
  public static final String NAME = IpmiIdentifyPanel.NAME;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Class<IpmiIdentifySettings> settingsType() {
    return IpmiIdentifySettings.class;
  }

  @Override
  public IpmiIdentifySettings defaultSettings() {
    return IpmiIdentifySettings.defaults();
  }

  @Override
  public PanelDriver create(IpmiIdentifySettings settings, DriverContext context) {
    if (settings == null) {
      throw new DriverException("the ipmi-identify panel needs settings");
    }
    BmcConnection connection = settings.connection();
    if (connection.lan()) {
      SecretFiles.requireOwnerOnly(Path.of(connection.passwordFile()));
    }
    return new IpmiIdentifyPanel(new IpmiTool(connection));
  }
}
