package io.vpanel.spi.hypervisor;

import java.util.Locale;

/** What maintenance does with a guest: the guest's declared policy. */
public enum VmPolicy {
  /** Live-migrate it to another host (the default). */
  MIGRATE,
  /** Shut it down cleanly and start it again when maintenance ends. */
  SHUTDOWN,
  /** Save its state to disk on this host and resume it when maintenance ends. */
  SUSPEND,
  /** Never touch it: maintenance is refused while it runs. */
  BLOCK;

  /** Parses {@code migrate}, {@code shutdown}, {@code suspend} or {@code block}. */
  public static VmPolicy parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown VM policy '" + text + "' (use migrate, shutdown, suspend or block)", e);
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
