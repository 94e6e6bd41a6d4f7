package io.vpanel.agent.config;

import io.vpanel.core.DriverRegistry;
import io.vpanel.spi.DriverProvider;
import io.vpanel.spi.DriverSettings;

/**
 * A driver the configuration names, with its bound settings.
 *
 * @param provider the provider found by that name
 * @param settings its settings, defaults filled in
 */
public record DriverChoice(DriverProvider<DriverSettings, ?> provider, DriverSettings settings) {
  public String name() {
    return provider.name();
  }

  /** The installed driver of this type and name, with its default settings. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  public static <P extends DriverProvider> DriverChoice byName(
      Class<P> type, String kind, String name) {
    DriverProvider provider = DriverRegistry.find(type, kind, name);
    return new DriverChoice(provider, provider.defaultSettings());
  }
}
