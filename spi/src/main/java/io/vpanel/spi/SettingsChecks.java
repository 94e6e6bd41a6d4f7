package io.vpanel.spi;

/**
 * The range check every driver's settings record makes in its compact constructor, with the one
 * message the configuration loader points at its line: {@code KEY must be between MIN and MAX, was
 * VALUE}.
 */
public final class SettingsChecks {
  private SettingsChecks() {}

  /** Refuses {@code value} outside {@code min..max} (inclusive). */
  public static void between(String key, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          key + " must be between " + min + " and " + max + ", was " + value);
    }
  }
}
