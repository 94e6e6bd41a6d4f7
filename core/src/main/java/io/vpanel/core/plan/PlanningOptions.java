package io.vpanel.core.plan;

import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOptions;
import java.util.Objects;
import java.util.Set;

/**
 * What the planner knows of how the source host migrates: its link (declared or learned), the
 * migration features it may use (offered by the hypervisor and allowed by the operator), and the
 * operator's base options.
 */
public record PlanningOptions(LinkModel link, Set<MigrationFeature> usable, MigrationOptions base) {
  public PlanningOptions {
    Objects.requireNonNull(link, "link");
    usable = Set.copyOf(usable);
    Objects.requireNonNull(base, "base");
  }

  /** The declared link of {@code capacity}, no features, default options. */
  public static PlanningOptions plain(HostCapacity capacity) {
    return new PlanningOptions(LinkModel.declared(capacity), Set.of(), MigrationOptions.DEFAULTS);
  }
}
