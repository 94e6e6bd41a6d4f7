package io.vpanel.core.plan;

import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import java.util.List;

/**
 * Decides how many migrations run at once, from the link's bandwidth and the guests' sizes and
 * dirty rates, instead of a fixed number the operator must tune.
 *
 * <p>Every concurrency from 1 to {@link #MAX_CONCURRENCY} is tried on the {@link MakespanModel} and
 * the fastest wins; a higher one must be at least {@link #MIN_GAIN} faster to be chosen, since
 * every extra stream costs the host a CPU and the guests more throttling. Idle guests end up
 * sharing the link in parallel (nothing is re-sent, and the tail is short); busy ones run a few at
 * a time at full stream speed so each converges quickly.
 */
public final class ConcurrencyPolicy {
  /** The most migrations one host sends at once. */
  public static final int MAX_CONCURRENCY = 16;

  /** A higher concurrency is chosen only when it predicts at least this much less time. */
  static final double MIN_GAIN = 0.01;

  private ConcurrencyPolicy() {}

  /**
   * The most streams it takes to fill a link of {@code nic} with streams capped at {@code stream}.
   */
  public static int saturatingStreams(long nicBytesPerSec, long streamBytesPerSec) {
    long streams = (nicBytesPerSec + streamBytesPerSec - 1) / streamBytesPerSec;
    return (int) Math.max(1, Math.min(64, streams));
  }

  /** The bandwidth each of {@code streams} migrations gets on one link. */
  public static long share(long nicBytesPerSec, long streamBytesPerSec, int streams) {
    return Math.min(streamBytesPerSec, nicBytesPerSec / Math.max(1, streams));
  }

  /**
   * The concurrency with the shortest predicted makespan for moving {@code vms} over the link of
   * {@code capacity}; 0 when there is nothing to move.
   */
  public static int choose(List<VmInfo> vms, HostCapacity capacity) {
    if (vms.isEmpty()) {
      return 0;
    }
    List<MakespanModel.Guest> guests =
        vms.stream()
            .sorted(EvacuationPlanner.LARGEST_FIRST)
            .map(vm -> new MakespanModel.Guest(vm.memoryBytes(), vm.dirtyRateBytesPerSec()))
            .toList();
    int best = 1;
    double bestSeconds =
        MakespanModel.predictSeconds(
            guests, capacity.nicBytesPerSec(), capacity.streamBytesPerSec(), 1);
    for (int c = 2; c <= Math.min(MAX_CONCURRENCY, vms.size()); c++) {
      double seconds =
          MakespanModel.predictSeconds(
              guests, capacity.nicBytesPerSec(), capacity.streamBytesPerSec(), c);
      if (seconds < bestSeconds * (1 - MIN_GAIN)) {
        best = c;
        bestSeconds = seconds;
      }
    }
    return best;
  }
}
