package io.vpanel.web;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which {@code Host} header values the API answers: IP address literals, {@code localhost}, and the
 * names the operator allows ({@code api.allowedHosts}; {@code *.example.org} for every name in a
 * domain). A page on another site whose name an attacker rebinds to the agent's address (DNS
 * rebinding) sends its own name, and is refused before any route runs.
 */
final class HostHeaderCheck {
  private final List<String> allowed;

  HostHeaderCheck(List<String> allowed) {
    this.allowed = List.copyOf(allowed);
  }

  /** Why a request with this {@code Host} header is refused, empty when it is accepted. */
  Optional<String> refusal(String hostHeader) {
    if (hostHeader == null || hostHeader.isBlank()) {
      return Optional.of("the request has no Host header");
    }
    String host = hostOnly(hostHeader.trim()).toLowerCase(Locale.ROOT);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (isIpLiteral(host) || host.equals("localhost") || host.endsWith(".localhost")) {
      return Optional.empty();
    }
    for (String name : allowed) {
      if (name.equals(host)
          || (name.startsWith("*.")
              && host.endsWith(name.substring(1))
              && host.length() > name.length() - 1)) {
        return Optional.empty();
      }
    }
    return Optional.of(
        "Host '"
            + ApiLimits.quote(host)
            + "' is not a name of this agent; reach it by its address, or add the name to"
            + " api.allowedHosts");
  }

  /** The host part of a {@code Host} header: without the port, an IPv6 literal unbracketed. */
  static String hostOnly(String header) {
    if (header.startsWith("[")) {
      int end = header.indexOf(']');
      return end < 0 ? header : header.substring(1, end);
    }
    int colon = header.lastIndexOf(':');
    return colon < 0 || header.indexOf(':') != colon ? header : header.substring(0, colon);
  }

  static boolean isIpLiteral(String host) {
    if (host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      for (String part : host.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return false;
        }
      }
      return true;
    }
    // IPv6: hex groups and colons (an embedded IPv4 tail too), with an optional zone.
    return host.contains(":") && host.matches("[0-9a-f:.]+(%[0-9a-z._-]+)?");
  }
}
