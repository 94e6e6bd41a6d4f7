package io.vpanel.core.plan;

import java.util.Locale;

/** Human-readable sizes for the panel and messages. */
public final class Sizes {
  private static final double GIB = 1024.0 * 1024 * 1024;

  private Sizes() {}

  /** {@code 48 GiB}, {@code 1.5 GiB}, {@code 512 MiB}. */
  public static String bytes(long bytes) {
    if (bytes >= GIB) {
      double gib = bytes / GIB;
      return (gib == Math.rint(gib) || gib >= 10)
          ? String.format(Locale.ROOT, "%.0f GiB", gib)
          : String.format(Locale.ROOT, "%.1f GiB", gib);
    }
    return String.format(Locale.ROOT, "%d MiB", Math.round(bytes / (1024.0 * 1024)));
  }

  /** A compact form for a 20-column display: {@code 48G}, {@code 1.5G}, {@code 512M}. */
  public static String shortBytes(long bytes) {
    return bytes(bytes).replace(" GiB", "G").replace(" MiB", "M");
  }
}
