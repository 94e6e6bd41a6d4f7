package io.vpanel.agent;

import io.vpanel.agent.config.AgentConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Waits until the agent of a configuration answers on its API address: the readiness check of the
 * systemd unit ({@code ExecStartPost=vpanel ready}), since the JDK cannot send systemd's
 * notification datagram. The agent opens its API last, after the engine and every driver started,
 * so an answer means ready. Plain HTTP must answer {@code GET /healthz} with any status; with
 * {@code api.tls} an accepted connection is enough (the check holds no client certificate).
 */
final class ReadyCheck {
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(2);

  private final Clock clock;

  ReadyCheck(Clock clock) {
    this.clock = clock;
  }

  /** The address a local client reaches the API at: a wildcard listen address is loopback. */
  static InetSocketAddress target(AgentConfig config) {
    if (config.listenPort() == 0) {
      throw new IllegalArgumentException(
          "api.listen has port 0 (any free port): the readiness check needs a fixed port");
    }
    String host = config.listenHost().replace("[", "").replace("]", "");
    InetSocketAddress address = new InetSocketAddress(host, config.listenPort());
    if (!address.isUnresolved() && address.getAddress().isAnyLocalAddress()) {
      return new InetSocketAddress(
          address.getAddress() instanceof java.net.Inet6Address ? "::1" : "127.0.0.1",
          config.listenPort());
    }
    return address;
  }

  /** {@code HOST:PORT}, an IPv6 address in brackets. */
  static String describe(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /**
   * Polls until the API answers or {@code timeout} has passed.
   *
   * @return true once it answered, false at the timeout
   */
  boolean await(AgentConfig config, Duration timeout) throws InterruptedException {
    InetSocketAddress address = target(config);
    boolean tls = config.api().tls().isPresent();
    Instant deadline = clock.instant().plus(timeout);
    HttpClient http = tls ? null : HttpClient.newBuilder().connectTimeout(ATTEMPT_TIMEOUT).build();
    while (true) {
      if (tls ? accepts(address) : answers(http, address)) {
        return true;
      }
      if (!clock.instant().isBefore(deadline)) {
        return false;
      }
      Thread.sleep(POLL);
    }
  }

  private static boolean accepts(InetSocketAddress address) {
    try (Socket socket = new Socket()) {
      socket.connect(address, (int) ATTEMPT_TIMEOUT.toMillis());
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  private static boolean answers(HttpClient http, InetSocketAddress address)
      throws InterruptedException {
    String authority = describe(address);
    try {
      http.send(
          HttpRequest.newBuilder(URI.create("http://" + authority + "/healthz"))
              .timeout(ATTEMPT_TIMEOUT)
              .build(),
          HttpResponse.BodyHandlers.discarding());
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }
}
