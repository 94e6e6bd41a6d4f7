package io.vpanel.spi.management;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A message from the management side or an operator for a host's panels.
 *
 * @param host the host it is for
 * @param text what to show (clipped to the display)
 * @param severity how urgent it is
 * @param from who sent it
 * @param at when it was sent
 * @param ttl how long to show it (it expires at {@code at + ttl})
 */
public record Notice(
    String host, String text, NoticeSeverity severity, String from, Instant at, Duration ttl) {

  public Notice {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(ttl, "ttl");
  }

  /** An informational notice. */
  public Notice(String host, String text, String from, Instant at, Duration ttl) {
    this(host, text, NoticeSeverity.INFO, from, at, ttl);
  }

  /** When it stops being shown. */
  public Instant expiresAt() {
    return at.plus(ttl);
  }
}
