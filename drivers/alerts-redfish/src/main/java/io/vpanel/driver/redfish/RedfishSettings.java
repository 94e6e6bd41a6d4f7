package io.vpanel.driver.redfish;

import static io.vpanel.spi.SettingsChecks.between;

import io.vpanel.spi.DriverSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Settings of the Redfish alert source ({@code alerts:} entry {@code driver: redfish}) and of the
 * identify panel ({@code panels:} entry {@code driver: redfish-identify}), which reads only the
 * connection keys and {@code identifyResource}.
 *
 * @param uri the service's base, {@code https://host[:port]} (default {@code https://127.0.0.1})
 * @param system the ComputerSystem whose log is read (default {@code /redfish/v1/Systems/1})
 * @param logEntries the LogEntry collection polled and read to catch up (default: {@code
 *     <system>/LogServices/Log1/Entries})
 * @param identifyResource the resource whose locator the identify panel switches (default: {@code
 *     system}; a Chassis works too)
 * @param mode {@code auto} (SSE where the EventService offers {@code ServerSentEventUri}, else
 *     polling), {@code sse} or {@code poll}
 * @param caFile PEM certificates the service's certificate must chain to; empty: the JDK's trust
 *     store. There is no switch to trust any certificate
 * @param auth {@code session} (a Redfish session, deleted on close) or {@code basic}
 * @param usernameFile a file holding the user name (with {@code passwordFile})
 * @param passwordFile a file holding the password (with {@code usernameFile})
 * @param credentialsFile a file holding {@code user:password} on its first line (instead of the two
 *     above)
 * @param pollSeconds how often the log is polled without SSE (default 10)
 * @param stallSeconds an SSE stream silent this long (no event, no keep-alive) is reconnected
 *     (default 90)
 * @param timeoutMillis connect and answer timeout of each request (default 5000)
 * @param reconnectMaxSeconds the longest wait between retries; doubles from 250 ms (default 60)
 */
public record RedfishSettings(
    String uri,
    String system,
    String logEntries,
    String identifyResource,
    String mode,
    String caFile,
    String auth,
    String usernameFile,
    String passwordFile,
    String credentialsFile,
    int pollSeconds,
    int stallSeconds,
    int timeoutMillis,
    int reconnectMaxSeconds)
    implements DriverSettings {

  static final List<String> MODES = List.of("auto", "sse", "poll");
  static final List<String> AUTHS = List.of("session", "basic");

  public RedfishSettings {
    if (uri == null || uri.isBlank()) {
      throw new IllegalArgumentException("uri must be the service's https://host[:port]");
    }
    URI parsed;
    try {
      parsed = URI.create(uri);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("uri is no URI: " + uri);
    }
    if (!"https".equals(parsed.getScheme()) || parsed.getHost() == null) {
      throw new IllegalArgumentException(
          "uri must be https://host[:port] (Redfish over TLS only), was " + uri);
    }
    uri = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    system = path("system", system == null || system.isBlank() ? "/redfish/v1/Systems/1" : system);
    logEntries = logEntries == null ? "" : logEntries;
    if (!logEntries.isEmpty()) {
      path("logEntries", logEntries);
    }
    identifyResource = identifyResource == null ? "" : identifyResource;
    if (!identifyResource.isEmpty()) {
      path("identifyResource", identifyResource);
    }
    oneOf("mode", mode, MODES);
    caFile = caFile == null ? "" : caFile;
    oneOf("auth", auth, AUTHS);
    usernameFile = usernameFile == null ? "" : usernameFile;
    passwordFile = passwordFile == null ? "" : passwordFile;
    credentialsFile = credentialsFile == null ? "" : credentialsFile;
    if (!credentialsFile.isEmpty() && (!usernameFile.isEmpty() || !passwordFile.isEmpty())) {
      throw new IllegalArgumentException(
          "give either credentialsFile or usernameFile with passwordFile, not both");
    }
    if (usernameFile.isEmpty() != passwordFile.isEmpty()) {
      throw new IllegalArgumentException("usernameFile and passwordFile go together");
    }
    between("pollSeconds", pollSeconds, 1, 3600);
    between("stallSeconds", stallSeconds, 1, 3600);
    between("timeoutMillis", timeoutMillis, 100, 120_000);
    between("reconnectMaxSeconds", reconnectMaxSeconds, 1, 3600);
  }

  public static RedfishSettings defaults() {
    return new RedfishSettings(
        "https://127.0.0.1", "", "", "", "auto", "", "session", "", "", "", 10, 90, 5000, 60);
  }

  /** These settings for another service, CA and credentials file. */
  public RedfishSettings withService(String newUri, String newCaFile, String newCredentialsFile) {
    return new RedfishSettings(
        newUri,
        system,
        logEntries,
        identifyResource,
        mode,
        newCaFile,
        auth,
        "",
        "",
        newCredentialsFile,
        pollSeconds,
        stallSeconds,
        timeoutMillis,
        reconnectMaxSeconds);
  }

  /** These settings with another mode and authentication. */
  public RedfishSettings withMode(String newMode, String newAuth) {
    return new RedfishSettings(
        uri,
        system,
        logEntries,
        identifyResource,
        newMode,
        caFile,
        newAuth,
        usernameFile,
        passwordFile,
        credentialsFile,
        pollSeconds,
        stallSeconds,
        timeoutMillis,
        reconnectMaxSeconds);
  }

  /** These settings with other times. */
  public RedfishSettings withTimes(
      int newPollSeconds, int newStallSeconds, int newTimeoutMillis, int newReconnectMaxSeconds) {
    return new RedfishSettings(
        uri,
        system,
        logEntries,
        identifyResource,
        mode,
        caFile,
        auth,
        usernameFile,
        passwordFile,
        credentialsFile,
        newPollSeconds,
        newStallSeconds,
        newTimeoutMillis,
        newReconnectMaxSeconds);
  }

  /** These settings switching the locator of another resource. */
  public RedfishSettings withIdentifyResource(String resource) {
    return new RedfishSettings(
        uri,
        system,
        logEntries,
        resource,
        mode,
        caFile,
        auth,
        usernameFile,
        passwordFile,
        credentialsFile,
        pollSeconds,
        stallSeconds,
        timeoutMillis,
        reconnectMaxSeconds);
  }

  String logEntriesPath() {
    return logEntries.isEmpty() ? system + "/LogServices/Log1/Entries" : logEntries;
  }

  String identifyPath() {
    return identifyResource.isEmpty() ? system : identifyResource;
  }

  Duration timeout() {
    return Duration.ofMillis(timeoutMillis);
  }

  private static String path(String key, String value) {
    if (!value.startsWith("/redfish/v1/")
        || !value.chars().allMatch(c -> c > ' ' && c < 0x7f && "?#\"\\".indexOf(c) < 0)) {
      throw new IllegalArgumentException(
          key + " must be a resource path under /redfish/v1/, was '" + value + "'");
    }
    return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
  }

  private static void oneOf(String key, String value, List<String> allowed) {
    if (value == null || !allowed.contains(value)) {
      throw new IllegalArgumentException(
          key + " must be one of " + String.join(", ", allowed) + ", was " + value);
    }
  }
}
