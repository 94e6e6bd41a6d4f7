package io.vpanel.core.management;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.management.ManagementBackend;
import io.vpanel.spi.management.ManagementBackendProvider;

/** Registers the built-in coordinator as management backend {@code builtin}. */
public final class BuiltinManagementProvider implements ManagementBackendProvider<BuiltinSettings> {
  @Override
  public String name() {
    return "builtin";
  }

  @Override
  public Class<BuiltinSettings> settingsType() {
    return BuiltinSettings.class;
  }

  @Override
  public BuiltinSettings defaultSettings() {
    return new BuiltinSettings(null, null, null);
  }

  @Override
  public ManagementBackend create(BuiltinSettings settings, DriverContext context) {
    return new BuiltinManagement(settings);
  }
}
