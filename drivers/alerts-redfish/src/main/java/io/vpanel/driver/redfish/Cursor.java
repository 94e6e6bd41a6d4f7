package io.vpanel.driver.redfish;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * Where the source stands: the last log entry handled (its {@code Id} and {@code Created}, as the
 * service wrote them) and the {@code id:} of the last server-sent event handled. As text: {@code
 * redfish1;log=<Id>;created=<Created>;sse=<id>}, each value URL-encoded, empty when unknown.
 */
record Cursor(String entryId, String created, String eventId) {
  private static final String PREFIX = "redfish1";

  static final Cursor NONE = new Cursor("", "", "");

  boolean hasEntry() {
    return !entryId.isEmpty();
  }

  Cursor afterEntry(String id, String entryCreated) {
    return new Cursor(id, entryCreated, eventId);
  }

  Cursor afterEvent(String id) {
    return new Cursor(entryId, created, id);
  }

  Optional<Instant> createdTime() {
    return Optional.ofNullable(Classifier.time(created));
  }

  String text() {
    return PREFIX + ";log=" + enc(entryId) + ";created=" + enc(created) + ";sse=" + enc(eventId);
  }

  /** The cursor a text gives; empty when it is none of ours. */
  static Optional<Cursor> parse(String text) {
    if (text == null || text.length() > 2048 || !text.startsWith(PREFIX + ";")) {
      return Optional.empty();
    }
    String entry = "";
    String created = "";
    String event = "";
    for (String part : text.substring(PREFIX.length() + 1).split(";", -1)) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        return Optional.empty();
      }
      String value;
      try {
        value = URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
      switch (part.substring(0, eq)) {
        case "log" -> entry = value;
        case "created" -> created = value;
        case "sse" -> event = value;
        default -> {
          return Optional.empty();
        }
      }
    }
    return Optional.of(new Cursor(entry, created, event));
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
