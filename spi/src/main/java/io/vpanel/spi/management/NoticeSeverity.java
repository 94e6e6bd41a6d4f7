package io.vpanel.spi.management;

import java.util.Locale;
import java.util.Optional;

/** How urgent a notice is: it decides its place on the panel and the mark it is shown with. */
public enum NoticeSeverity {
  /** For information ("PSU swap at 14:00"); shown as it is. */
  INFO,
  /** Read before working on the host; shown as {@code WARN: ...}, before the informational ones. */
  WARNING,
  /** Stop and read ("do not pull: RAID rebuilding"); shown as {@code CRIT: ...}, first. */
  CRITICAL;

  /** The lower-case name the API and configuration use. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Reads {@code info}, {@code warning} or {@code critical} (any case); empty for anything else.
   */
  public static Optional<NoticeSeverity> parse(String text) {
    for (NoticeSeverity severity : values()) {
      if (severity.label().equalsIgnoreCase(text)) {
        return Optional.of(severity);
      }
    }
    return Optional.empty();
  }
}
