package io.vpanel.testkit;

import io.vpanel.spi.alert.AlertListener;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.alert.SourceHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An alert source whose records a test appends, like a BMC's event log in memory. Its cursor is the
 * number of records reported so far, so a source started again with the cursor core recorded
 * reports exactly the records after it. Thread-safe: tests append from their own thread.
 */
public final class InMemoryAlertSource implements AlertSource {
  private final String name;
  private final List<HardwareAlert> log = new ArrayList<>();
  private AlertListener listener;
  private int next;
  private SourceHealth health = SourceHealth.ok("in memory");

  public InMemoryAlertSource(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized void start(Optional<String> resumeAfter, AlertListener listener) {
    this.listener = listener;
    next = resumeAfter.map(InMemoryAlertSource::position).orElse(0);
    if (next > log.size()) {
      // The log is shorter than the cursor: it was cleared meanwhile; report all it holds now.
      next = 0;
    }
    listener.onHealth(health);
    deliver();
  }

  /** Appends a record; a started source reports it at once. */
  public synchronized void append(HardwareAlert alert) {
    log.add(alert);
    deliver();
  }

  /** Reports a change of the source's own health. */
  public synchronized void health(SourceHealth now) {
    health = now;
    if (listener != null) {
      listener.onHealth(now);
    }
  }

  /** Every record appended so far. */
  public synchronized List<HardwareAlert> records() {
    return List.copyOf(log);
  }

  private void deliver() {
    while (listener != null && next < log.size()) {
      HardwareAlert alert = log.get(next);
      next++;
      listener.onAlert(alert, Integer.toString(next));
    }
  }

  private static int position(String cursor) {
    try {
      return Math.max(0, Integer.parseInt(cursor));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  @Override
  public synchronized void close() {
    listener = null;
  }
}
