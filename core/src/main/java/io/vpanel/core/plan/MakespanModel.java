package io.vpanel.core.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Predicts how long moving a set of guests takes at a given concurrency, with a fluid model of
 * pre-copy migration: the source link is shared equally by the streams in flight, each capped at
 * the per-stream rate; a guest's memory drains at its bandwidth minus what it dirties
 * (auto-converge throttles a guest that dirties faster than {@link #THROTTLED_SHARE} of its
 * bandwidth); and every migration holds its slot for a fixed {@link #SETUP_SECONDS} beyond its
 * transfer (setup, the final stop-and-copy, switch-over). Guests start largest first.
 *
 * <p>It is a model, not the simulator: good enough to rank concurrencies, which is all the planner
 * asks of it.
 */
public final class MakespanModel {
  /** Auto-converge keeps a guest's effective dirty rate below this share of its bandwidth. */
  static final double THROTTLED_SHARE = 0.6;

  /**
   * Time a migration holds a slot without moving memory: setup, the last round's tail, the
   * switch-over. Measured on the simulator (about one 100 ms tick); what a real hypervisor adds is
   * measured by its driver's benchmarks.
   */
  static final double SETUP_SECONDS = 0.1;

  private MakespanModel() {}

  /** One guest: memory and dirty rate. */
  public record Guest(long memoryBytes, long dirtyRateBytesPerSec) {}

  private static final class Flight {
    double remaining;
    final double dirty;
    double setupLeft;

    Flight(Guest guest, double setupSeconds) {
      setupLeft = setupSeconds;
      remaining = guest.memoryBytes();
      dirty = guest.dirtyRateBytesPerSec();
    }

    boolean transferring() {
      return remaining > 0;
    }
  }

  /** Predicted seconds to move {@code guests} (largest first) at {@code concurrency}. */
  public static double predictSeconds(
      List<Guest> guests, long nicBytesPerSec, long streamBytesPerSec, int concurrency) {
    return predictSeconds(guests, nicBytesPerSec, streamBytesPerSec, concurrency, SETUP_SECONDS);
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
    if (!(setupSeconds >= 0) || concurrency < 1) {
      throw new IllegalArgumentException("setupSeconds >= 0 and concurrency >= 1 required");
    }
    Deque<Guest> queue = new ArrayDeque<>(guests);
    List<Flight> flying = new ArrayList<>();
    double now = 0;
    while (!queue.isEmpty() || !flying.isEmpty()) {
      while (flying.size() < concurrency && !queue.isEmpty()) {
        flying.add(new Flight(queue.poll(), setupSeconds));
      }
      long transferring = flying.stream().filter(Flight::transferring).count();
      double bandwidth =
          transferring == 0
              ? 0
              : Math.min(streamBytesPerSec, nicBytesPerSec / (double) transferring);
      double step = Double.MAX_VALUE;
      for (Flight flight : flying) {
        step =
            Math.min(
                step,
                flight.transferring()
                    ? flight.remaining / netRate(bandwidth, flight.dirty)
                    : flight.setupLeft);
      }
      now += step;
      for (Flight flight : flying) {
        if (flight.transferring()) {
          flight.remaining -= netRate(bandwidth, flight.dirty) * step;
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

  private static double netRate(double bandwidth, double dirty) {
    return bandwidth - Math.min(dirty, THROTTLED_SHARE * bandwidth);
  }
}
