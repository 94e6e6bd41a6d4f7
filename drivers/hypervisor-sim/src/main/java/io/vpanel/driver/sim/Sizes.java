package io.vpanel.driver.sim;

import java.util.Locale;

/** Byte and bandwidth units the simulator uses, and their operator-readable form. */
public final class Sizes {
  public static final long KIB = 1024;
  public static final long MIB = 1024 * KIB;
  public static final long GIB = 1024 * MIB;

  private Sizes() {}

  /** Network gigabits per second (decimal, as NICs are sold) as bytes per second. */
  public static long bytesPerSecond(double gigabitsPerSecond) {
    return Math.round(gigabitsPerSecond * 1e9 / 8);
  }

  /** {@code 8 GiB}, {@code 512 MiB} or {@code 1.5 GiB}: whole units where possible. */
  public static String describe(long bytes) {
    if (Math.abs(bytes) >= GIB) {
      return trimmed((double) bytes / GIB) + " GiB";
    }
    if (Math.abs(bytes) >= MIB) {
      return trimmed((double) bytes / MIB) + " MiB";
    }
    return bytes + " B";
  }

  private static String trimmed(double value) {
    return value == Math.rint(value)
        ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%.1f", value);
  }
}
