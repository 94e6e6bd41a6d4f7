package io.vpanel.spi.panel;

import io.vpanel.spi.DriverProvider;
import io.vpanel.spi.DriverSettings;

/** Registers a panel driver under a name (found with ServiceLoader). */
public interface PanelDriverProvider<S extends DriverSettings>
    extends DriverProvider<S, PanelDriver> {}
