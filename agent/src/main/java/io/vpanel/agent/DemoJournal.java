package io.vpanel.agent;

import io.vpanel.agent.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where {@code vpanel demo} keeps its journal: the file {@code --journal} names (kept), or a
 * temporary one in a directory of its own, deleted with the SQLite files beside it when the demo
 * stops cleanly. Close it after the journal itself.
 */
final class DemoJournal implements AutoCloseable {
  private final Path path;
  private final Path temporaryDirectory;

  private DemoJournal(Path path, Path temporaryDirectory) {
    this.path = path;
    this.temporaryDirectory = temporaryDirectory;
  }

  /** The file {@code kept} names, or a new temporary one. */
  static DemoJournal open(Optional<Path> kept) {
    if (kept.isPresent()) {
      return new DemoJournal(kept.get().toAbsolutePath(), null);
    }
    try {
      Path directory = Files.createTempDirectory("vpanel-demo-");
      return new DemoJournal(directory.resolve("journal.db"), directory);
    } catch (IOException e) {
      throw new ConfigException(
          "cannot create a temporary journal for the demo ("
              + e.getMessage()
              + "); give one with --journal PATH");
    }
  }

  /** The SQLite file. */
  Path path() {
    return path;
  }

  /** True when the file is deleted when the demo stops. */
  boolean temporary() {
    return temporaryDirectory != null;
  }

  /** Deletes a temporary journal (the file, its WAL and shared-memory files, its directory). */
  @Override
  public void close() {
    if (temporaryDirectory == null || !Files.exists(temporaryDirectory)) {
      return;
    }
    try (Stream<Path> files = Files.walk(temporaryDirectory)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the demo's journal " + temporaryDirectory, e);
    }
  }
}
