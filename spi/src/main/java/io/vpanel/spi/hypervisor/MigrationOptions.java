package io.vpanel.spi.hypervisor;

import java.time.Duration;

/**
 * How one live migration should run.
 *
 * @param maxDowntime the longest pause allowed for the final stop-and-copy
 * @param bandwidthBytesPerSec a cap on this migration's bandwidth, 0 for none
 * @param autoConverge throttle the guest when pre-copy stops converging (else the move fails)
 * @param postCopy switch to post-copy when pre-copy cannot converge, where the host offers it
 */
public record MigrationOptions(
    Duration maxDowntime, long bandwidthBytesPerSec, boolean autoConverge, boolean postCopy) {

  public static final MigrationOptions DEFAULTS =
      new MigrationOptions(Duration.ofMillis(300), 0, true, false);
}
