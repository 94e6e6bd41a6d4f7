package io.vpanel.spi.hypervisor;

import java.util.Objects;

/**
 * A live migration the hypervisor is still running, found again after the agent restarted.
 *
 * @param destination the destination host's name, or its migration URI when the driver only knows
 *     that
 * @param handle aborts it
 */
public record MigrationInProgress(String destination, MigrationHandle handle) {
  public MigrationInProgress {
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(handle, "handle");
  }
}
