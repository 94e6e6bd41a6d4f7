package io.vpanel.core.plan;

import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.VmInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
   * What the planner chose for moving a set of guests.
   *
   * @param concurrency migrations at once at the start, 0 when there is nothing to move
   * @param options each guest's migration options, by uuid
   * @param predictedSeconds the model's makespan for it
   */
  public record Choice(
      int concurrency, Map<String, MigrationOptions> options, double predictedSeconds) {
    public Choice {
      options = Map.copyOf(options);
    }
  }

  /**
   * The concurrency with the shortest predicted makespan for moving {@code vms} over the link of
   * {@code capacity}, without migration features; 0 when there is nothing to move.
   */
  public static int choose(List<VmInfo> vms, HostCapacity capacity) {
    return choose(vms, LinkModel.declared(capacity), Set.of(), MigrationOptions.DEFAULTS)
        .concurrency();
  }

  /**
   * The concurrency, and each guest's features at it, with the shortest predicted makespan for
   * moving {@code vms} over {@code link}. For every concurrency the guests' features are chosen by
   * {@link MigrationFeaturePolicy} for the share of the link they would get at it.
   */
  public static Choice choose(
      List<VmInfo> vms, LinkModel link, Set<MigrationFeature> usable, MigrationOptions base) {
    if (vms.isEmpty()) {
      return new Choice(0, Map.of(), 0);
    }
    List<VmInfo> ordered = vms.stream().sorted(EvacuationPlanner.LARGEST_FIRST).toList();
    Choice best = null;
    for (int c = 1; c <= Math.min(MAX_CONCURRENCY, vms.size()); c++) {
      Map<String, MigrationOptions> options = new LinkedHashMap<>();
      List<MakespanModel.Guest> guests = new ArrayList<>();
      for (VmInfo vm : ordered) {
        MigrationOptions chosen = MigrationFeaturePolicy.choose(vm, link, c, usable, base);
        options.put(vm.uuid(), chosen);
        guests.add(MigrationFeaturePolicy.guest(vm, chosen, link));
      }
      double seconds = MakespanModel.predictSeconds(guests, link, c);
      if (best == null || seconds < best.predictedSeconds() * (1 - MIN_GAIN)) {
        best = new Choice(c, options, seconds);
      }
    }
    return best;
  }
}
