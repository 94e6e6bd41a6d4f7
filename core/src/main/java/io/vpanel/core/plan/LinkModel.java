package io.vpanel.core.plan;

import io.vpanel.spi.hypervisor.HostCapacity;
import java.util.Map;
import java.util.TreeMap;

/**
 * The source host's migration link as the planner models it: declared by the driver, or learned
 * from the job statistics of earlier migrations ({@code MigrationLearning}).
 *
 * @param nicBytesPerSec what all migrations from the host get together
 * @param streamBytesPerSec what one migration connection gets on its own
 * @param setupSeconds how long a migration holds its slot beyond its transfer
 * @param learned true when the numbers come from measured migrations
 * @param zstdWireRatio wire bytes per byte of guest memory with zstd, as measured on this host's
 *     guests ({@link MakespanModel#ZSTD_WIRE_RATIO} until measured)
 * @param firstPassRatio wire bytes per byte of guest memory in an uncompressed first pass, as
 *     measured on this host's guests that dirtied nothing (a hypervisor skips zero pages: an idle
 *     guest sends far less than its memory); 1 until measured
 * @param throttledShare the share of a migration's bandwidth that re-sends of a guest that dirties
 *     faster than it sends take, throttled by auto-converge, as measured on this host ({@link
 *     MakespanModel#THROTTLED_SHARE} until measured)
 * @param throttledShareByInFlight the throttled share as measured with so many migrations from the
 *     host in flight at once (more in flight, less bandwidth each, longer throttling: on the
 *     real-QEMU bed about 0.85 alone and 0.88 two at a time); empty until measured
 * @param xbzrleResendRatio wire bytes per byte a guest dirtied while XBZRLE moved it, as measured
 *     on this host's XBZRLE migrations ({@link MakespanModel#XBZRLE_RESEND_RATIO} until measured):
 *     a guest that rewrites pages with new contents (memtest) defeats the delta encoding
 */
public record LinkModel(
    long nicBytesPerSec,
    long streamBytesPerSec,
    double setupSeconds,
    boolean learned,
    double zstdWireRatio,
    double firstPassRatio,
    double throttledShare,
    Map<Integer, Double> throttledShareByInFlight,
    double xbzrleResendRatio) {

  /** A link with the assumed ratios. */
  public LinkModel(
      long nicBytesPerSec, long streamBytesPerSec, double setupSeconds, boolean learned) {
    this(
        nicBytesPerSec,
        streamBytesPerSec,
        setupSeconds,
        learned,
        MakespanModel.ZSTD_WIRE_RATIO,
        1.0,
        MakespanModel.THROTTLED_SHARE,
        Map.of(),
        MakespanModel.XBZRLE_RESEND_RATIO);
  }

  public LinkModel {
    throttledShareByInFlight = Map.copyOf(throttledShareByInFlight);
    for (Map.Entry<Integer, Double> e : throttledShareByInFlight.entrySet()) {
      if (e.getKey() < 1 || !(e.getValue() >= 0 && e.getValue() < 1)) {
        throw new IllegalArgumentException(
            "throttled share by in flight needs counts >= 1 and shares in [0, 1): " + e);
      }
    }
    if (nicBytesPerSec <= 0
        || streamBytesPerSec <= 0
        || !(setupSeconds >= 0)
        || !(zstdWireRatio > 0)
        || !(firstPassRatio > 0)
        || !(throttledShare >= 0 && throttledShare < 1)
        || !(xbzrleResendRatio > 0)) {
      throw new IllegalArgumentException(
          "link needs bandwidths > 0 and setup >= 0: "
              + nicBytesPerSec
              + ", "
              + streamBytesPerSec
              + ", "
              + setupSeconds);
    }
  }

  /** The highest throttled share: a guest whose re-sends take it all never converges. */
  public static final double MAX_THROTTLED_SHARE = 0.95;

  /**
   * The throttled share with {@code inFlight} migrations from the host at once, from the ones
   * measured: in terms of re-sent bytes per byte of memory, {@code r = share / (1 - share)}, linear
   * between two measured numbers in flight and growing with the square root of the number beyond
   * them (fitted on the real-QEMU bed, where r was 5.6, 7, 9.4 and 9 with 1, 2, 4 and 6 in flight:
   * less bandwidth each, longer throttling, but not in proportion). {@link #throttledShare()} when
   * none was measured.
   */
  public double throttledShare(int inFlight) {
    if (throttledShareByInFlight.isEmpty()) {
      return throttledShare;
    }
    int n = Math.max(1, inFlight);
    TreeMap<Integer, Double> sorted = new TreeMap<>(throttledShareByInFlight);
    Map.Entry<Integer, Double> below = sorted.floorEntry(n);
    Map.Entry<Integer, Double> above = sorted.ceilingEntry(n);
    double r;
    if (below != null && below.getKey() == n) {
      return below.getValue();
    } else if (below != null && above != null) {
      double at = (double) (n - below.getKey()) / (above.getKey() - below.getKey());
      r = resent(below.getValue()) + at * (resent(above.getValue()) - resent(below.getValue()));
    } else {
      Map.Entry<Integer, Double> nearest = below != null ? below : above;
      r = resent(nearest.getValue()) * Math.sqrt((double) n / nearest.getKey());
    }
    return Math.min(MAX_THROTTLED_SHARE, r / (1 + r));
  }

  private static double resent(double share) {
    return share / (1 - share);
  }

  /** The link the driver declares, with the simulator's set-up time. */
  public static LinkModel declared(HostCapacity capacity) {
    return new LinkModel(
        capacity.nicBytesPerSec(),
        capacity.streamBytesPerSec(),
        MakespanModel.SETUP_SECONDS,
        false);
  }
}
