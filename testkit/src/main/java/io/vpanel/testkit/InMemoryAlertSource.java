package io.vpanel.testkit;

import io.vpanel.spi.alert.AlertListener;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.alert.SourceHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An alert source over an event {@link Log} in memory, like a BMC's event log: a test appends
 * records, clears the log, and starts sources over it again as a restarted agent would. Its cursor
 * is {@code <clearings>:<records reported>}, so a source started with the cursor core recorded
 * reports exactly the records after it, and after a clearing reports the new log from its start.
 * Thread-safe: tests append from their own thread.
 */
public final class InMemoryAlertSource implements AlertSource {

  /** The event log several sources (one at a time, as across restarts) read. */
  public static final class Log {
    private final List<HardwareAlert> records = new ArrayList<>();
    private final List<InMemoryAlertSource> readers = new ArrayList<>();
    private int clearings;

    /** Appends a record; started sources report it at once. */
    public void append(HardwareAlert alert) {
      List<InMemoryAlertSource> now;
      synchronized (this) {
        records.add(alert);
        now = List.copyOf(readers);
      }
      now.forEach(InMemoryAlertSource::deliver);
    }

    /** Empties the log, as an operator clearing a full SEL does. */
    public synchronized void clear() {
      records.clear();
      clearings++;
    }

    /** Every record in the log now. */
    public synchronized List<HardwareAlert> records() {
      return List.copyOf(records);
    }

    private synchronized Optional<HardwareAlert> at(int clearing, int index) {
      return clearing == clearings && index < records.size()
          ? Optional.of(records.get(index))
          : Optional.empty();
    }
  }

  private final String name;
  private final Log log;
  private AlertListener listener;
  private int clearing;
  private int next;

  /** A source over a log of its own. */
  public InMemoryAlertSource(String name) {
    this(name, new Log());
  }

  /** A source over {@code log}, which outlives it. */
  public InMemoryAlertSource(String name, Log log) {
    this.name = name;
    this.log = log;
  }

  @Override
  public String name() {
    return name;
  }

  public Log log() {
    return log;
  }

  @Override
  public void start(Optional<String> resumeAfter, AlertListener listener) {
    synchronized (this) {
      this.listener = listener;
      synchronized (log) {
        clearing = log.clearings;
        next = 0;
        resumeAfter.ifPresent(this::seek);
        log.readers.add(this);
      }
      listener.onHealth(SourceHealth.ok("in memory"));
    }
    deliver();
  }

  private void seek(String cursor) {
    String[] parts = cursor.split(":", 2);
    try {
      int at = Integer.parseInt(parts[0]);
      int index = Integer.parseInt(parts[1]);
      if (at == log.clearings && index >= 0 && index <= log.records.size()) {
        next = index;
      }
      // Otherwise the log was cleared since: everything it holds now is new.
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      next = 0;
    }
  }

  /** Appends a record to this source's log. */
  public void append(HardwareAlert alert) {
    log.append(alert);
  }

  /** Reports a change of the source's own health. */
  public synchronized void health(SourceHealth now) {
    if (listener != null) {
      listener.onHealth(now);
    }
  }

  /** Every record of the log. */
  public List<HardwareAlert> records() {
    return log.records();
  }

  private synchronized void deliver() {
    while (listener != null) {
      Optional<HardwareAlert> alert = log.at(clearing, next);
      if (alert.isEmpty()) {
        return;
      }
      next++;
      listener.onAlert(alert.get(), clearing + ":" + next);
    }
  }

  @Override
  public void close() {
    synchronized (log) {
      log.readers.remove(this);
    }
    synchronized (this) {
      listener = null;
    }
  }
}
