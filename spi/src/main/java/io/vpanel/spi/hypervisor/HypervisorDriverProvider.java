package io.vpanel.spi.hypervisor;

import io.vpanel.spi.DriverProvider;
import io.vpanel.spi.DriverSettings;

/** Registers a hypervisor driver under a name (found with ServiceLoader). */
public interface HypervisorDriverProvider<S extends DriverSettings>
    extends DriverProvider<S, HypervisorDriver> {}
