package io.vpanel.journal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;

/**
 * The journal's schema: made and upgraded by Flyway from {@code db/journal/V*.sql}, but only when
 * the file's schema is behind. A journal whose Flyway history says every migration up to {@link
 * #VERSION} succeeded opens without Flyway: every start of an agent after its first, which then
 * never loads Flyway's 400-odd classes (about 3 MiB of the agent's resident memory). Anything else
 * (a new file, an older schema, a failed migration, a newer schema than this agent knows) goes
 * through Flyway, which migrates or says what is wrong. An applied migration's checksum is only
 * validated on that path: the project never edits a released migration, it adds the next.
 */
final class JournalSchema {
  /** The version the newest {@code db/journal/V<N>__*.sql} makes (JournalSchemaTest keeps it). */
  static final int VERSION = 2;

  /** Flyway's history table (its default name). */
  static final String HISTORY = "flyway_schema_history";

  private JournalSchema() {}

  /** Brings the journal at {@code url}, open as {@code connection}, to {@link #VERSION}. */
  static void migrate(String url, Connection connection) throws SQLException {
    if (!current(connection)) {
      FlywayRun.migrate(url);
    }
  }

  /**
   * Whether Flyway's history in {@code connection} has every migration succeeded and the newest at
   * {@link #VERSION}.
   */
  static boolean current(Connection connection) throws SQLException {
    try (Statement st = connection.createStatement()) {
      try (ResultSet rs =
          st.executeQuery(
              "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '"
                  + HISTORY
                  + "'")) {
        if (!rs.next() || rs.getInt(1) == 0) {
          return false;
        }
      }
      try (ResultSet rs =
          st.executeQuery(
              "SELECT count(*), min(success), max(CAST(version AS INTEGER)),"
                  + " count(DISTINCT CAST(version AS INTEGER)) FROM "
                  + HISTORY
                  + " WHERE version IS NOT NULL")) {
        return rs.next()
            && rs.getInt(1) == VERSION
            && rs.getInt(2) == 1
            && rs.getInt(3) == VERSION
            && rs.getInt(4) == VERSION;
      }
    }
  }

  /** Flyway itself, in a class of its own so that the JVM loads it only when it runs. */
  private static final class FlywayRun {
    static void migrate(String url) {
      Flyway.configure()
          .dataSource(url, "", "")
          .locations("classpath:db/journal")
          .failOnMissingLocations(true)
          .load()
          .migrate();
    }
  }
}
