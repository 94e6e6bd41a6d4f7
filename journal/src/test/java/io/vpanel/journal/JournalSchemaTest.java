package io.vpanel.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalSchemaTest {
  private static final Pattern MIGRATION = Pattern.compile("V(\\d+)__.*\\.sql");

  @TempDir Path dir;

  private static Connection connect(Path file) throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + file);
  }

  private Path migrated() {
    Path file = dir.resolve("j.db");
    SqliteJournal.open(JournalSettings.defaults(file), Clock.systemUTC(), SqliteJournal.Mode.MANUAL)
        .close();
    return file;
  }

  @Test
  void theVersionIsTheNewestPackagedMigration() throws URISyntaxException, Exception {
    Path scripts = Path.of(getClass().getResource("/db/journal").toURI());
    int newest;
    try (Stream<Path> files = Files.list(scripts)) {
      newest =
          files
              .map(p -> MIGRATION.matcher(p.getFileName().toString()))
              .filter(Matcher::matches)
              .mapToInt(m -> Integer.parseInt(m.group(1)))
              .max()
              .orElseThrow();
    }
    assertThat(JournalSchema.VERSION)
        .as("JournalSchema.VERSION must follow the newest db/journal/V<N>__*.sql")
        .isEqualTo(newest);
  }

  @Test
  void aNewFileIsBehindAndAMigratedOneCurrent() throws Exception {
    Path fresh = dir.resolve("fresh.db");
    try (Connection c = connect(fresh)) {
      assertThat(JournalSchema.current(c)).isFalse();
    }
    try (Connection c = connect(migrated())) {
      assertThat(JournalSchema.current(c)).isTrue();
    }
  }

  @Test
  void aFailedOrUnknownMigrationSendsTheFileThroughFlyway() throws Exception {
    Path file = migrated();
    try (Connection c = connect(file);
        Statement st = c.createStatement()) {
      st.execute("UPDATE " + JournalSchema.HISTORY + " SET success = 0");
      assertThat(JournalSchema.current(c)).as("a failed migration").isFalse();
      st.execute("UPDATE " + JournalSchema.HISTORY + " SET success = 1");
      assertThat(JournalSchema.current(c)).isTrue();
      st.execute(
          "INSERT INTO "
              + JournalSchema.HISTORY
              + " (installed_rank, version, description, type, script, checksum, installed_by,"
              + " installed_on, execution_time, success) VALUES ("
              + (JournalSchema.VERSION + 1)
              + ", '"
              + (JournalSchema.VERSION + 1)
              + "', 'newer', 'SQL', 'V9__newer.sql', 0, '', '2026-12-03 10:00:00', 1, 1)");
      assertThat(JournalSchema.current(c)).as("a schema newer than this agent's").isFalse();
    }
  }

  @Test
  void anEmptiedHistoryGoesThroughFlywayWhichRefusesTheTablesItFinds() throws Exception {
    Path file = migrated();
    try (Connection c = connect(file);
        Statement st = c.createStatement()) {
      st.execute("DELETE FROM " + JournalSchema.HISTORY);
      assertThat(JournalSchema.current(c)).isFalse();
    }
    // Flyway finds tables but no history: it refuses rather than guess
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                SqliteJournal.open(
                        JournalSettings.defaults(file),
                        Clock.systemUTC(),
                        SqliteJournal.Mode.MANUAL)
                    .close())
        .isInstanceOf(io.vpanel.journal.JournalException.class);
  }
}
