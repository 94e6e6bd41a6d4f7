package io.vpanel.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Puts section 6 (etcd scale) into a report, in place of the one it has or at its end. */
final class EtcdSections {
  private EtcdSections() {}

  /** {@code report} with its etcd section replaced by {@code section}, or with it appended. */
  static String splice(String report, String section) {
    return splice(report, EtcdScaleBench.SECTION, section);
  }

  /** {@code report} with the section headed {@code heading} replaced by {@code section}. */
  static String splice(String report, String heading, String section) {
    String body = section.endsWith("\n") ? section : section + "\n";
    int at = report.indexOf(heading);
    if (at < 0) {
      return (report.endsWith("\n\n") ? report : report.stripTrailing() + "\n\n") + body;
    }
    int next = report.indexOf("\n## ", at + heading.length());
    return report.substring(0, at) + body + (next < 0 ? "" : report.substring(next + 1));
  }

  static boolean etcdInstalled() {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    return Stream.of(path.split(File.pathSeparator))
        .anyMatch(
            p ->
                Files.isExecutable(Path.of(p, "etcd"))
                    && Files.isExecutable(Path.of(p, "etcdctl")));
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
