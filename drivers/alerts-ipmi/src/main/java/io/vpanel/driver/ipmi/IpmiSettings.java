package io.vpanel.driver.ipmi;

import io.vpanel.spi.DriverSettings;

/**
 * Settings of the IPMI alert source, bound from its {@code alerts:} entry ({@code driver: ipmi}).
 *
 * @param interfaceType {@code open} (the local BMC through {@code /dev/ipmi0}, the default) or
 *     {@code lanplus} (a BMC over the network, RMCP+)
 * @param host the BMC's name or address (lanplus only, required there)
 * @param port the BMC's UDP port (default 623)
 * @param user the BMC user (lanplus; needs operator privilege)
 * @param passwordFile a file holding the BMC user's password, mode 600 (lanplus, required there)
 * @param cipherSuite the RMCP+ cipher suite id given as {@code -C} (default 3)
 * @param pollSeconds how often the SEL is polled (default 10)
 * @param timeoutSeconds how long one ipmitool call may take before it is killed (default 15)
 * @param ipmitool the ipmitool program (default {@code ipmitool}, found on the PATH)
 */
public record IpmiSettings(
    String interfaceType,
    String host,
    int port,
    String user,
    String passwordFile,
    int cipherSuite,
    int pollSeconds,
    int timeoutSeconds,
    String ipmitool)
    implements DriverSettings {

  public IpmiSettings {
    BmcConnection.validate(
        interfaceType, host, port, user, passwordFile, cipherSuite, timeoutSeconds, ipmitool);
    if (pollSeconds < 1 || pollSeconds > 3600) {
      throw new IllegalArgumentException("pollSeconds must be 1 to 3600, not " + pollSeconds);
    }
  }

  public static IpmiSettings defaults() {
    return new IpmiSettings("open", null, 623, null, null, 3, 10, 15, "ipmitool");
  }

  /** A BMC over lanplus with the other settings at their defaults. */
  public static IpmiSettings lan(String host, int port, String user, String passwordFile) {
    return new IpmiSettings("lanplus", host, port, user, passwordFile, 3, 10, 15, "ipmitool");
  }

  public IpmiSettings withPollSeconds(int seconds) {
    return new IpmiSettings(
        interfaceType,
        host,
        port,
        user,
        passwordFile,
        cipherSuite,
        seconds,
        timeoutSeconds,
        ipmitool);
  }

  public IpmiSettings withTimeoutSeconds(int seconds) {
    return new IpmiSettings(
        interfaceType, host, port, user, passwordFile, cipherSuite, pollSeconds, seconds, ipmitool);
  }

  BmcConnection connection() {
    return new BmcConnection(
        interfaceType, host, port, user, passwordFile, cipherSuite, timeoutSeconds, ipmitool);
  }
}
