package io.vpanel.core.plan;

import java.util.Locale;

/** Human-readable sizes for the panel and messages. */
public final class Sizes {
  private static final double MIB = 1024.0 * 1024;
  private static final double GIB = 1024 * MIB;

  private Sizes() {}

  /** {@code 48 GiB}, {@code 1.5 GiB}, {@code 512 MiB}. */
  public static String bytes(long bytes) {
    if (bytes >= GIB) {
      double gib = bytes / GIB;
      String text =
          gib >= 10
              ? String.format(Locale.ROOT, "%.0f", gib)
              : String.format(Locale.ROOT, "%.1f", gib).replaceFirst("\\.0$", "");
      return text + " GiB";
    }
    return String.format(Locale.ROOT, "%d MiB", Math.round(bytes / MIB));
  }

  /**
   * Two sizes an operator must be able to tell apart ("needs X, Y free"): the usual form, or whole
   * MiB with the first rounded up and the second down where the usual form would print the same.
   */
  public static String[] distinct(long larger, long smaller) {
    String a = bytes(larger);
    String b = bytes(smaller);
    if (!a.equals(b)) {
      return new String[] {a, b};
    }
    return new String[] {
      String.format(Locale.ROOT, "%d MiB", (long) Math.ceil(larger / MIB)),
      String.format(Locale.ROOT, "%d MiB", (long) Math.floor(smaller / MIB))
    };
  }

  /** A compact form for a 20-column display: {@code 48G}, {@code 1.5G}, {@code 512M}. */
  public static String shortBytes(long bytes) {
    return bytes(bytes).replace(" GiB", "G").replace(" MiB", "M");
  }
}
