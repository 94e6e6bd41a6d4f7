package io.vpanel.journal;

import io.vpanel.core.journal.HostMemory;
import io.vpanel.core.journal.Journal;
import io.vpanel.core.journal.JournalEntry;
import io.vpanel.core.journal.JournalQuery;
import io.vpanel.core.journal.JournalReader;
import io.vpanel.core.journal.LearnedLink;
import io.vpanel.core.model.Activity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The journal on SQLite in WAL mode, its schema kept by Flyway ({@code db/journal/V*.sql}) when it
 * is behind ({@link JournalSchema}).
 *
 * <p>The engine's owner thread only queues ({@link #record}, {@link #remember}, {@link #sync}); a
 * writer thread ({@code vpanel-journal}) drains the queue and commits everything queued in one
 * transaction with {@code synchronous=FULL}, so what is durable is always a prefix of what was
 * handed over. A commit that fails (disk full, read-only file) keeps the batch, marks the journal
 * unavailable with the reason and retries every second; the next successful commit clears it.
 *
 * <p>Tests run it without the thread ({@link Mode#MANUAL}) and commit with {@link #flush()} on a
 * virtual clock; {@link #crash()} drops what was not committed, as a kill -9 would.
 */
public final class SqliteJournal implements Journal, JournalReader, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SqliteJournal.class);
  private static final int MAX_RETAINED_OPS = 100_000;
  private static final int RETENTION_EVERY_ENTRIES = 2_000;
  private static final Duration RETENTION_EVERY = Duration.ofMinutes(10);
  private static final TypeReference<Map<String, Object>> FIELDS = new TypeReference<>() {};

  /** Whether a thread of its own commits, or the caller with {@link #flush()}. */
  public enum Mode {
    BACKGROUND,
    MANUAL
  }

  private sealed interface Op permits EntryOp, StateOp, LearningOp, SyncOp, StopOp {}

  private record EntryOp(Activity activity) implements Op {}

  private record StateOp(HostMemory memory) implements Op {}

  private record LearningOp(LearnedLink learned) implements Op {}

  private record SyncOp(CompletableFuture<Void> done) implements Op {}

  private record StopOp() implements Op {}

  private final JournalSettings settings;
  private final Clock clock;
  private final String url;
  private final JsonMapper json = JsonMapper.builder().build();
  private final LinkedBlockingQueue<Op> queue = new LinkedBlockingQueue<>();
  private final Object writeLock = new Object();
  private final Object readLock = new Object();
  private final List<Op> retained = new ArrayList<>();
  private final Thread writer;
  private Connection write;
  private Connection read;
  private volatile String unavailable;
  private volatile boolean closed;
  private long entriesSinceRetention;
  private Instant lastRetention = Instant.EPOCH;
  private long dropped;

  private SqliteJournal(JournalSettings settings, Clock clock, Mode mode) {
    this.settings = settings;
    this.clock = clock;
    this.url = "jdbc:sqlite:" + settings.path().toAbsolutePath();
    this.writer =
        mode == Mode.BACKGROUND
            ? Thread.ofPlatform().name("vpanel-journal").daemon(true).unstarted(this::writeLoop)
            : null;
  }

  /**
   * Opens (creating if needed) and migrates the journal. Throws {@link JournalException} with the
   * reason when the file is corrupted, unreadable or not writable at all; the file is left as is.
   */
  public static SqliteJournal open(JournalSettings settings, Clock clock, Mode mode) {
    SqliteJournal journal = new SqliteJournal(settings, clock, mode);
    journal.openFiles();
    if (journal.writer != null) {
      journal.writer.start();
    }
    return journal;
  }

  public static SqliteJournal open(JournalSettings settings) {
    return open(settings, Clock.systemUTC(), Mode.BACKGROUND);
  }

  private void openFiles() {
    Path path = settings.path().toAbsolutePath();
    try {
      Files.createDirectories(path.getParent());
    } catch (Exception e) {
      throw new JournalException("cannot create " + path.getParent() + ": " + e.getMessage(), e);
    }
    try {
      write = DriverManager.getConnection(url);
      try (Statement st = write.createStatement()) {
        // Fails on a file that is not a database, before the schema check or Flyway sees it.
        try (ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
          String result = rs.next() ? rs.getString(1) : "no answer";
          if (!"ok".equals(result)) {
            throw new SQLException("integrity check failed: " + result);
          }
        }
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA synchronous=FULL");
        st.execute("PRAGMA busy_timeout=5000");
      }
      JournalSchema.migrate(url, write);
      read = DriverManager.getConnection(url);
      try (Statement st = read.createStatement()) {
        st.execute("PRAGMA busy_timeout=5000");
      }
      write.setAutoCommit(false);
      synchronized (writeLock) {
        retention(true);
        write.commit();
      }
    } catch (SQLException | RuntimeException e) {
      closeQuietly();
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      boolean readOnly =
          (Files.exists(path) && !Files.isWritable(path)) || !Files.isWritable(path.getParent());
      throw new JournalException(
          path + ": " + (readOnly ? "read-only: " : "") + firstLine(message), e);
    }
  }

  // ---------------------------------------------------------------- Journal (owner thread)

  @Override
  public void record(Activity activity) {
    if (!closed) {
      queue.add(new EntryOp(activity));
    }
  }

  @Override
  public void remember(HostMemory memory) {
    if (!closed) {
      queue.add(new StateOp(memory));
    }
  }

  @Override
  public CompletableFuture<Void> sync() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (closed) {
      done.completeExceptionally(new JournalException("the journal is closed", null));
    } else {
      queue.add(new SyncOp(done));
    }
    return done;
  }

  @Override
  public Optional<String> unavailable() {
    return Optional.ofNullable(unavailable);
  }

  @Override
  public void rememberLearning(LearnedLink learned) {
    if (!closed) {
      queue.add(new LearningOp(learned));
    }
  }

  @Override
  public List<HostMemory> lastStates() {
    return saved("SELECT host, memory FROM host_state ORDER BY host", HostMemory.class, "state");
  }

  @Override
  public List<LearnedLink> lastLearning() {
    return saved(
        "SELECT host, learned FROM learned_link ORDER BY host", LearnedLink.class, "learned link");
  }

  /** The JSON of each row {@code (host, json)} of {@code sql}; an unreadable one is left out. */
  private <T> List<T> saved(String sql, Class<T> type, String what) {
    List<T> saved = new ArrayList<>();
    synchronized (readLock) {
      try (Statement st = read.createStatement();
          ResultSet rs = st.executeQuery(sql)) {
        while (rs.next()) {
          try {
            saved.add(json.readValue(rs.getString(2), type));
          } catch (RuntimeException e) {
            log.warn(
                "journal: the saved {} of {} is unreadable, ignored: {}",
                what,
                rs.getString(1),
                e.getMessage());
          }
        }
      } catch (SQLException e) {
        throw new JournalException("reading saved " + what + "s: " + e.getMessage(), e);
      }
    }
    return saved;
  }

  // ---------------------------------------------------------------- writing

  private void writeLoop() {
    while (true) {
      Op first;
      try {
        first = queue.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (first instanceof StopOp) {
        flushWith(new ArrayList<>());
        return;
      }
      List<Op> batch = new ArrayList<>();
      if (first != null) {
        batch.add(first);
      }
      boolean stop = drainInto(batch);
      boolean ok = flushWith(batch);
      if (stop) {
        return;
      }
      if (!ok) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private boolean drainInto(List<Op> batch) {
    List<Op> more = new ArrayList<>();
    queue.drainTo(more);
    boolean stop = false;
    for (Op op : more) {
      if (op instanceof StopOp) {
        stop = true;
      } else {
        batch.add(op);
      }
    }
    return stop;
  }

  /** Commits everything queued now on the caller's thread (tests; also used on close). */
  public boolean flush() {
    List<Op> batch = new ArrayList<>();
    drainInto(batch);
    return flushWith(batch);
  }

  private boolean flushWith(List<Op> fresh) {
    synchronized (writeLock) {
      if (write == null) {
        failSyncs(fresh, "the journal is closed");
        return false;
      }
      retained.addAll(fresh);
      if (retained.isEmpty()) {
        return true;
      }
      try {
        Instant now = clock.instant();
        int entries = 0;
        try (PreparedStatement entry =
                write.prepareStatement(
                    "INSERT INTO entry (host, at_ms, kind, message, fields) VALUES (?, ?, ?, ?, ?)");
            PreparedStatement state =
                write.prepareStatement(
                    "INSERT INTO host_state (host, updated_ms, memory) VALUES (?, ?, ?)"
                        + " ON CONFLICT (host) DO UPDATE SET updated_ms = excluded.updated_ms,"
                        + " memory = excluded.memory");
            PreparedStatement learning =
                write.prepareStatement(
                    "INSERT INTO learned_link (host, updated_ms, learned) VALUES (?, ?, ?)"
                        + " ON CONFLICT (host) DO UPDATE SET updated_ms = excluded.updated_ms,"
                        + " learned = excluded.learned")) {
          for (Op op : retained) {
            if (op instanceof EntryOp(Activity a)) {
              entry.setString(1, a.host());
              entry.setLong(2, a.at().toEpochMilli());
              entry.setString(3, a.kind());
              entry.setString(4, a.message());
              entry.setString(5, json.writeValueAsString(a.fields()));
              entry.executeUpdate();
              entries++;
            } else if (op instanceof StateOp(HostMemory m)) {
              state.setString(1, m.host());
              state.setLong(2, now.toEpochMilli());
              state.setString(3, json.writeValueAsString(m));
              state.executeUpdate();
            } else if (op instanceof LearningOp(LearnedLink l)) {
              learning.setString(1, l.host());
              learning.setLong(2, now.toEpochMilli());
              learning.setString(3, json.writeValueAsString(l));
              learning.executeUpdate();
            }
          }
        }
        entriesSinceRetention += entries;
        if (entriesSinceRetention >= RETENTION_EVERY_ENTRIES
            || Duration.between(lastRetention, now).compareTo(RETENTION_EVERY) >= 0) {
          retention(false);
        } else if (entries > 0) {
          try (Statement st = write.createStatement()) {
            if (usedBytes(st) > settings.maxSizeBytes()) {
              retention(false);
            }
          }
        }
        write.commit();
      } catch (SQLException | RuntimeException e) {
        try {
          write.rollback();
        } catch (SQLException ignored) {
          // the connection is broken; the next flush tries again
        }
        String message = e.getMessage() == null ? e.toString() : firstLine(e.getMessage());
        if (unavailable == null) {
          log.error(
              "journal {}: cannot write ({}); new maintenance is refused until it can",
              settings.path(),
              message);
        }
        unavailable = "journal unavailable: " + message;
        failSyncs(retained, unavailable);
        retained.removeIf(op -> op instanceof SyncOp);
        trimRetained();
        return false;
      }
      if (unavailable != null) {
        log.warn("journal {}: writable again", settings.path());
        unavailable = null;
      }
      for (Op op : retained) {
        if (op instanceof SyncOp(CompletableFuture<Void> done)) {
          done.complete(null);
        }
      }
      retained.clear();
      return true;
    }
  }

  /** While the file cannot be written, keep at most so many queued entries (newest states kept). */
  private void trimRetained() {
    if (retained.size() <= MAX_RETAINED_OPS) {
      return;
    }
    int excess = retained.size() - MAX_RETAINED_OPS;
    var it = retained.iterator();
    while (it.hasNext() && excess > 0) {
      if (it.next() instanceof EntryOp) {
        it.remove();
        excess--;
        dropped++;
      }
    }
    log.warn("journal: {} entries dropped while it could not be written", dropped);
  }

  private static void failSyncs(List<Op> ops, String reason) {
    for (Op op : ops) {
      if (op instanceof SyncOp(CompletableFuture<Void> done)) {
        done.completeExceptionally(new JournalException(reason, null));
      }
    }
  }

  /**
   * Deletes entries older than the retention and, while the live pages exceed the size cap, the
   * oldest tenth of the entries. Saved host states are never deleted. Runs inside the caller's
   * transaction.
   */
  private void retention(boolean atOpen) throws SQLException {
    entriesSinceRetention = 0;
    lastRetention = clock.instant();
    try (Statement st = write.createStatement()) {
      int byAge = 0;
      if (!settings.retention().isZero()) {
        long cutoff = clock.instant().minus(settings.retention()).toEpochMilli();
        byAge = st.executeUpdate("DELETE FROM entry WHERE at_ms < " + cutoff);
      }
      int bySize = 0;
      for (int round = 0; round < 20 && usedBytes(st) > settings.maxSizeBytes(); round++) {
        long count = single(st, "SELECT count(*) FROM entry");
        if (count == 0) {
          break;
        }
        long cut = Math.max(1, count / 10);
        bySize +=
            st.executeUpdate(
                "DELETE FROM entry WHERE id <= (SELECT id FROM entry ORDER BY id LIMIT 1 OFFSET "
                    + (cut - 1)
                    + ")");
      }
      if (byAge + bySize > 0) {
        log.info(
            "journal retention{}: deleted {} entries older than {} days and {} beyond {} MB",
            atOpen ? " at start" : "",
            byAge,
            settings.retention().toDays(),
            bySize,
            settings.maxSizeBytes() / (1024 * 1024));
      }
    }
  }

  private static long usedBytes(Statement st) throws SQLException {
    long pages = single(st, "PRAGMA page_count");
    long free = single(st, "PRAGMA freelist_count");
    long size = single(st, "PRAGMA page_size");
    return (pages - free) * size;
  }

  private static long single(Statement st, String sql) throws SQLException {
    try (ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  // ---------------------------------------------------------------- reading

  @Override
  public List<JournalEntry> read(JournalQuery query) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT id, host, at_ms, kind, message, fields FROM entry WHERE host = ?");
    List<Object> args = new ArrayList<>();
    args.add(query.host());
    query
        .beforeId()
        .ifPresent(
            id -> {
              sql.append(" AND id < ?");
              args.add(id);
            });
    query
        .afterId()
        .ifPresent(
            id -> {
              sql.append(" AND id > ?");
              args.add(id);
            });
    if (!query.kinds().isEmpty()) {
      sql.append(" AND kind IN (");
      sql.append(String.join(", ", query.kinds().stream().map(k -> "?").toList()));
      sql.append(")");
      args.addAll(query.kinds().stream().sorted().toList());
    }
    query
        .since()
        .ifPresent(
            at -> {
              sql.append(" AND at_ms >= ?");
              args.add(at.toEpochMilli());
            });
    sql.append(query.afterId().isPresent() ? " ORDER BY id ASC" : " ORDER BY id DESC");
    sql.append(" LIMIT ").append(query.limit());
    List<JournalEntry> entries = new ArrayList<>();
    synchronized (readLock) {
      if (read == null) {
        throw new IllegalStateException("journal unavailable: it is closed");
      }
      try (PreparedStatement st = read.prepareStatement(sql.toString())) {
        for (int i = 0; i < args.size(); i++) {
          st.setObject(i + 1, args.get(i));
        }
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            Map<String, Object> fields;
            try {
              fields = json.readValue(rs.getString(6), FIELDS);
            } catch (RuntimeException e) {
              fields = new LinkedHashMap<>(Map.of("unreadable", rs.getString(6)));
            }
            fields.values().removeIf(v -> v == null);
            entries.add(
                new JournalEntry(
                    rs.getLong(1),
                    rs.getString(2),
                    Instant.ofEpochMilli(rs.getLong(3)),
                    rs.getString(4),
                    rs.getString(5),
                    fields));
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException("journal unavailable: " + firstLine(e.getMessage()), e);
      }
    }
    return entries;
  }

  // ---------------------------------------------------------------- closing

  /** Commits what is queued and closes: the clean way out (SIGTERM). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (writer != null) {
      queue.add(new StopOp());
      try {
        writer.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    flush();
    synchronized (writeLock) {
      synchronized (readLock) {
        closeQuietly();
      }
    }
  }

  /**
   * Stops at once without writing what was queued, as a kill -9 would: only what was committed
   * stays in the file. For crash tests.
   */
  public void crash() {
    closed = true;
    if (writer != null) {
      writer.interrupt();
    }
    queue.clear();
    synchronized (writeLock) {
      retained.clear();
      synchronized (readLock) {
        closeQuietly();
      }
    }
  }

  private void closeQuietly() {
    for (Connection c : new Connection[] {write, read}) {
      if (c != null) {
        try {
          if (c == write && !c.getAutoCommit()) {
            c.rollback();
          }
        } catch (SQLException ignored) {
          // closing anyway
        }
        try {
          c.close();
        } catch (SQLException ignored) {
          // closing anyway
        }
      }
    }
    write = null;
    read = null;
  }

  private static String firstLine(String message) {
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
