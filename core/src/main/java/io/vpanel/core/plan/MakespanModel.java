package io.vpanel.core.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Predicts how long moving a set of guests takes at a given concurrency, with a fluid model of
 * pre-copy migration, in bytes on the wire:
 *
 * <ul>
 *   <li>the source link is shared max-min fairly by the migrations in flight, each capped at its
 *       own rate: the per-stream rate times its connections (multifd), and for compression the rate
 *       its CPU can compress at;
 *   <li>a guest's first pass costs {@link Guest#wireRatio()} wire bytes per byte of memory (1
 *       uncompressed, {@link #ZSTD_WIRE_RATIO} with zstd), and what it dirties is re-sent at {@link
 *       Guest#resendRatio()} (XBZRLE sends deltas: {@link #XBZRLE_RESEND_RATIO});
 *   <li>auto-converge throttles a guest whose re-sends would exceed {@link #THROTTLED_SHARE} of its
 *       bandwidth; a post-copy guest sends each page once (it switches to the destination when
 *       pre-copy does not converge, and what is left is pulled once);
 *   <li>every migration holds its slot for a set-up time beyond its transfer (setup, the final
 *       stop-and-copy, switch-over): the simulator's {@link #SETUP_SECONDS}, or what the driver's
 *       job statistics measured.
 * </ul>
 *
 * Guests start in the order given (the planner gives them largest first). It is a model, not the
 * simulator: good enough to rank concurrencies and feature sets, which is all the planner asks.
 */
public final class MakespanModel {
  /**
   * Auto-converge keeps a guest's effective re-send rate below this share of its bandwidth: the
   * assumption until a host's migrations measured their own ({@link LinkModel#throttledShare()}).
   */
  public static final double THROTTLED_SHARE = 0.6;

  /**
   * Time a migration holds a slot without moving memory: setup, the last round's tail, the
   * switch-over. Measured on the simulator (about one 100 ms tick); a real hypervisor's is learned
   * from its job statistics ({@link LinkModel#setupSeconds()}).
   */
  static final double SETUP_SECONDS = 0.1;

  /** Wire bytes per byte of guest memory with zstd: a conservative 2:1 on guest memory. */
  public static final double ZSTD_WIRE_RATIO = 0.5;

  /**
   * Wire bytes per re-sent byte with XBZRLE, assumed until a host's XBZRLE migrations measured
   * their own ({@link LinkModel#xbzrleResendRatio()}): a re-dirtied page mostly differs in a few
   * words.
   */
  public static final double XBZRLE_RESEND_RATIO = 0.3;

  /** Memory one zstd compression thread (one multifd connection) gets through per second. */
  public static final long ZSTD_BYTES_PER_SEC_PER_CONNECTION = 300_000_000L;

  /** Memory XBZRLE's single encoding thread gets through per second. */
  public static final long XBZRLE_BYTES_PER_SEC = 1_000_000_000L;

  private MakespanModel() {}

  /**
   * One guest and how it would move.
   *
   * @param memoryBytes its memory
   * @param dirtyRateBytesPerSec how fast it dirties memory
   * @param connections parallel connections (1: one stream, more: multifd)
   * @param wireRatio wire bytes per byte of memory in the first pass (1: uncompressed)
   * @param resendRatio wire bytes per re-sent dirtied byte (1: uncompressed)
   * @param memoryRateCap the most memory per second its compression gets through, 0 for no cap
   * @param postCopy it switches to post-copy rather than re-sending what it dirties
   * @param uuid the guest, to look up what its host learned of it ({@link
   *     LinkModel#throttledShare(String, int)}); empty for a guest nothing is known of
   */
  public record Guest(
      long memoryBytes,
      long dirtyRateBytesPerSec,
      int connections,
      double wireRatio,
      double resendRatio,
      long memoryRateCap,
      boolean postCopy,
      String uuid) {

    public Guest {
      if (connections < 1 || !(wireRatio > 0) || !(resendRatio > 0) || memoryRateCap < 0) {
        throw new IllegalArgumentException("connections >= 1, ratios > 0, cap >= 0 required");
      }
      Objects.requireNonNull(uuid, "uuid");
    }

    /** A single-stream, uncompressed pre-copy migration. */
    public Guest(long memoryBytes, long dirtyRateBytesPerSec) {
      this(memoryBytes, dirtyRateBytesPerSec, 1, 1.0, 1.0, 0, false, "");
    }
  }

  private static final class Flight {
    final Guest guest;
    final double throttledShare;
    double remaining; // wire bytes
    double setupLeft;
    double bandwidth;

    Flight(Guest guest, double setupSeconds, double throttledShare) {
      this.guest = guest;
      this.throttledShare = throttledShare;
      setupLeft = setupSeconds;
      remaining = guest.memoryBytes() * guest.wireRatio();
    }

    boolean transferring() {
      return remaining > 0;
    }

    double cap(long streamBytesPerSec) {
      double cap = (double) streamBytesPerSec * guest.connections();
      if (guest.memoryRateCap() > 0) {
        cap = Math.min(cap, guest.memoryRateCap() * guest.wireRatio());
      }
      return cap;
    }

    double netRate() {
      if (guest.postCopy()) {
        return bandwidth;
      }
      double resend = guest.dirtyRateBytesPerSec() * guest.resendRatio();
      return bandwidth - Math.min(resend, throttledShare * bandwidth);
    }
  }

  /** Predicted seconds to move {@code guests} (in the order given) at {@code concurrency}. */
  public static double predictSeconds(
      List<Guest> guests, long nicBytesPerSec, long streamBytesPerSec, int concurrency) {
    return predictSeconds(guests, nicBytesPerSec, streamBytesPerSec, concurrency, SETUP_SECONDS);
  }

  /**
   * The same over a learned or declared link, with each guest's throttled share for as many
   * migrations in flight as {@code concurrency} lets run at once (its own where the host learned
   * it, {@link LinkModel#throttledShare(String, int)}).
   */
  public static double predictSeconds(List<Guest> guests, LinkModel link, int concurrency) {
    int inFlight = Math.max(1, Math.min(concurrency, guests.size()));
    return predict(
        guests,
        link.nicBytesPerSec(),
        link.streamBytesPerSec(),
        concurrency,
        link.setupSeconds(),
        guest -> link.throttledShare(guest.uuid(), inFlight));
  }

  /**
   * The same with a measured per-migration set-up time (what a real hypervisor's job statistics
   * show) instead of the simulator's {@link #SETUP_SECONDS}.
   */
  public static double predictSeconds(
      List<Guest> guests,
      long nicBytesPerSec,
      long streamBytesPerSec,
      int concurrency,
      double setupSeconds) {
    return predict(
        guests, nicBytesPerSec, streamBytesPerSec, concurrency, setupSeconds, g -> THROTTLED_SHARE);
  }

  private static double predict(
      List<Guest> guests,
      long nicBytesPerSec,
      long streamBytesPerSec,
      int concurrency,
      double setupSeconds,
      ToDoubleFunction<Guest> throttledShare) {
    if (!(setupSeconds >= 0) || concurrency < 1) {
      throw new IllegalArgumentException("setupSeconds >= 0 and concurrency >= 1 required");
    }
    Deque<Guest> queue = new ArrayDeque<>(guests);
    List<Flight> flying = new ArrayList<>();
    double now = 0;
    while (!queue.isEmpty() || !flying.isEmpty()) {
      while (flying.size() < concurrency && !queue.isEmpty()) {
        Guest next = queue.poll();
        flying.add(new Flight(next, setupSeconds, throttledShare.applyAsDouble(next)));
      }
      share(flying, nicBytesPerSec, streamBytesPerSec);
      double step = Double.MAX_VALUE;
      for (Flight flight : flying) {
        step =
            Math.min(
                step,
                flight.transferring() ? flight.remaining / flight.netRate() : flight.setupLeft);
      }
      now += step;
      for (Flight flight : flying) {
        if (flight.transferring()) {
          flight.remaining -= flight.netRate() * step;
          if (flight.remaining < 1) {
            flight.remaining = 0;
          }
        } else {
          flight.setupLeft -= step;
        }
      }
      flying.removeIf(f -> !f.transferring() && f.setupLeft <= 1e-9);
    }
    return now;
  }

  /** Max-min fair shares of the link among the transferring flights, each up to its own cap. */
  private static void share(List<Flight> flying, long nicBytesPerSec, long streamBytesPerSec) {
    List<Flight> sending = new ArrayList<>(flying.stream().filter(Flight::transferring).toList());
    sending.sort(Comparator.comparingDouble(f -> f.cap(streamBytesPerSec)));
    double left = nicBytesPerSec;
    for (int i = 0; i < sending.size(); i++) {
      Flight flight = sending.get(i);
      double fair = left / (sending.size() - i);
      flight.bandwidth = Math.min(flight.cap(streamBytesPerSec), fair);
      left -= flight.bandwidth;
    }
  }
}
