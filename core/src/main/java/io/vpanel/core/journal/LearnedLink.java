package io.vpanel.core.journal;

import io.vpanel.core.plan.LinkModel;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the engine learned of one host's migrations from the hypervisor's job statistics, kept by
 * the journal so that an agent restarted (an upgrade, a crash) plans its next evacuation with it
 * instead of the driver's declared link. Every figure is -1 until measured; one read back from a
 * file is checked as it is made, and one out of its range refuses the whole record (the journal
 * then starts that host afresh) rather than reaching the planner.
 *
 * @param host the source host
 * @param setupSeconds a migration's set-up time
 * @param perConnectionBytesPerSec what one connection gets
 * @param linkBytesPerSec what the host's migrations got together
 * @param zstdWireRatio wire bytes per byte of memory of zstd migrations
 * @param firstPassRatio wire bytes per byte of memory of a quiet guest's first pass
 * @param throttledShare the share of a throttled guest's bytes that were re-sends, overall
 * @param throttledShareByGuest the same per guest (uuid) by the number of migrations in flight
 * @param xbzrleResendRatio wire bytes per dirtied byte of XBZRLE migrations
 * @param samples the migrations learned from
 */
public record LearnedLink(
    String host,
    double setupSeconds,
    double perConnectionBytesPerSec,
    double linkBytesPerSec,
    double zstdWireRatio,
    double firstPassRatio,
    double throttledShare,
    Map<String, Map<Integer, Double>> throttledShareByGuest,
    double xbzrleResendRatio,
    int samples) {

  /** The most guests one record keeps (as the engine keeps in memory). */
  public static final int MAX_GUESTS = 10_000;

  /** The most migrations in flight a share is kept apart for. */
  public static final int MAX_IN_FLIGHT = 16;

  public LearnedLink {
    Objects.requireNonNull(host, "host");
    check("setupSeconds", setupSeconds, 0, 1e7);
    check("perConnectionBytesPerSec", perConnectionBytesPerSec, Double.MIN_VALUE, 1e15);
    check("linkBytesPerSec", linkBytesPerSec, Double.MIN_VALUE, 1e15);
    check("zstdWireRatio", zstdWireRatio, 1e-3, 2);
    check("firstPassRatio", firstPassRatio, 1e-3, 1);
    check("throttledShare", throttledShare, 0, LinkModel.MAX_THROTTLED_SHARE);
    check("xbzrleResendRatio", xbzrleResendRatio, 1e-3, 1);
    if (samples < 0) {
      throw new IllegalArgumentException("samples must be 0 or more, was " + samples);
    }
    Objects.requireNonNull(throttledShareByGuest, "throttledShareByGuest");
    if (throttledShareByGuest.size() > MAX_GUESTS) {
      throw new IllegalArgumentException(
          "throttledShareByGuest holds at most " + MAX_GUESTS + " guests");
    }
    Map<String, Map<Integer, Double>> guests = new TreeMap<>();
    throttledShareByGuest.forEach(
        (guest, shares) -> {
          Objects.requireNonNull(guest, "guest");
          Map<Integer, Double> own = new TreeMap<>();
          shares.forEach(
              (inFlight, share) -> {
                if (inFlight == null || inFlight < 1 || inFlight > MAX_IN_FLIGHT) {
                  throw new IllegalArgumentException(
                      "a throttled share's number in flight must be 1-"
                          + MAX_IN_FLIGHT
                          + ", was "
                          + inFlight);
                }
                if (share == null || !(share >= 0 && share <= LinkModel.MAX_THROTTLED_SHARE)) {
                  throw new IllegalArgumentException(
                      "a throttled share must be 0-"
                          + LinkModel.MAX_THROTTLED_SHARE
                          + ": "
                          + share);
                }
                own.put(inFlight, share);
              });
          guests.put(guest, Map.copyOf(own));
        });
    throttledShareByGuest = Map.copyOf(guests);
  }

  /** -1 (not measured), or a finite value within {@code [low, high]}. */
  private static void check(String name, double value, double low, double high) {
    if (value == -1) {
      return;
    }
    if (!(value >= low && value <= high)) {
      throw new IllegalArgumentException(
          name + " must be -1 (not measured) or " + low + "-" + high + ", was " + value);
    }
  }
}
