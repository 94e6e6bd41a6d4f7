package io.vpanel.driver.sysfs;

import io.vpanel.spi.panel.PanelListener;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The panel's current problems, one per part (the input device, each LED), and what was last
 * reported to core. Every part reports here from its own thread; this monitor is the one owner of
 * the set, and it tells the listener only when the joined text changes: the problem text, or {@code
 * Optional.empty()} once the last part is back.
 */
final class Faults {
  private static final Logger log = LoggerFactory.getLogger(Faults.class);

  private final Map<String, String> problems = new TreeMap<>();
  private PanelListener listener;
  private Optional<String> reported = Optional.empty();

  /** Reports to {@code to} from now on, starting with the problems already known. */
  synchronized void start(PanelListener to) {
    listener = to;
    reported = Optional.empty();
    tell();
  }

  /** Nothing is reported any more. */
  synchronized void stop() {
    listener = null;
  }

  /** {@code part} has {@code problem}, or none when empty. */
  synchronized void set(String part, Optional<String> problem) {
    String before = problems.get(part);
    if (problem.isPresent()) {
      if (!problem.get().equals(before)) {
        log.warn("{}", problem.get());
      }
      problems.put(part, problem.get());
    } else if (before != null) {
      problems.remove(part);
      log.info("{}: working again", part);
    }
    tell();
  }

  /** The problems as reported now; empty when everything works. */
  synchronized Optional<String> current() {
    return joined();
  }

  private Optional<String> joined() {
    return problems.isEmpty()
        ? Optional.empty()
        : Optional.of(String.join("; ", problems.values()));
  }

  private void tell() {
    Optional<String> now = joined();
    if (listener != null && !now.equals(reported)) {
      reported = now;
      listener.onFault(now);
    }
  }
}
