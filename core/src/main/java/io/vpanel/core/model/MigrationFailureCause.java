package io.vpanel.core.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Why a live migration failed, in a few words a metric can carry as a label (the reason itself is
 * free text: the hypervisor's message). Carried as the {@code cause} field of a migration's {@code
 * failed} activity.
 */
public enum MigrationFailureCause {
  /** The hypervisor reported the migration failed (its reason says why). */
  HYPERVISOR,
  /** The hypervisor refused to start it ({@code migrate} threw). */
  START_FAILED,
  /** Someone cancelled the maintenance it was part of. */
  CANCELLED,
  /** It ran past its timeout. */
  TIMEOUT,
  /** Its sent bytes stopped growing. */
  NO_PROGRESS,
  /** Its destination began to enter maintenance. */
  DESTINATION_MAINTENANCE,
  /** The coordinator found no room on the destination. */
  NO_ROOM,
  /** The coordinator could not be asked for a reservation. */
  COORDINATOR;

  /** The label: {@code hypervisor}, {@code start_failed}, {@code cancelled}, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<MigrationFailureCause> parse(Object label) {
    return Arrays.stream(values()).filter(c -> c.label().equals(label)).findFirst();
  }
}
