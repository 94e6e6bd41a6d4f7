package io.vpanel.spi.management;

import java.time.Duration;
import java.time.Instant;

/**
 * A message from the management side for a host's panel.
 *
 * @param host the host it is for
 * @param text what to show (clipped to the display)
 * @param from who sent it
 * @param at when it was sent
 * @param ttl how long to show it
 */
public record Notice(String host, String text, String from, Instant at, Duration ttl) {}
