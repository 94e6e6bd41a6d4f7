package io.vpanel.core.journal;

import java.time.Instant;
import java.util.Map;

/**
 * One recorded event, as the journal gives it back.
 *
 * @param id grows with every entry; pages are cut by it
 * @param host the host it concerns
 * @param at when it happened
 * @param kind {@code request}, {@code plan}, {@code migration}, {@code maintenance}, {@code vm},
 *     {@code alert}, {@code notice}, {@code button}, {@code hypervisor}
 * @param message one line for humans
 * @param fields details for machines
 */
public record JournalEntry(
    long id, String host, Instant at, String kind, String message, Map<String, Object> fields) {
  public JournalEntry {
    fields = Map.copyOf(fields);
  }
}
