package io.vpanel.web;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * One-time tickets for the event stream where reads need a token: a browser's {@code EventSource}
 * cannot send an {@code Authorization} header, so the page trades its bearer token for a ticket
 * ({@code POST /api/v1/events/tickets}) and opens {@code /api/v1/events?ticket=...}. A ticket is
 * 128 random bits, valid for {@value #VALID_SECONDS} s and for one stream; at most {@value
 * #MAX_OPEN} are outstanding. Thread-safe.
 */
final class StreamTickets {
  static final int VALID_SECONDS = 30;
  static final int MAX_OPEN = 1024;

  private final SecureRandom random = new SecureRandom();
  private final LongSupplier nanos;
  // ticket -> {caller, expiry}; insertion order: the eldest expires first
  private final Map<String, Object[]> open =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Object[]> eldest) {
          return size() > MAX_OPEN;
        }
      };

  StreamTickets(LongSupplier nanos) {
    this.nanos = nanos;
  }

  synchronized String issue(Caller caller) {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    String ticket = HexFormat.of().formatHex(bytes);
    open.put(ticket, new Object[] {caller, nanos.getAsLong() + VALID_SECONDS * 1_000_000_000L});
    return ticket;
  }

  /** The caller {@code ticket} was issued to, once; empty when unknown, used or expired. */
  synchronized Optional<Caller> redeem(String ticket) {
    if (ticket == null || ticket.length() != 32) {
      return Optional.empty();
    }
    Object[] entry = open.remove(ticket);
    if (entry == null || (long) entry[1] < nanos.getAsLong()) {
      return Optional.empty();
    }
    return Optional.of((Caller) entry[0]);
  }
}
