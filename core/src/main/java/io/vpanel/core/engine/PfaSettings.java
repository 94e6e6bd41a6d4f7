package io.vpanel.core.engine;

import io.vpanel.core.model.PfaAction;
import io.vpanel.spi.alert.AlertSeverity;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * How PFA protect answers hardware alerts. {@link #defaults()} is what an operator gets without
 * configuration.
 *
 * @param actions what to do per severity (every severity has one)
 * @param debounce an alert acts only once it has stayed asserted this long; one that clears sooner
 *     does nothing (a glitching sensor)
 * @param clearHold a cleared alert stops acting only once it has stayed clear this long; one that
 *     comes back sooner is the same alert still (a flapping sensor does not toggle the quarantine)
 * @param maxAutomaticEntries at most this many hosts of this agent enter maintenance by alert
 *     within {@code entryWindow}; more wait (and start when the window allows, if still asserted)
 * @param entryWindow the window of {@code maxAutomaticEntries}
 * @param retryInterval how often a waiting automatic entry checks again whether it may start (it
 *     also checks at once when another host comes back into service)
 */
public record PfaSettings(
    Map<AlertSeverity, PfaAction> actions,
    Duration debounce,
    Duration clearHold,
    int maxAutomaticEntries,
    Duration entryWindow,
    Duration retryInterval) {

  public PfaSettings {
    EnumMap<AlertSeverity, PfaAction> copy = new EnumMap<>(AlertSeverity.class);
    copy.putAll(actions);
    for (AlertSeverity severity : AlertSeverity.values()) {
      if (!copy.containsKey(severity)) {
        throw new IllegalArgumentException("pfa: no action for severity " + severity);
      }
    }
    actions = Map.copyOf(copy);
    if (debounce.isNegative()
        || clearHold.isNegative()
        || maxAutomaticEntries < 1
        || !entryWindow.isPositive()
        || !retryInterval.isPositive()) {
      throw new IllegalArgumentException(
          "pfa settings out of range: debounce >= 0, clearHold >= 0, maxAutomaticEntries >= 1,"
              + " entryWindow > 0, retryInterval > 0");
    }
  }

  public static PfaSettings defaults() {
    return new PfaSettings(
        Map.of(
            AlertSeverity.INFO, PfaAction.IGNORE,
            AlertSeverity.WARNING, PfaAction.NOTIFY,
            AlertSeverity.PREDICTIVE_FAILURE, PfaAction.EVACUATE,
            AlertSeverity.CRITICAL, PfaAction.EVACUATE),
        Duration.ofSeconds(2),
        Duration.ofSeconds(60),
        2,
        Duration.ofHours(1),
        Duration.ofSeconds(15));
  }

  /** What an alert of {@code severity} does. */
  public PfaAction action(AlertSeverity severity) {
    return actions.get(severity);
  }

  /** These settings with {@code severity} doing {@code action}. */
  public PfaSettings with(AlertSeverity severity, PfaAction action) {
    EnumMap<AlertSeverity, PfaAction> changed = new EnumMap<>(actions);
    changed.put(severity, action);
    return new PfaSettings(
        changed, debounce, clearHold, maxAutomaticEntries, entryWindow, retryInterval);
  }

  /** These settings with another debounce and clear hold. */
  public PfaSettings withDebounce(Duration newDebounce, Duration newClearHold) {
    return new PfaSettings(
        actions, newDebounce, newClearHold, maxAutomaticEntries, entryWindow, retryInterval);
  }

  /** These settings with another rate limit. */
  public PfaSettings withRateLimit(int entries, Duration window) {
    return new PfaSettings(actions, debounce, clearHold, entries, window, retryInterval);
  }
}
