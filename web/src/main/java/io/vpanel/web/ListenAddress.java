package io.vpanel.web;

/**
 * Where the API server listens: an address (IPv4, IPv6 or a host name) and a port, parsed from and
 * written as {@code ADDRESS:PORT}, with IPv6 addresses in brackets ({@code [::1]:8080}) as in a
 * URL.
 *
 * @param host the address without brackets ({@code ::1}, {@code 127.0.0.1}, {@code localhost})
 * @param port 0 to 65535; 0 picks a free port
 */
public record ListenAddress(String host, int port) {

  public ListenAddress {
    host = unbracketed(host);
    if (host.isEmpty()) {
      throw new IllegalArgumentException("the listen address is empty");
    }
    if (host.contains("[") || host.contains("]")) {
      // "[[a]]" printed back as "[a]" and read as "a" (found by fuzzing): no address has these
      throw new IllegalArgumentException("the listen address has a stray bracket: " + host);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("the port must be from 0 to 65535, was " + port);
    }
  }

  /**
   * Parses {@code ADDRESS:PORT}. An IPv6 address needs brackets: {@code ::1:8080} is refused, since
   * the port cannot be told from the address.
   */
  public static ListenAddress parse(String text) {
    String value = text.trim();
    String usage =
        "use ADDRESS:PORT, for example 127.0.0.1:8080 or [::1]:8080 (was '" + text + "')";
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException(usage);
    }
    String host = value.substring(0, colon);
    String portText = value.substring(colon + 1);
    if (!portText.matches("\\d{1,5}") || Integer.parseInt(portText) > 65535) {
      throw new IllegalArgumentException(
          "the port must be a whole number from 0 to 65535; " + usage);
    }
    int port = Integer.parseInt(portText);
    if (host.startsWith("[") != host.endsWith("]") || host.equals("[]")) {
      throw new IllegalArgumentException(usage);
    }
    if (!host.startsWith("[") && host.contains(":")) {
      throw new IllegalArgumentException(
          "an IPv6 address needs brackets, as in a URL: write ["
              + host
              + "]:"
              + port
              + " (was '"
              + text
              + "')");
    }
    return new ListenAddress(host, port);
  }

  /** {@code host:port}, the host in brackets when it is an IPv6 address. */
  public static String authority(String host, int port) {
    String bare = unbracketed(host);
    return (bare.contains(":") ? "[" + bare + "]" : bare) + ":" + port;
  }

  /** The address without the brackets an IPv6 address may come in. */
  public static String unbracketed(String host) {
    String trimmed = host.trim();
    // Blanks inside the brackets go too: "[ ::1]" kept " ::1", printed back as "[::1]" (fuzzing).
    return trimmed.startsWith("[") && trimmed.endsWith("]")
        ? trimmed.substring(1, trimmed.length() - 1).trim()
        : trimmed;
  }

  @Override
  public String toString() {
    return authority(host, port);
  }
}
