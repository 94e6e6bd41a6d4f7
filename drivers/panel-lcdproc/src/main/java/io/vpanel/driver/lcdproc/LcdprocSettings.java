package io.vpanel.driver.lcdproc;

import static io.vpanel.spi.SettingsChecks.between;

import io.vpanel.spi.DriverSettings;
import java.time.Duration;
import java.util.List;

/**
 * Settings of the LCDproc panel, bound from its {@code panels:} entry ({@code driver: lcdproc}).
 *
 * @param host where LCDd listens: a name or an address (default {@code 127.0.0.1})
 * @param port LCDd's port (default 13666)
 * @param maintenanceKey the LCDd key name that is the maintenance button (default {@code Enter})
 * @param backKey the LCDd key name that withdraws a pending offer (default {@code Left}; {@code
 *     Escape} only with LCDd's menu off, since the menu reserves it exclusively)
 * @param attentionPriority the screen priority while something changed (default {@code foreground})
 * @param idlePriority the screen priority the rest of the time (default {@code info})
 * @param foregroundSeconds how long the screen keeps {@code attentionPriority} after a change
 * @param flashingBacklight how a flashing maintenance light shows: {@code blink}, {@code flash} or
 *     {@code on} (a display whose backlight cannot blink)
 * @param reconnectMaxSeconds the longest wait between two connection attempts (back-off doubles
 *     from 250 ms up to this)
 * @param connectTimeoutMillis how long a connection and LCDd's answer to {@code hello} may take
 */
public record LcdprocSettings(
    String host,
    int port,
    String maintenanceKey,
    String backKey,
    String attentionPriority,
    String idlePriority,
    int foregroundSeconds,
    String flashingBacklight,
    int reconnectMaxSeconds,
    int connectTimeoutMillis)
    implements DriverSettings {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 13666;

  /** LCDd 0.5.9's screen priorities a client may set, lowest first ({@code hidden} left out). */
  static final List<String> PRIORITIES = List.of("background", "info", "foreground", "alert");

  static final List<String> BACKLIGHTS = List.of("blink", "flash", "on");

  public LcdprocSettings {
    if (host == null || host.isBlank() || !host.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
      throw new IllegalArgumentException(
          "host must be LCDd's host name or address, for example " + DEFAULT_HOST);
    }
    between("port", port, 1, 65535);
    keyName("maintenanceKey", maintenanceKey);
    keyName("backKey", backKey);
    if (maintenanceKey.equals(backKey)) {
      throw new IllegalArgumentException(
          "backKey must differ from maintenanceKey, both are " + maintenanceKey);
    }
    oneOf("attentionPriority", attentionPriority, PRIORITIES);
    oneOf("idlePriority", idlePriority, PRIORITIES);
    between("foregroundSeconds", foregroundSeconds, 1, 3600);
    oneOf("flashingBacklight", flashingBacklight, BACKLIGHTS);
    between("reconnectMaxSeconds", reconnectMaxSeconds, 1, 3600);
    between("connectTimeoutMillis", connectTimeoutMillis, 100, 60_000);
  }

  public static LcdprocSettings defaults() {
    return new LcdprocSettings(
        DEFAULT_HOST, DEFAULT_PORT, "Enter", "Left", "foreground", "info", 10, "blink", 30, 3000);
  }

  /** These settings for LCDd on another port. */
  public LcdprocSettings withPort(int newPort) {
    return new LcdprocSettings(
        host,
        newPort,
        maintenanceKey,
        backKey,
        attentionPriority,
        idlePriority,
        foregroundSeconds,
        flashingBacklight,
        reconnectMaxSeconds,
        connectTimeoutMillis);
  }

  /** These settings with another foreground time and reconnect back-off limit. */
  public LcdprocSettings withTimes(int newForegroundSeconds, int newReconnectMaxSeconds) {
    return new LcdprocSettings(
        host,
        port,
        maintenanceKey,
        backKey,
        attentionPriority,
        idlePriority,
        newForegroundSeconds,
        flashingBacklight,
        newReconnectMaxSeconds,
        connectTimeoutMillis);
  }

  /** These settings with other key names. */
  public LcdprocSettings withKeys(String newMaintenanceKey, String newBackKey) {
    return new LcdprocSettings(
        host,
        port,
        newMaintenanceKey,
        newBackKey,
        attentionPriority,
        idlePriority,
        foregroundSeconds,
        flashingBacklight,
        reconnectMaxSeconds,
        connectTimeoutMillis);
  }

  Duration foreground() {
    return Duration.ofSeconds(foregroundSeconds);
  }

  Duration reconnectMax() {
    return Duration.ofSeconds(reconnectMaxSeconds);
  }

  Duration connectTimeout() {
    return Duration.ofMillis(connectTimeoutMillis);
  }

  private static void keyName(String key, String value) {
    if (value == null
        || value.isEmpty()
        || value.length() > 32
        || !value.chars().allMatch(c -> c > ' ' && c < 0x7f && "{}\"\\".indexOf(c) < 0)) {
      throw new IllegalArgumentException(
          key
              + " must be an LCDd key name (Enter, Left, Right, Up, Down, Escape or one"
              + " character), was "
              + (value == null ? "nothing" : "'" + value + "'"));
    }
  }

  private static void oneOf(String key, String value, List<String> allowed) {
    if (value == null || !allowed.contains(value)) {
      throw new IllegalArgumentException(
          key + " must be one of " + String.join(", ", allowed) + ", was " + value);
    }
  }
}
