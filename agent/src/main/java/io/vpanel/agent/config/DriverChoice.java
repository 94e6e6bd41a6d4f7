package io.vpanel.agent.config;

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
}
