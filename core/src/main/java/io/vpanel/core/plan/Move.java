package io.vpanel.core.plan;

import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.VmInfo;
import java.util.Objects;

/**
 * One guest to live-migrate, the host the plan puts it on, and the migration features the planner
 * chose for it.
 */
public record Move(VmInfo vm, String destination, MigrationOptions options) {
  public Move {
    Objects.requireNonNull(options, "options");
  }

  /** A move with the default options. */
  public Move(VmInfo vm, String destination) {
    this(vm, destination, MigrationOptions.DEFAULTS);
  }
}
