package io.vpanel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's load, printed beside numbers taken on a shared machine. */
final class BenchLoad {
  private BenchLoad() {}

  /** The 1-, 5- and 15-minute load averages from /proc/loadavg, or "unknown". */
  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
      return parts.length >= 3 ? parts[0] + " " + parts[1] + " " + parts[2] : "unknown";
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
