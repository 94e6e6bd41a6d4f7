package io.vpanel.spi;

/**
 * The settings of one driver as read from the configuration file. A provider names a record class
 * implementing this interface; the agent binds the driver's YAML section to it and refuses unknown
 * keys with the file and line.
 */
public interface DriverSettings {}
