package io.vpanel.driver.ipmi;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.SecretFiles;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.alert.AlertSourceProvider;
import java.nio.file.Path;
import java.time.Duration;

/** Registers alert source {@code ipmi}: the BMC's System Event Log, read with ipmitool. */
public final class IpmiAlertSourceProvider implements AlertSourceProvider<IpmiSettings> {
  public static final String NAME = IpmiAlertSource.NAME;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Class<IpmiSettings> settingsType() {
    return IpmiSettings.class;
  }

  @Override
  public IpmiSettings defaultSettings() {
    return IpmiSettings.defaults();
  }

  @Override
  public AlertSource create(IpmiSettings settings, DriverContext context) {
    if (settings == null) {
      throw new DriverException("the ipmi alert source needs settings");
    }
    BmcConnection connection = settings.connection();
    if (connection.lan()) {
      SecretFiles.requireOwnerOnly(Path.of(connection.passwordFile()));
    }
    // Reaching the BMC happens on start, in the background: a BMC down is a health, not a refusal.
    return new IpmiAlertSource(
        new IpmiTool(connection), context.scheduler(), Duration.ofSeconds(settings.pollSeconds()));
  }
}
