package io.vpanel.core.plan;

import io.vpanel.spi.hypervisor.HostCapacity;
import java.util.Comparator;
import java.util.HashMap;
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
 * @param throttledShareByGuest the throttled share of each of the host's guests that was throttled,
 *     by the number of migrations in flight it was measured at: how much a throttled guest re-sends
 *     depends on how much faster than its bandwidth it writes (on the real-QEMU bed a memtest guest
 *     re-sent about 7 times its memory two at a time, a guest paced at 30-38 MiB/s about once, and
 *     a mean of both priced the memtest guests at half their re-sends); empty until measured
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
    double xbzrleResendRatio,
    Map<String, Map<Integer, Double>> throttledShareByGuest) {

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
        MakespanModel.XBZRLE_RESEND_RATIO,
        Map.of());
  }

  /** A link with nothing learned of single guests. */
  public LinkModel(
      long nicBytesPerSec,
      long streamBytesPerSec,
      double setupSeconds,
      boolean learned,
      double zstdWireRatio,
      double firstPassRatio,
      double throttledShare,
      Map<Integer, Double> throttledShareByInFlight,
      double xbzrleResendRatio) {
    this(
        nicBytesPerSec,
        streamBytesPerSec,
        setupSeconds,
        learned,
        zstdWireRatio,
        firstPassRatio,
        throttledShare,
        throttledShareByInFlight,
        xbzrleResendRatio,
        Map.of());
  }

  public LinkModel {
    throttledShareByInFlight = checkedShares(throttledShareByInFlight);
    Map<String, Map<Integer, Double>> guests = new HashMap<>();
    throttledShareByGuest.forEach((guest, shares) -> guests.put(guest, checkedShares(shares)));
    throttledShareByGuest = Map.copyOf(guests);
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
   * between two measured numbers in flight and growing with the cube root of the number beyond them
   * (fitted on the real-QEMU bed, where r was 5.6, 7, 9.4 and 9 with 1, 2, 4 and 6 in flight, about
   * 5.6 n^0.3: less bandwidth each, longer throttling, but far from in proportion; a square root
   * priced 6 in flight at 13.7). {@link #throttledShare()} when none was measured.
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
      r = resent(nearest.getValue()) * Math.cbrt((double) n / nearest.getKey());
    }
    return Math.min(MAX_THROTTLED_SHARE, r / (1 + r));
  }

  /**
   * The throttled share of {@code guest} with {@code inFlight} migrations from the host at once:
   * its own as measured at that number; measured at another number, its own scaled as the host's
   * throttled guests change between the two ({@link #throttledShare(int)}); never measured, the
   * host's.
   */
  public double throttledShare(String guest, int inFlight) {
    Map<Integer, Double> own = throttledShareByGuest.getOrDefault(guest, Map.of());
    int n = Math.max(1, inFlight);
    if (own.isEmpty()) {
      return throttledShare(n);
    }
    Double exact = own.get(n);
    if (exact != null) {
      return exact;
    }
    // the measured number nearest to n (the smaller of two as near)
    int nearest =
        own.keySet().stream()
            .min(Comparator.comparingInt((Integer m) -> Math.abs(m - n)).thenComparing(m -> m))
            .orElseThrow();
    double scale = resent(throttledShare(n)) / Math.max(1e-9, resent(throttledShare(nearest)));
    double r = resent(own.get(nearest)) * scale;
    return Math.min(MAX_THROTTLED_SHARE, r / (1 + r));
  }

  /**
   * The link one of {@code concurrency} migrations at once gets for {@code guest}: its fair share
   * of the host's link, the guest's throttled share at that number fixed (nothing left to look up
   * by number or guest).
   */
  public LinkModel sharedBy(int concurrency, String guest) {
    return new LinkModel(
        Math.max(1, nicBytesPerSec / Math.max(1, concurrency)),
        streamBytesPerSec,
        setupSeconds,
        learned,
        zstdWireRatio,
        firstPassRatio,
        throttledShare(guest, concurrency),
        Map.of(),
        xbzrleResendRatio,
        Map.of());
  }

  private static Map<Integer, Double> checkedShares(Map<Integer, Double> shares) {
    for (Map.Entry<Integer, Double> e : shares.entrySet()) {
      if (e.getKey() < 1 || !(e.getValue() >= 0 && e.getValue() < 1)) {
        throw new IllegalArgumentException(
            "throttled shares need counts in flight >= 1 and shares in [0, 1): " + e);
      }
    }
    return Map.copyOf(shares);
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
