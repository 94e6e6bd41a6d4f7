package io.vpanel.driver.etcd;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.management.ManagementBackend;
import io.vpanel.spi.management.ManagementBackendProvider;

/** Registers the etcd backend as management driver {@code etcd}. */
public final class EtcdManagementProvider implements ManagementBackendProvider<EtcdSettings> {
  @Override
  public String name() {
    return "etcd";
  }

  @Override
  public Class<EtcdSettings> settingsType() {
    return EtcdSettings.class;
  }

  @Override
  public EtcdSettings defaultSettings() {
    return EtcdSettings.defaults();
  }

  @Override
  public ManagementBackend create(EtcdSettings settings, DriverContext context) {
    return new EtcdManagement(settings, context);
  }
}
