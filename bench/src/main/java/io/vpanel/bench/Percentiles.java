package io.vpanel.bench;

import java.util.Arrays;
import java.util.Locale;

/** p50 / p99 / max of a set of samples, in milliseconds. */
record Percentiles(int count, double p50, double p99, double max) {
  static Percentiles ofNanos(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new Percentiles(
        sorted.length,
        at(sorted, 0.50) / 1e6,
        at(sorted, 0.99) / 1e6,
        sorted[sorted.length - 1] / 1e6);
  }

  private static long at(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  String row(String name) {
    return String.format(
        Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f |", name, count, p50, p99, max);
  }
}
