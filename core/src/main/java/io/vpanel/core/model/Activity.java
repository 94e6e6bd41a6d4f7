package io.vpanel.core.model;

import java.time.Instant;
import java.util.Map;

/**
 * Something that happened, for the event stream, metrics and (later) the journal.
 *
 * @param kind {@code maintenance}, {@code migration}, {@code notice}, {@code alert}, {@code button}
 * @param host the host it concerns
 * @param at when
 * @param message one line for humans
 * @param fields details for machines (values are strings, numbers or booleans)
 */
public record Activity(
    String kind, String host, Instant at, String message, Map<String, Object> fields) {
  public Activity {
    fields = Map.copyOf(fields);
  }
}
