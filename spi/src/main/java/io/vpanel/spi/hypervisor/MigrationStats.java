package io.vpanel.spi.hypervisor;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * What the hypervisor's own job statistics say of one finished migration: the numbers the planner's
 * model learns from.
 *
 * @param setup from the request to the first bytes on the wire (connection, destination start)
 * @param transfer from the first bytes to the end (switch-over included)
 * @param bandwidthBytesPerSec the average rate the migration got while it sent (all connections)
 * @param dirtyRateBytesPerSec the highest rate the guest dirtied memory at while it moved, 0 when
 *     the hypervisor did not say
 * @param used the features the migration really ran with (after any fallback); a driver that can
 *     tell leaves out one that never acted (the simulator: auto-converge that never throttled,
 *     post-copy that never switched), libvirt lists what was switched on
 * @param fallback what the peer refused and what ran instead, empty when nothing was refused
 */
public record MigrationStats(
    Duration setup,
    Duration transfer,
    long bandwidthBytesPerSec,
    long dirtyRateBytesPerSec,
    Set<MigrationFeature> used,
    String fallback) {

  /** Nothing measured: what drivers without job statistics report. */
  public static final MigrationStats NONE =
      new MigrationStats(Duration.ZERO, Duration.ZERO, 0, 0, Set.of(), "");

  public MigrationStats {
    Objects.requireNonNull(setup, "setup");
    Objects.requireNonNull(transfer, "transfer");
    used = Set.copyOf(used);
    Objects.requireNonNull(fallback, "fallback");
    if (bandwidthBytesPerSec < 0 || dirtyRateBytesPerSec < 0) {
      throw new IllegalArgumentException("negative rate in migration stats");
    }
  }

  /** True when the hypervisor measured the migration (a driver without statistics says nothing). */
  public boolean measured() {
    return bandwidthBytesPerSec > 0;
  }
}
