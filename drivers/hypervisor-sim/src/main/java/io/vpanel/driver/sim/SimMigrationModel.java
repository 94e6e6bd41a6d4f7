package io.vpanel.driver.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * The constants of the simulator's migration features: set-up time, compression ratios and cost,
 * and when post-copy switches. The equations that use them are in the module's README.
 *
 * @param setup how long a migration holds its slot before it sends anything (connection,
 *     destination QEMU start)
 * @param xbzrleRatio how much smaller XBZRLE makes re-sent pages (rounds after the first)
 * @param zstdIdleRatio zstd's ratio on a guest that dirties at most {@link #IDLE_DIRTY_RATE}
 * @param zstdBusyRatio zstd's ratio on a guest that dirties at least {@link #BUSY_DIRTY_RATE};
 *     linear in between
 * @param zstdBytesPerSecPerConnection guest memory one multifd connection compresses per second
 *     (the CPU cost of zstd)
 * @param postCopyAfterRounds with post-copy on, the guest switches at the end of this many pre-copy
 *     rounds that did not fit in the downtime (or at the round limit if that comes first)
 */
public record SimMigrationModel(
    Duration setup,
    double xbzrleRatio,
    double zstdIdleRatio,
    double zstdBusyRatio,
    double zstdBytesPerSecPerConnection,
    int postCopyAfterRounds) {

  /** A guest dirtying at most this compresses at {@link #zstdIdleRatio}. */
  public static final long IDLE_DIRTY_RATE = 10 * Sizes.MIB;

  /** A guest dirtying at least this compresses at {@link #zstdBusyRatio}. */
  public static final long BUSY_DIRTY_RATE = 100 * Sizes.MIB;

  public SimMigrationModel {
    Objects.requireNonNull(setup, "setup");
    if (setup.isNegative()) {
      throw new IllegalArgumentException("setup must not be negative, was " + setup);
    }
    ratio("xbzrleRatio", xbzrleRatio);
    ratio("zstdRatio", zstdIdleRatio);
    ratio("zstdBusyRatio", zstdBusyRatio);
    if (!(zstdBytesPerSecPerConnection > 0)) {
      throw new IllegalArgumentException(
          "zstd throughput per connection must be positive, was " + zstdBytesPerSecPerConnection);
    }
    if (postCopyAfterRounds < 1) {
      throw new IllegalArgumentException(
          "postCopyAfterRounds must be at least 1, was " + postCopyAfterRounds);
    }
  }

  /** The model {@link SimSettings#defaults()} gives generated clusters. */
  public static SimMigrationModel defaults() {
    return new SimMigrationModel(
        Duration.ofMillis(SimSettings.DEFAULT_SETUP_MILLIS),
        SimSettings.DEFAULT_XBZRLE_RATIO,
        SimSettings.DEFAULT_ZSTD_RATIO,
        SimSettings.DEFAULT_ZSTD_BUSY_RATIO,
        Sizes.bytesPerSecond(SimSettings.DEFAULT_ZSTD_GBPS_PER_CONNECTION),
        SimSettings.DEFAULT_POST_COPY_AFTER_ROUNDS);
  }

  public SimMigrationModel withSetup(Duration newSetup) {
    return new SimMigrationModel(
        newSetup,
        xbzrleRatio,
        zstdIdleRatio,
        zstdBusyRatio,
        zstdBytesPerSecPerConnection,
        postCopyAfterRounds);
  }

  /**
   * How well zstd compresses a guest's memory: busy guests hold more fresh, high-entropy data.
   * {@code zstdIdleRatio} up to {@link #IDLE_DIRTY_RATE}, {@code zstdBusyRatio} from {@link
   * #BUSY_DIRTY_RATE}, linear in between.
   */
  public double zstdRatio(long dirtyRateBytesPerSec) {
    if (dirtyRateBytesPerSec <= IDLE_DIRTY_RATE) {
      return zstdIdleRatio;
    }
    if (dirtyRateBytesPerSec >= BUSY_DIRTY_RATE) {
      return zstdBusyRatio;
    }
    double share =
        (double) (dirtyRateBytesPerSec - IDLE_DIRTY_RATE) / (BUSY_DIRTY_RATE - IDLE_DIRTY_RATE);
    return zstdIdleRatio + (zstdBusyRatio - zstdIdleRatio) * share;
  }

  private static void ratio(String key, double value) {
    if (!(value >= 1 && value <= 100)) {
      throw new IllegalArgumentException(
          key + " must be between 1 and 100 (bytes in per byte on the wire), was " + value);
    }
  }
}
