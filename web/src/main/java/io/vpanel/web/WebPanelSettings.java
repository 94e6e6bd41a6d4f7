package io.vpanel.web;

import io.vpanel.spi.DriverSettings;

/** The web front panel has no settings of its own: it is served by the API server. */
public record WebPanelSettings() implements DriverSettings {}
