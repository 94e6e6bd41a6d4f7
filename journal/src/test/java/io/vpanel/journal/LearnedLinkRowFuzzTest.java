package io.vpanel.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.journal.LearnedLink;
import io.vpanel.testkit.SeededProperty;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learned links a restarted agent reads back are a parser's input: a file edited by hand, a
 * disk that flipped bytes. Whatever a row holds, {@code lastLearning} answers (never throws),
 * leaves the row out or gives a record that passed its own checks (made by its constructor), and
 * keeps the other hosts' rows. That such a record never breaks the planner is
 * MigrationLearningTest's.
 */
class LearnedLinkRowFuzzTest {
  private static final String TOKENS = "{}[]\":,.-+eE0123456789 nulltruefalse\\u";

  @TempDir static Path dir;
  private static SqliteJournal journal;
  private static Connection db;
  private static String valid;

  @BeforeAll
  static void open() throws Exception {
    Path file = dir.resolve("j.db");
    journal =
        SqliteJournal.open(
            JournalSettings.defaults(file),
            Clock.fixed(Instant.parse("2026-12-04T20:00:00Z"), ZoneOffset.UTC),
            SqliteJournal.Mode.MANUAL);
    journal.rememberLearning(learned("good"));
    journal.rememberLearning(learned("fuzzed"));
    journal.flush();
    db = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (var st = db.createStatement();
        var rs = st.executeQuery("SELECT learned FROM learned_link WHERE host = 'fuzzed'")) {
      rs.next();
      valid = rs.getString(1);
    }
  }

  @AfterAll
  static void close() throws Exception {
    db.close();
    journal.close();
  }

  private static LearnedLink learned(String host) {
    return new LearnedLink(
        host,
        0.48,
        4.24e7,
        4.28e7,
        -1,
        0.005,
        0.86,
        Map.of("u-busy1", Map.of(1, 0.84, 2, 0.86), "u-busy2", Map.of(2, 0.88)),
        0.3,
        12);
  }

  @SeededProperty(tries = 300)
  void anyRowIsReadOrLeftOutAndTheOthersAreKept(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    StringBuilder json = new StringBuilder(valid);
    int edits = 1 + random.nextInt(6);
    for (int i = 0; i < edits && !json.isEmpty(); i++) {
      int at = random.nextInt(json.length());
      switch (random.nextInt(4)) {
        case 0 -> json.deleteCharAt(at);
        case 1 -> json.insert(at, TOKENS.charAt(random.nextInt(TOKENS.length())));
        case 2 -> json.setCharAt(at, TOKENS.charAt(random.nextInt(TOKENS.length())));
        default -> json.setLength(at);
      }
    }
    try (PreparedStatement update =
        db.prepareStatement("UPDATE learned_link SET learned = ? WHERE host = 'fuzzed'")) {
      update.setString(1, json.toString());
      update.executeUpdate();
    }

    List<LearnedLink> read = journal.lastLearning();

    assertThat(read).contains(learned("good"));
    assertThat(read).hasSizeBetween(1, 2);
  }
}
