package io.vpanel.journal;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where the journal lives and how much of it is kept.
 *
 * @param path the SQLite file (its directory is created)
 * @param maxSizeBytes entries beyond this (live pages of the file) are deleted, oldest first; the
 *     freed pages are reused, so the file stops growing near this size
 * @param retention entries older than this are deleted; {@link Duration#ZERO} keeps them forever
 */
public record JournalSettings(Path path, long maxSizeBytes, Duration retention) {
  public static final long DEFAULT_MAX_SIZE_BYTES = 64L * 1024 * 1024;
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(90);

  public JournalSettings {
    if (maxSizeBytes < 64 * 1024) {
      throw new IllegalArgumentException("journal.maxSizeMb must be at least 1");
    }
    if (retention.isNegative()) {
      throw new IllegalArgumentException("journal.retentionDays must be 0 (forever) or more");
    }
  }

  public static JournalSettings defaults(Path path) {
    return new JournalSettings(path, DEFAULT_MAX_SIZE_BYTES, DEFAULT_RETENTION);
  }
}
