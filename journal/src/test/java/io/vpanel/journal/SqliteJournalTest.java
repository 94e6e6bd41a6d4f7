package io.vpanel.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vpanel.core.journal.HostMemory;
import io.vpanel.core.journal.JournalEntry;
import io.vpanel.core.journal.JournalQuery;
import io.vpanel.core.journal.LearnedLink;
import io.vpanel.core.model.Activity;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.testkit.VirtualScheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteJournalTest {
  private static final Instant T0 = Instant.parse("2026-11-25T08:00:00Z");

  @TempDir Path dir;

  private static Activity activity(String kind, String host, Instant at, String message) {
    return new Activity(kind, host, at, message, Map.of("n", 1, "ok", true, "text", "x"));
  }

  private static JournalQuery newest(String host, int limit) {
    return new JournalQuery(
        host, limit, Optional.empty(), Optional.empty(), Set.of(), Optional.empty());
  }

  private static HostMemory memory(String host, MaintenanceState state) {
    return new HostMemory(
        host,
        state,
        T0,
        "requested by api:ops",
        "GO: 2 VMs -> 1 host",
        Map.of("u1", "h2"),
        List.of("u3"),
        null);
  }

  private SqliteJournal open(Path file, SqliteJournal.Mode mode) {
    return SqliteJournal.open(
        JournalSettings.defaults(file), Clock.fixed(T0, ZoneOffset.UTC), mode);
  }

  @Test
  void recordsPagesFiltersAndRemembersAcrossReopen() throws Exception {
    Path file = dir.resolve("j.db");
    try (SqliteJournal journal = open(file, SqliteJournal.Mode.BACKGROUND)) {
      for (int i = 0; i < 25; i++) {
        journal.record(
            activity(i % 5 == 0 ? "request" : "migration", "h1", T0.plusSeconds(i), "e" + i));
      }
      journal.record(activity("request", "h2", T0, "other host"));
      journal.remember(memory("h1", MaintenanceState.ENTERING));
      journal.remember(memory("h1", MaintenanceState.IN_MAINTENANCE));
      journal.sync().get(10, TimeUnit.SECONDS);
      List<JournalEntry> page = journal.read(newest("h1", 10));
      assertThat(page).hasSize(10).extracting(JournalEntry::message).startsWith("e24", "e23");
      List<JournalEntry> older =
          journal.read(
              new JournalQuery(
                  "h1",
                  10,
                  Optional.of(page.get(9).id()),
                  Optional.empty(),
                  Set.of(),
                  Optional.empty()));
      assertThat(older).extracting(JournalEntry::message).startsWith("e14");
      List<JournalEntry> requests =
          journal.read(
              new JournalQuery(
                  "h1",
                  100,
                  Optional.empty(),
                  Optional.empty(),
                  Set.of("request"),
                  Optional.empty()));
      assertThat(requests).hasSize(5).allMatch(e -> e.kind().equals("request"));
      List<JournalEntry> since =
          journal.read(
              new JournalQuery(
                  "h1",
                  100,
                  Optional.empty(),
                  Optional.of(0L),
                  Set.of(),
                  Optional.of(T0.plusSeconds(20))));
      assertThat(since)
          .extracting(JournalEntry::message)
          .containsExactly("e20", "e21", "e22", "e23", "e24");
      assertThat(page.get(0).fields()).containsEntry("ok", true).containsEntry("text", "x");
    }
    try (SqliteJournal journal = open(file, SqliteJournal.Mode.BACKGROUND)) {
      assertThat(journal.read(newest("h1", 1000))).hasSize(25);
      assertThat(journal.lastStates())
          .containsExactly(memory("h1", MaintenanceState.IN_MAINTENANCE));
    }
  }

  private static LearnedLink learned(String host, double throttled) {
    return new LearnedLink(
        host,
        0.9,
        5.0e7,
        4.6e7,
        -1,
        0.005,
        throttled,
        Map.of("u-busy1", Map.of(1, 0.84, 2, 0.86), "u-paced1", Map.of(1, 0.59)),
        -1,
        11);
  }

  @Test
  void whatWasLearnedOfEachHostIsKeptAcrossReopenAndAnUnreadableRecordIsLeftOut() throws Exception {
    Path file = dir.resolve("j.db");
    try (SqliteJournal journal = open(file, SqliteJournal.Mode.MANUAL)) {
      assertThat(journal.lastLearning()).isEmpty();
      journal.rememberLearning(learned("h1", 0.8));
      journal.rememberLearning(learned("h2", 0.7));
      journal.rememberLearning(learned("h1", 0.86));
      journal.flush();
      assertThat(journal.lastLearning()).containsExactly(learned("h1", 0.86), learned("h2", 0.7));
    }
    // a record edited by hand, out of its range, or not JSON at all: left out, the others kept
    try (var db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        var st = db.createStatement()) {
      st.executeUpdate(
          "UPDATE learned_link SET learned = replace(learned, '0.86', '1.5') WHERE host = 'h1'");
      st.executeUpdate(
          "INSERT INTO learned_link (host, updated_ms, learned) VALUES ('h3', 0, '{\"host\":')");
    }
    try (SqliteJournal reopened = open(file, SqliteJournal.Mode.MANUAL)) {
      assertThat(reopened.lastLearning()).containsExactly(learned("h2", 0.7));
    }
  }

  @Test
  void aCrashKeepsExactlyWhatWasCommitted() {
    Path file = dir.resolve("j.db");
    SqliteJournal journal = open(file, SqliteJournal.Mode.MANUAL);
    journal.record(activity("request", "h1", T0, "committed"));
    journal.remember(memory("h1", MaintenanceState.ENTERING));
    journal.flush();
    journal.record(activity("request", "h1", T0, "lost"));
    journal.remember(memory("h1", MaintenanceState.IN_MAINTENANCE));
    journal.crash();
    try (SqliteJournal reopened = open(file, SqliteJournal.Mode.MANUAL)) {
      assertThat(reopened.read(newest("h1", 10)))
          .extracting(JournalEntry::message)
          .containsExactly("committed");
      assertThat(reopened.lastStates()).containsExactly(memory("h1", MaintenanceState.ENTERING));
    }
  }

  @Test
  void retentionDeletesOldEntriesAndCapsTheSize() {
    Path file = dir.resolve("j.db");
    VirtualScheduler time = new VirtualScheduler(T0);
    Clock clock = time.clock();
    JournalSettings settings = new JournalSettings(file, 1024 * 1024, Duration.ofDays(30));
    try (SqliteJournal journal = SqliteJournal.open(settings, clock, SqliteJournal.Mode.MANUAL)) {
      journal.record(activity("request", "h1", T0.minus(Duration.ofDays(40)), "too old"));
      journal.record(activity("request", "h1", T0.minus(Duration.ofDays(10)), "recent"));
      journal.remember(memory("h1", MaintenanceState.IN_MAINTENANCE));
      journal.flush();
      String big = "x".repeat(2000);
      for (int i = 0; i < 3000; i++) {
        journal.record(activity("migration", "h1", T0, big + i));
        if (i % 100 == 0) {
          journal.flush();
        }
      }
      time.advance(Duration.ofMinutes(11));
      journal.flush();
      journal.record(activity("request", "h1", T0, "last"));
      journal.flush();
      List<JournalEntry> all = journal.read(newest("h1", 1000));
      assertThat(all.get(0).message()).isEqualTo("last");
      assertThat(
              journal.read(
                  new JournalQuery(
                      "h1", 1000, Optional.empty(), Optional.of(0L), Set.of(), Optional.empty())))
          .extracting(JournalEntry::message)
          .doesNotContain("too old");
      // 3000 entries of 2 kB do not fit in 1 MB: the oldest went, the saved state stayed.
      long total = countAll(journal);
      assertThat(total).isLessThan(600);
      assertThat(journal.lastStates()).hasSize(1);
    }
    assertThat(file.toFile().length()).isLessThan(3L * 1024 * 1024);
  }

  private static long countAll(SqliteJournal journal) {
    long n = 0;
    long cursor = 0;
    while (true) {
      List<JournalEntry> page =
          journal.read(
              new JournalQuery(
                  "h1", 1000, Optional.empty(), Optional.of(cursor), Set.of(), Optional.empty()));
      n += page.size();
      if (page.size() < 1000) {
        return n;
      }
      cursor = page.get(page.size() - 1).id();
    }
  }

  @Test
  void aCorruptedFileIsRefusedWithTheReasonAndLeftAsItWas() throws IOException {
    Path file = dir.resolve("j.db");
    try (SqliteJournal journal = open(file, SqliteJournal.Mode.MANUAL)) {
      journal.record(activity("request", "h1", T0, "before"));
      journal.flush();
    }
    byte[] garbage = new byte[8192];
    new java.util.Random(1).nextBytes(garbage);
    Files.write(file, garbage);
    assertThatThrownBy(() -> open(file, SqliteJournal.Mode.MANUAL))
        .isInstanceOf(JournalException.class)
        .hasMessageStartingWith("journal unavailable: ")
        .hasMessageContaining(file.getFileName().toString());
    assertThat(Files.readAllBytes(file)).isEqualTo(garbage);
  }

  @Test
  void aReadOnlyFileMakesTheJournalUnavailableAndKeepsWhatWasWritten() throws Exception {
    Path mount = dir.resolve("ro");
    Files.createDirectories(mount);
    assumeTrue(
        run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount.toString()),
        "needs root to mount a tmpfs");
    try {
      Path file = mount.resolve("j.db");
      try (SqliteJournal journal = open(file, SqliteJournal.Mode.BACKGROUND)) {
        journal.record(activity("request", "h1", T0, "before"));
        journal.remember(memory("h1", MaintenanceState.IN_MAINTENANCE));
        journal.sync().get(10, TimeUnit.SECONDS);
      }
      byte[] written = Files.readAllBytes(file);
      // A file system cannot turn read-only under open writers (EBUSY); the real case is an agent
      // that starts on a read-only file system.
      assertThat(run("mount", "-o", "remount,ro", mount.toString())).isTrue();
      String reason;
      try (SqliteJournal journal = open(file, SqliteJournal.Mode.MANUAL)) {
        journal.record(activity("request", "h1", T0, "after"));
        assertThat(journal.flush()).isFalse();
        reason = journal.unavailable().orElseThrow();
        assertThat(journal.sync().isDone()).isFalse();
        assertThat(journal.read(newest("h1", 10)))
            .extracting(JournalEntry::message)
            .contains("before");
      } catch (JournalException e) {
        reason = e.getMessage();
      }
      assertThat(reason).startsWith("journal unavailable: ").containsAnyOf("read-only", "readonly");
      assertThat(Files.readAllBytes(file)).isEqualTo(written);
      assertThat(run("mount", "-o", "remount,rw", mount.toString())).isTrue();
      try (SqliteJournal journal = open(file, SqliteJournal.Mode.MANUAL)) {
        assertThat(journal.read(newest("h1", 10)))
            .extracting(JournalEntry::message)
            .containsExactly("before");
        assertThat(journal.lastStates()).hasSize(1);
        assertThat(journal.unavailable()).isEmpty();
      }
    } finally {
      run("umount", "-l", mount.toString());
    }
  }

  @Test
  void aFullDiskMakesTheJournalUnavailableAndKeepsWhatWasWritten() throws Exception {
    Path mount = dir.resolve("full");
    Files.createDirectories(mount);
    assumeTrue(
        run("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mount.toString()),
        "needs root to mount a tmpfs");
    try {
      Path file = mount.resolve("j.db");
      String message;
      int written = 0;
      try (SqliteJournal journal = open(file, SqliteJournal.Mode.MANUAL)) {
        journal.remember(memory("h1", MaintenanceState.IN_MAINTENANCE));
        String big = "y".repeat(4000);
        while (journal.flush() && written < 10_000) {
          journal.record(activity("migration", "h1", T0, written + big));
          written++;
        }
        message = journal.unavailable().orElseThrow();
        assertThat(message).startsWith("journal unavailable: ").containsIgnoringCase("full");
        assertThat(journal.sync().isCompletedExceptionally() || !journal.flush()).isTrue();
      }
      // Everything committed before the disk filled is still there.
      run("mount", "-o", "remount,size=4m", mount.toString());
      try (SqliteJournal reopened = open(file, SqliteJournal.Mode.MANUAL)) {
        assertThat(countAll(reopened)).isGreaterThanOrEqualTo(written - 2L).isPositive();
        assertThat(reopened.lastStates()).hasSize(1);
      }
    } finally {
      run("umount", "-l", mount.toString());
    }
  }

  private static boolean run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
