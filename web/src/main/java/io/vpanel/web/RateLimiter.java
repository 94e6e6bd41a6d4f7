package io.vpanel.web;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per key (a token's name, a client address, a host's button): {@code burst}
 * requests at once, then {@code perSecond} on average. At most {@value #MAX_KEYS} keys are kept;
 * the one unused longest is forgotten first, so many addresses cannot grow it without bound.
 * Thread-safe.
 */
final class RateLimiter {
  static final int MAX_KEYS = 10_000;

  private final double perSecond;
  private final double burst;
  private final LongSupplier nanos;
  // guarded by this; access order: the eldest is the least recently used
  private final Map<String, double[]> buckets =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
          return size() > MAX_KEYS;
        }
      };

  RateLimiter(double perSecond, double burst, LongSupplier nanos) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.nanos = nanos;
  }

  /**
   * Takes one request for {@code key}; returns 0 when allowed, else the seconds until the next one
   * would be (at least 1), for {@code Retry-After}.
   */
  synchronized int take(String key) {
    long now = nanos.getAsLong();
    // {tokens, last refill in nanos}
    double[] bucket = buckets.computeIfAbsent(key, k -> new double[] {burst, now});
    double elapsed = (now - (long) bucket[1]) / 1e9;
    bucket[0] = Math.min(burst, bucket[0] + elapsed * perSecond);
    bucket[1] = now;
    if (bucket[0] >= 1) {
      bucket[0] -= 1;
      return 0;
    }
    return (int) Math.max(1, Math.ceil((1 - bucket[0]) / perSecond));
  }
}
