package io.vpanel.web;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What an operator may set about the API server.
 *
 * @param allowedHosts the names clients may reach the agent by in the {@code Host} header, beside
 *     IP addresses and {@code localhost}, which are always accepted; a request naming any other
 *     host is refused, so a web page whose name was rebound to this agent's address (DNS rebinding)
 *     cannot read the status or the event stream
 * @param maxEventStreams event streams open at once, in all
 * @param maxEventStreamsPerClient event streams open at once from one client address
 * @param readsNeedToken every read (the API, the event stream, {@code /metrics}) needs a token of
 *     any role; {@code /healthz} and the page's own files stay open
 * @param tls the API's certificate and key (HTTPS), and the client CA for mutual TLS; empty for
 *     plain HTTP
 * @param alertmanager how the Alertmanager receiver maps alerts to hosts and notices
 */
public record ApiSettings(
    List<String> allowedHosts,
    int maxEventStreams,
    int maxEventStreamsPerClient,
    boolean readsNeedToken,
    Optional<TlsSettings> tls,
    AlertmanagerSettings alertmanager) {

  public static final int DEFAULT_MAX_EVENT_STREAMS = 256;
  public static final int DEFAULT_MAX_EVENT_STREAMS_PER_CLIENT = 16;

  public ApiSettings {
    java.util.Objects.requireNonNull(tls, "tls");
    java.util.Objects.requireNonNull(alertmanager, "alertmanager");
    allowedHosts =
        allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).distinct().toList();
    for (String host : allowedHosts) {
      if (host.isEmpty() || host.length() > 253 || !host.matches("[a-z0-9.*-]+")) {
        throw new IllegalArgumentException(
            "allowedHosts: '"
                + ApiLimits.quote(host)
                + "' is not a host name (letters, digits, dots and dashes; *.example.org for a"
                + " domain's names)");
      }
    }
    if (maxEventStreams < 1 || maxEventStreams > 10_000) {
      throw new IllegalArgumentException(
          "maxEventStreams must be between 1 and 10000, was " + maxEventStreams);
    }
    if (maxEventStreamsPerClient < 1 || maxEventStreamsPerClient > maxEventStreams) {
      throw new IllegalArgumentException(
          "maxEventStreamsPerClient must be between 1 and maxEventStreams ("
              + maxEventStreams
              + "), was "
              + maxEventStreamsPerClient);
    }
  }

  /** The Alertmanager receiver's defaults. */
  public ApiSettings(
      List<String> allowedHosts,
      int maxEventStreams,
      int maxEventStreamsPerClient,
      boolean readsNeedToken,
      Optional<TlsSettings> tls) {
    this(
        allowedHosts,
        maxEventStreams,
        maxEventStreamsPerClient,
        readsNeedToken,
        tls,
        AlertmanagerSettings.defaults());
  }

  /** Plain HTTP, reads open. */
  public ApiSettings(List<String> allowedHosts, int maxEventStreams, int maxEventStreamsPerClient) {
    this(allowedHosts, maxEventStreams, maxEventStreamsPerClient, false, Optional.empty());
  }

  /** These settings, serving HTTPS with {@code tls}. */
  public ApiSettings withTls(TlsSettings tls) {
    return new ApiSettings(
        allowedHosts,
        maxEventStreams,
        maxEventStreamsPerClient,
        readsNeedToken,
        Optional.of(tls),
        alertmanager);
  }

  /** Loopback names and addresses only, and the default stream limits. */
  public static ApiSettings defaults() {
    return new ApiSettings(
        List.of(), DEFAULT_MAX_EVENT_STREAMS, DEFAULT_MAX_EVENT_STREAMS_PER_CLIENT);
  }

  /** These settings, also accepting those of {@code names} that are host names. */
  public ApiSettings allowing(List<String> names) {
    List<String> all = new java.util.ArrayList<>(allowedHosts);
    for (String name : names) {
      String lower = name.trim().toLowerCase(Locale.ROOT);
      if (!lower.isEmpty() && lower.length() <= 253 && lower.matches("[a-z0-9.-]+")) {
        all.add(lower);
      }
    }
    return new ApiSettings(
        all, maxEventStreams, maxEventStreamsPerClient, readsNeedToken, tls, alertmanager);
  }

  /** These settings with reads restricted to token holders, or open. */
  public ApiSettings withReadsNeedToken(boolean restricted) {
    return new ApiSettings(
        allowedHosts, maxEventStreams, maxEventStreamsPerClient, restricted, tls, alertmanager);
  }

  /** These settings with the Alertmanager receiver's {@code settings}. */
  public ApiSettings withAlertmanager(AlertmanagerSettings settings) {
    return new ApiSettings(
        allowedHosts, maxEventStreams, maxEventStreamsPerClient, readsNeedToken, tls, settings);
  }
}
