package io.vpanel.spi.hypervisor;

import java.time.Instant;

/**
 * One report on a running migration, from the hypervisor's job statistics.
 *
 * @param processedBytes bytes sent so far (rounds after the first re-send dirtied pages)
 * @param remainingBytes bytes the current round still has to send
 * @param totalBytes the guest's memory
 * @param dirtyRateBytesPerSec how fast the guest dirties memory now
 * @param round the pre-copy round, 0 for the first full pass
 * @param bandwidthBytesPerSec the rate the migration currently gets
 * @param at when this was measured
 * @param postCopy the guest has switched to post-copy: it runs on the destination and pulls the
 *     pages it lacks from the source; an abort or a failed link now loses it, so the engine no
 *     longer aborts the migration
 */
public record MigrationProgress(
    long processedBytes,
    long remainingBytes,
    long totalBytes,
    long dirtyRateBytesPerSec,
    int round,
    long bandwidthBytesPerSec,
    Instant at,
    boolean postCopy) {

  /** A report of a migration still in pre-copy. */
  public MigrationProgress(
      long processedBytes,
      long remainingBytes,
      long totalBytes,
      long dirtyRateBytesPerSec,
      int round,
      long bandwidthBytesPerSec,
      Instant at) {
    this(
        processedBytes,
        remainingBytes,
        totalBytes,
        dirtyRateBytesPerSec,
        round,
        bandwidthBytesPerSec,
        at,
        false);
  }
}
