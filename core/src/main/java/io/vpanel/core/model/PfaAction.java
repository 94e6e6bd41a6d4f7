package io.vpanel.core.model;

import java.util.Locale;
import java.util.Optional;

/**
 * What PFA protect does about an alert of a given severity (configured per severity, {@code
 * maintenance.pfa}). Each action includes the ones before it: a quarantining alert is also shown.
 */
public enum PfaAction {
  /** Journaled only. */
  IGNORE,
  /** Journaled and shown on the host's panels and in the API while it is active. */
  NOTIFY,
  /** Also: no new guests are placed on the host while the alert is active. */
  QUARANTINE,
  /** Also: the host enters maintenance by itself, the alert as the reason. */
  EVACUATE;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** True when this action keeps new guests off the host. */
  public boolean quarantines() {
    return compareTo(QUARANTINE) >= 0;
  }

  /** Reads {@code ignore}, {@code notify}, {@code quarantine} or {@code evacuate} (any case). */
  public static Optional<PfaAction> parse(String text) {
    for (PfaAction action : values()) {
      if (action.label().equalsIgnoreCase(text)) {
        return Optional.of(action);
      }
    }
    return Optional.empty();
  }
}
