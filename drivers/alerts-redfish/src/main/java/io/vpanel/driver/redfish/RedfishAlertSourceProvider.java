package io.vpanel.driver.redfish;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.alert.AlertSourceProvider;

/** Registers the Redfish alert source as alert driver {@code redfish}. */
public final class RedfishAlertSourceProvider implements AlertSourceProvider<RedfishSettings> {
  public static final String NAME = RedfishAlertSource.NAME;

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
  public AlertSource create(RedfishSettings settings, DriverContext context) {
    if (settings == null) {
      throw new DriverException("the redfish alert source needs settings");
    }
    // Files are read now: a loose or missing secret is a start-up error, a down BMC is not.
    Credentials credentials = Credentials.read(settings);
    RedfishClient.checkTls(settings);
    return new RedfishAlertSource(settings, credentials, context.scheduler());
  }
}
