package io.vpanel.spi.management;

import io.vpanel.spi.DriverProvider;
import io.vpanel.spi.DriverSettings;

/** Registers a management backend under a name (found with ServiceLoader). */
public interface ManagementBackendProvider<S extends DriverSettings>
    extends DriverProvider<S, ManagementBackend> {}
