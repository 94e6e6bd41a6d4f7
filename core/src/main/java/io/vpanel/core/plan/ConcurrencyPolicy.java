package io.vpanel.core.plan;

/**
 * Decides how many migrations may run at once, from bandwidth and the guests' sizes and dirty
 * rates, instead of a fixed number the operator must tune.
 *
 * <p>Two rules. More streams than it takes to fill the NIC only split the same bandwidth into
 * slower streams, and a slower stream re-sends more of a busy guest's memory; so no more than
 * {@code ceil(nic / stream)}. And a guest whose share of the link is not well above its dirty rate
 * may never converge; so a further migration starts only while every running one (and the new one)
 * would still get {@link #CONVERGENCE_MARGIN} times its dirty rate.
 */
public final class ConcurrencyPolicy {
  /** A share of bandwidth below this multiple of a guest's dirty rate risks non-convergence. */
  public static final double CONVERGENCE_MARGIN = 2.0;

  private ConcurrencyPolicy() {}

  /**
   * The most streams worth running on a link of {@code nic} with streams capped at {@code stream}.
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
   * True when one more migration may start on a link already carrying {@code running} migrations
   * whose highest dirty rate is {@code maxRunningDirty}, for a guest dirtying {@code newDirty}.
   */
  public static boolean mayStart(
      long nicBytesPerSec,
      long streamBytesPerSec,
      int running,
      long maxRunningDirty,
      long newDirty) {
    if (running == 0) {
      return true;
    }
    if (running + 1 > saturatingStreams(nicBytesPerSec, streamBytesPerSec)) {
      return false;
    }
    long shareAfter = share(nicBytesPerSec, streamBytesPerSec, running + 1);
    return shareAfter >= CONVERGENCE_MARGIN * Math.max(maxRunningDirty, newDirty);
  }

  /** How many of the planned moves (largest first) would run at once at the start. */
  public static int initialConcurrency(long nicBytesPerSec, long streamBytesPerSec, Plan plan) {
    int running = 0;
    long maxDirty = 0;
    for (Move move : plan.moves()) {
      long dirty = move.vm().dirtyRateBytesPerSec();
      if (!mayStart(nicBytesPerSec, streamBytesPerSec, running, maxDirty, dirty)) {
        break;
      }
      running++;
      maxDirty = Math.max(maxDirty, dirty);
    }
    return running;
  }
}
