package io.vpanel.core.journal;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Which entries to read. Without {@code afterId} the newest come first (page back with {@code
 * beforeId}); with {@code afterId} the oldest after it come first (follow forward).
 *
 * @param host the host
 * @param limit at most this many (1..1000)
 * @param beforeId only entries with a smaller id
 * @param afterId only entries with a larger id
 * @param kinds only these kinds (empty: all)
 * @param since only entries at or after this time
 */
public record JournalQuery(
    String host,
    int limit,
    Optional<Long> beforeId,
    Optional<Long> afterId,
    Set<String> kinds,
    Optional<Instant> since) {
  public static final int MAX_LIMIT = 1000;

  public JournalQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be from 1 to " + MAX_LIMIT);
    }
    kinds = Set.copyOf(kinds);
  }
}
