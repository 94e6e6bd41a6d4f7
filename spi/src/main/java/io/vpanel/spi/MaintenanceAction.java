package io.vpanel.spi;

import java.util.Locale;
import java.util.Optional;

/** What an operator may ask of a host's maintenance. */
public enum MaintenanceAction {
  ENTER,
  EXIT,
  CANCEL;

  public static Optional<MaintenanceAction> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    for (MaintenanceAction action : values()) {
      if (action.label().equals(text.trim().toLowerCase(Locale.ROOT))) {
        return Optional.of(action);
      }
    }
    return Optional.empty();
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
