package io.vpanel.spi.alert;

import io.vpanel.spi.DriverProvider;
import io.vpanel.spi.DriverSettings;

/** Registers an alert source under a name (found with ServiceLoader). */
public interface AlertSourceProvider<S extends DriverSettings>
    extends DriverProvider<S, AlertSource> {}
