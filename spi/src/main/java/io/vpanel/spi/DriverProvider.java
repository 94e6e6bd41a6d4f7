package io.vpanel.spi;

/**
 * A driver plug-in: a name used in the configuration and a factory. Providers are found with {@link
 * java.util.ServiceLoader}; only the one named in the configuration is created.
 *
 * @param <S> the settings record of this driver
 * @param <D> what the provider creates
 */
public interface DriverProvider<S extends DriverSettings, D> {

  /**
   * The name under {@code driver:} in the configuration, for example {@code sim} or {@code web}.
   */
  String name();

  /** The record the driver's configuration section binds to. */
  Class<S> settingsType();

  /** Settings to use when the configuration gives none besides the driver name. */
  S defaultSettings();

  /** Creates the driver; throws {@link DriverException} with an operator-readable reason. */
  D create(S settings, DriverContext context);
}
