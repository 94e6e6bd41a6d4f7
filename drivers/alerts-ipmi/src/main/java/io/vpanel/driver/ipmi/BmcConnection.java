package io.vpanel.driver.ipmi;

import java.util.ArrayList;
import java.util.List;

/** Where the BMC is and how ipmitool reaches it; validated by the settings records. */
record BmcConnection(
    String interfaceType,
    String host,
    int port,
    String user,
    String passwordFile,
    int cipherSuite,
    int timeoutSeconds,
    String ipmitool) {

  static void validate(
      String interfaceType,
      String host,
      int port,
      String user,
      String passwordFile,
      int cipherSuite,
      int timeoutSeconds,
      String ipmitool) {
    if (!"open".equals(interfaceType) && !"lanplus".equals(interfaceType)) {
      throw new IllegalArgumentException(
          "interfaceType must be open (the local BMC, /dev/ipmi0) or lanplus (a BMC over the"
              + " network), not "
              + interfaceType);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1 to 65535, not " + port);
    }
    if (cipherSuite < 0 || cipherSuite > 255) {
      throw new IllegalArgumentException("cipherSuite must be 0 to 255, not " + cipherSuite);
    }
    if (timeoutSeconds < 1 || timeoutSeconds > 600) {
      throw new IllegalArgumentException("timeoutSeconds must be 1 to 600, not " + timeoutSeconds);
    }
    if (ipmitool == null || ipmitool.isBlank()) {
      throw new IllegalArgumentException("ipmitool must name the ipmitool program");
    }
    if ("lanplus".equals(interfaceType)) {
      if (host == null || host.isBlank() || !printable(host) || host.startsWith("-")) {
        throw new IllegalArgumentException(
            "host must be the BMC's name or address (required with interfaceType lanplus)");
      }
      if (user == null || user.isBlank() || !printable(user) || user.startsWith("-")) {
        throw new IllegalArgumentException(
            "user must be the BMC user (required with interfaceType lanplus)");
      }
      if (passwordFile == null || passwordFile.isBlank()) {
        throw new IllegalArgumentException(
            "passwordFile must be a file with the BMC user's password, mode 600 (required with"
                + " interfaceType lanplus; passwords are never taken in the configuration)");
      }
    }
  }

  private static boolean printable(String s) {
    return s.chars().allMatch(c -> c > ' ' && c < 0x7f);
  }

  boolean lan() {
    return "lanplus".equals(interfaceType);
  }

  /** For people and health reasons: {@code BMC 10.0.0.7:623} or {@code local BMC}. */
  String describe() {
    return lan() ? "BMC " + host + ":" + port : "local BMC (/dev/ipmi0)";
  }

  /** ipmitool and its connection options, then {@code command}. The password only as a file. */
  List<String> command(List<String> command) {
    List<String> argv = new ArrayList<>();
    argv.add(ipmitool);
    argv.add("-I");
    argv.add(interfaceType);
    if (lan()) {
      argv.addAll(
          List.of(
              "-H",
              host,
              "-p",
              Integer.toString(port),
              "-U",
              user,
              "-f",
              passwordFile,
              "-C",
              Integer.toString(cipherSuite),
              // operator is enough for the SEL and chassis identify; ipmitool asks admin otherwise
              "-L",
              "OPERATOR",
              // ipmitool's own per-request timeout and retries; the whole call is bounded too.
              "-N",
              "1",
              "-R",
              "2"));
    }
    argv.addAll(command);
    return argv;
  }
}
