package io.vpanel.web;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Failed authentications per client address, with back-off: after {@value #FREE_FAILURES} wrong
 * tokens the address must wait 1 s before its next try is even checked, then 2, 4, ... up to
 * {@value #MAX_BLOCK_SECONDS} s; a right token forgets its failures. At most {@value
 * RateLimiter#MAX_KEYS} addresses are remembered. Thread-safe.
 */
final class AuthFailures {
  static final int FREE_FAILURES = 10;
  static final int MAX_BLOCK_SECONDS = 60;

  private final LongSupplier nanos;
  // address -> {failures, blocked until (nanos)}
  private final Map<String, long[]> byAddress =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
          return size() > RateLimiter.MAX_KEYS;
        }
      };

  AuthFailures(LongSupplier nanos) {
    this.nanos = nanos;
  }

  /** Seconds {@code address} must still wait before a token is checked; 0 when it may try. */
  synchronized int blockedFor(String address) {
    long[] state = byAddress.get(address);
    if (state == null) {
      return 0;
    }
    long left = state[1] - nanos.getAsLong();
    return left <= 0 ? 0 : (int) Math.max(1, Math.ceil(left / 1e9));
  }

  synchronized void failed(String address) {
    long[] state = byAddress.computeIfAbsent(address, a -> new long[2]);
    state[0]++;
    if (state[0] >= FREE_FAILURES) {
      long seconds = Math.min(MAX_BLOCK_SECONDS, 1L << Math.min(20, state[0] - FREE_FAILURES));
      state[1] = nanos.getAsLong() + seconds * 1_000_000_000L;
    }
  }

  synchronized void succeeded(String address) {
    byAddress.remove(address);
  }
}
