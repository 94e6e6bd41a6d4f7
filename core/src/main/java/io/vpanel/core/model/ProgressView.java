package io.vpanel.core.model;

import java.util.Optional;

/**
 * Honest progress of an evacuation (or of the return of guests on exit).
 *
 * @param vmsTotal guests this run has to handle
 * @param vmsLeft guests not yet handled
 * @param bytesTotal memory of the guests to move
 * @param bytesLeft bytes still to send, by the hypervisor's own counters for moves in flight
 * @param etaSeconds estimate from the current bandwidth, empty when nothing moves
 * @param holdingUp the guest that will finish last, or that makes no progress
 * @param running migrations in flight now
 * @param concurrency the most the planner lets run at once now
 * @param failed guests that could not be handled
 * @param holdingUpFeatures the migration features of {@code holdingUp}'s move ({@code multifd x4,
 *     zstd}), empty when none or nothing holds up
 */
public record ProgressView(
    int vmsTotal,
    int vmsLeft,
    long bytesTotal,
    long bytesLeft,
    Optional<Double> etaSeconds,
    Optional<String> holdingUp,
    int running,
    int concurrency,
    int failed,
    Optional<String> holdingUpFeatures) {

  /** Progress without features of the guest holding up. */
  public ProgressView(
      int vmsTotal,
      int vmsLeft,
      long bytesTotal,
      long bytesLeft,
      Optional<Double> etaSeconds,
      Optional<String> holdingUp,
      int running,
      int concurrency,
      int failed) {
    this(
        vmsTotal,
        vmsLeft,
        bytesTotal,
        bytesLeft,
        etaSeconds,
        holdingUp,
        running,
        concurrency,
        failed,
        Optional.empty());
  }
}
