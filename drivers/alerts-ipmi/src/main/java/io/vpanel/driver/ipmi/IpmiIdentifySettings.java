package io.vpanel.driver.ipmi;

import io.vpanel.spi.DriverSettings;

/**
 * Settings of the {@code ipmi-identify} panel, bound from its {@code panels:} entry: the same BMC
 * keys as the {@code ipmi} alert source (see {@link IpmiSettings}), without {@code pollSeconds}.
 */
public record IpmiIdentifySettings(
    String interfaceType,
    String host,
    int port,
    String user,
    String passwordFile,
    int cipherSuite,
    int timeoutSeconds,
    String ipmitool)
    implements DriverSettings {

  public IpmiIdentifySettings {
    BmcConnection.validate(
        interfaceType, host, port, user, passwordFile, cipherSuite, timeoutSeconds, ipmitool);
  }

  public static IpmiIdentifySettings defaults() {
    return new IpmiIdentifySettings("open", null, 623, null, null, 3, 15, "ipmitool");
  }

  public static IpmiIdentifySettings lan(String host, int port, String user, String passwordFile) {
    return new IpmiIdentifySettings("lanplus", host, port, user, passwordFile, 3, 15, "ipmitool");
  }

  BmcConnection connection() {
    return new BmcConnection(
        interfaceType, host, port, user, passwordFile, cipherSuite, timeoutSeconds, ipmitool);
  }
}
