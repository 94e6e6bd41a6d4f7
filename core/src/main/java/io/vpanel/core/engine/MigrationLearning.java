package io.vpanel.core.engine;

import io.vpanel.core.journal.LearnedLink;
import io.vpanel.core.plan.LinkModel;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.MigrationStats;
import io.vpanel.spi.hypervisor.VmInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the engine has learned of each host's migrations from the hypervisor's own job statistics,
 * fed to the planner instead of the constants the simulator was calibrated with (owner thread
 * only):
 *
 * <ul>
 *   <li><b>set-up time</b>: the part of a migration's time that is not its transfer (request,
 *       destination start, switch-over), {@code took - bytesSent / bandwidth};
 *   <li><b>per-connection rate</b>: a migration's bandwidth over its connections, from migrations
 *       that sent alone (nothing else from the host in flight);
 *   <li><b>link rate</b>: what the host's migrations sent in all over a busy period (from the first
 *       start after a moment it sent nothing to the next such moment), per second that at least one
 *       of them was sending (set-ups, which the model counts on their own, left out): the rate the
 *       link really carried, a CPU-starved migration thread included, never a sum of the rate
 *       estimates of migrations in flight (those overshoot: on the real-QEMU bed they added up to
 *       93 MiB/s on a 48 MiB/s link);
 *   <li><b>first-pass ratio</b>: wire bytes per byte of memory of the host's migrations of guests
 *       that dirtied nothing (zero pages are skipped: an idle guest sends far less than its
 *       memory);
 *   <li><b>zstd's ratio</b>: wire bytes per byte of memory of the host's zstd migrations (re-sends
 *       included);
 *   <li><b>XBZRLE's resend ratio</b>: of a guest that dirtied memory while XBZRLE moved it, the
 *       wire bytes beyond its first pass per byte it dirtied over the transfer, {@code (bytesSent -
 *       memory) / (dirtyRate * transfer)}: about 0.3 for a guest that changes a few words of a
 *       page, near 1 for one that rewrites whole pages (memtest, whose paced guest took 9-17 rounds
 *       on the real-QEMU bed where the assumed 0.3 predicted it would converge);
 *   <li><b>throttled share</b>: of a guest that dirtied faster than pre-copy could send (so
 *       auto-converge throttled it), the share of what it sent that was re-sends, {@code 1 - memory
 *       / bytesSent}, overall, per guest and per number of migrations in flight beside it (the mean
 *       of the guests' own at that number; less bandwidth each, longer throttling: on the real-QEMU
 *       bed about 0.85 alone and 0.88 two at a time, which added a fifth to the bytes sent of an
 *       evacuation two at a time; {@link LinkModel#throttledShare(int)} says how a number never
 *       measured is priced), and per guest ({@link LinkModel#throttledShare(String, int)}: a guest
 *       that writes a little faster than its bandwidth re-sends far less than one that writes ten
 *       times faster);
 *   <li><b>dirty rates</b>: the highest rate each guest dirtied memory at while it moved, used
 *       where the driver's inventory samples less (or nothing).
 * </ul>
 *
 * Each number is an exponentially weighted mean ({@link #WEIGHT} on the newest sample), so a link
 * that changes is followed within a few evacuations. A value never measured keeps the driver's
 * declared one. What was learned of a host outlives a restart of the agent: {@link #changed} hands
 * it to the journal, {@link #restore} takes it back (all but the dirty rates).
 */
final class MigrationLearning {
  /** Weight of the newest sample in each mean. */
  static final double WEIGHT = 0.5;

  /** The least a migration must send for its rate to count as a sample of the link. */
  static final long MIN_RATE_BYTES = 16L << 20;

  /** Guests remembered per engine (the oldest is forgotten first). */
  static final int MAX_GUESTS = LearnedLink.MAX_GUESTS;

  private static final class Learned {
    double setupSeconds = -1;
    double perConnection = -1;
    double link = -1;
    double zstdWireRatio = -1;
    double firstPassRatio = -1;
    double throttledShare = -1;
    final Map<String, Map<Integer, Double>> throttledByGuest = lru();
    double xbzrleResendRatio = -1;
    int samples;
  }

  /** When one migration was sending: from the end of its set-up to its end. */
  private record Sending(Instant from, Instant to) {}

  /** What a host's migrations sent since it last sent nothing, and when they were sending. */
  private static final class BusyPeriod {
    final List<Sending> sending = new ArrayList<>();
    long bytes;

    /** The time at least one migration was sending (the union of their transfers). */
    double sendingSeconds() {
      sending.sort(Comparator.comparing(Sending::from));
      Duration total = Duration.ZERO;
      Sending merged = null;
      for (Sending next : sending) {
        if (merged == null || next.from().isAfter(merged.to())) {
          if (merged != null) {
            total = total.plus(Duration.between(merged.from(), merged.to()));
          }
          merged = next;
        } else if (next.to().isAfter(merged.to())) {
          merged = new Sending(merged.from(), next.to());
        }
      }
      if (merged != null) {
        total = total.plus(Duration.between(merged.from(), merged.to()));
      }
      return total.toNanos() / 1e9;
    }
  }

  /** The lowest XBZRLE resend ratio learned (a guest that dirtied pages back to what they were). */
  static final double MIN_XBZRLE_RESEND_RATIO = 0.01;

  /** The most migrations in flight the throttled share is kept apart for (more count as this). */
  static final int MAX_IN_FLIGHT = LearnedLink.MAX_IN_FLIGHT;

  /** The highest throttled share learned: a guest whose re-sends take it all never converges. */
  static final double MAX_THROTTLED_SHARE = LinkModel.MAX_THROTTLED_SHARE;

  private final Map<String, Learned> hosts = new HashMap<>();

  /** Hosts whose learned link changed since {@link #changed} last handed it out. */
  private final Set<String> changed = new HashSet<>();

  private final Map<String, BusyPeriod> busy = new HashMap<>();
  private final Map<String, Long> dirtyRates = lru();

  /** A map of guests that forgets the one least recently used beyond {@link #MAX_GUESTS}. */
  private static <V> Map<String, V> lru() {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > MAX_GUESTS;
      }
    };
  }

  /** A migration from {@code source} started: a busy period opens if none is. */
  void started(String source) {
    busy.computeIfAbsent(source, s -> new BusyPeriod());
  }

  /** A migration from {@code source} ended after {@code took}. */
  void finished(String source, Batch.Run run, MigrationOutcome outcome, Duration took) {
    MigrationStats stats = outcome.stats();
    BusyPeriod period = busy.get(source);
    if (period != null && outcome.bytesSent() > 0) {
      // it sent from the end of its set-up (the whole run when the driver did not say) to its end
      Instant end = run.startedAt.plus(took);
      Instant from = stats.measured() ? end.minus(stats.transfer()) : run.startedAt;
      period.bytes += outcome.bytesSent();
      period.sending.add(new Sending(from.isBefore(run.startedAt) ? run.startedAt : from, end));
    }
    if (stats.dirtyRateBytesPerSec() > 0) {
      dirtyRates.put(run.item.vm.uuid(), stats.dirtyRateBytesPerSec());
    }
    if (!outcome.succeeded() || !stats.measured() || outcome.bytesSent() <= 0) {
      return;
    }
    Learned learned = hosts.computeIfAbsent(source, s -> new Learned());
    changed.add(source);
    double transfer = (double) outcome.bytesSent() / stats.bandwidthBytesPerSec();
    double setup = Math.max(0, took.toNanos() / 1e9 - transfer);
    learned.setupSeconds = mean(learned.setupSeconds, setup);
    if (run.mostInFlight <= 1 && measurable(outcome)) {
      int connections = run.options == null ? 1 : run.options.parallelConnections();
      learned.perConnection =
          mean(learned.perConnection, stats.bandwidthBytesPerSec() / (double) connections);
    }
    long memory = run.item.vm.memoryBytes();
    if (memory > 0) {
      double ratio = Math.max(0.001, Math.min(2.0, (double) outcome.bytesSent() / memory));
      if (stats.used().contains(MigrationFeature.ZSTD)) {
        learned.zstdWireRatio = mean(learned.zstdWireRatio, ratio);
      } else if (quiet(stats, run.item.vm)) {
        learned.firstPassRatio = mean(learned.firstPassRatio, Math.min(1.0, ratio));
      } else if (xbzrleResent(stats, run.item.vm, outcome.bytesSent(), memory)) {
        // what it sent beyond its memory (a guest that writes has filled it: its first pass is
        // all of it) was XBZRLE's encoding of what it dirtied over the transfer
        long dirty = dirtyRate(stats, run.item.vm);
        double seconds =
            stats.transfer().isPositive() ? stats.transfer().toNanos() / 1e9 : transfer;
        double resend = (outcome.bytesSent() - memory) / (dirty * seconds);
        learned.xbzrleResendRatio =
            mean(
                learned.xbzrleResendRatio,
                Math.max(MIN_XBZRLE_RESEND_RATIO, Math.min(1.0, resend)));
      } else if (throttled(stats, run.item.vm) && outcome.bytesSent() > memory) {
        // the bytes beyond the guest's memory were re-sends: their share of all it sent is the
        // share of its bandwidth they took
        double share = Math.min(MAX_THROTTLED_SHARE, 1 - (double) memory / outcome.bytesSent());
        learned.throttledShare = mean(learned.throttledShare, share);
        // and of this guest at the number of migrations it shared the link with at most: how much
        // it re-sends depends on how it writes
        int inFlight = Math.max(1, Math.min(MAX_IN_FLIGHT, run.mostInFlight));
        Map<Integer, Double> own =
            learned.throttledByGuest.computeIfAbsent(run.item.vm.uuid(), g -> new TreeMap<>());
        own.put(inFlight, mean(own.getOrDefault(inFlight, -1.0), share));
      }
    }
    learned.samples++;
  }

  /**
   * Whether a migration sent enough for its rate to say something of the link: at least {@link
   * #MIN_RATE_BYTES} over at least a second. An idle guest whose hypervisor skips its zero pages
   * sends well under a MiB in a fraction of a second, and that "rate" is its set-up, not the link
   * (on the real-QEMU bed it taught 4 MiB/s per connection of a 48 MiB/s link).
   */
  private static boolean measurable(MigrationOutcome outcome) {
    MigrationStats stats = outcome.stats();
    return outcome.bytesSent() >= MIN_RATE_BYTES && stats.transfer().toMillis() >= 1000;
  }

  /** How fast the guest dirtied: the migration's own figure or the planned one, the higher. */
  private static long dirtyRate(MigrationStats stats, VmInfo vm) {
    return Math.max(stats.dirtyRateBytesPerSec(), vm.dirtyRateBytesPerSec());
  }

  /**
   * Whether a migration re-sent (almost) nothing: its guest dirtied under 1% of the bandwidth, so
   * what it sent is its first pass.
   */
  private static boolean quiet(MigrationStats stats, VmInfo vm) {
    long dirty = dirtyRate(stats, vm);
    return dirty * 100 < stats.bandwidthBytesPerSec();
  }

  /**
   * Whether a guest dirtied faster than its migration sent, uncompressed and pre-copy all the way:
   * it converged only because auto-converge throttled it, and what it sent beyond its memory says
   * how much of its bandwidth the re-sends took.
   */
  private static boolean throttled(MigrationStats stats, VmInfo vm) {
    long dirty = dirtyRate(stats, vm);
    return dirty > stats.bandwidthBytesPerSec()
        && !stats.used().contains(MigrationFeature.POST_COPY)
        && !stats.used().contains(MigrationFeature.XBZRLE)
        && !stats.used().contains(MigrationFeature.ZSTD);
  }

  /**
   * Whether an XBZRLE migration of a guest that dirtied memory, pre-copy all the way, sent more
   * than its memory: the excess is its re-sends (an idle guest's zero pages make it send less, and
   * that says nothing of the encoding).
   */
  private static boolean xbzrleResent(MigrationStats stats, VmInfo vm, long sent, long memory) {
    long dirty = dirtyRate(stats, vm);
    return stats.used().contains(MigrationFeature.XBZRLE)
        && !stats.used().contains(MigrationFeature.POST_COPY)
        && dirty > 0
        && sent > memory;
  }

  /**
   * No migration runs from {@code source} any more: what its busy period sent per second of sending
   * is one sample of its link, when it sent at least {@link #MIN_RATE_BYTES} over at least a
   * second.
   */
  void idle(String source) {
    BusyPeriod period = busy.remove(source);
    if (period == null) {
      return;
    }
    double seconds = period.sendingSeconds();
    if (period.bytes >= MIN_RATE_BYTES && seconds >= 1) {
      Learned learned = hosts.computeIfAbsent(source, s -> new Learned());
      learned.link = mean(learned.link, period.bytes / seconds);
      changed.add(source);
    }
  }

  /**
   * What was learned of {@code host}, when it changed since the last call for it: for the journal,
   * which keeps it across a restart ({@link #restore}). Empty when nothing changed (or what was
   * learned is out of what a record may hold, which the journal could not take back either).
   */
  Optional<LearnedLink> changed(String host) {
    if (!changed.remove(host)) {
      return Optional.empty();
    }
    Learned learned = hosts.get(host);
    try {
      return Optional.of(
          new LearnedLink(
              host,
              learned.setupSeconds,
              learned.perConnection,
              learned.link,
              learned.zstdWireRatio,
              learned.firstPassRatio,
              learned.throttledShare,
              learned.throttledByGuest,
              learned.xbzrleResendRatio,
              learned.samples));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * Takes back what an earlier run of the agent learned of a host (the journal's {@link
   * LearnedLink}), before this run's migrations add to it.
   */
  void restore(LearnedLink saved) {
    Learned learned = new Learned();
    learned.setupSeconds = saved.setupSeconds();
    learned.perConnection = saved.perConnectionBytesPerSec();
    learned.link = saved.linkBytesPerSec();
    learned.zstdWireRatio = saved.zstdWireRatio();
    learned.firstPassRatio = saved.firstPassRatio();
    learned.throttledShare = saved.throttledShare();
    saved
        .throttledShareByGuest()
        .forEach((guest, shares) -> learned.throttledByGuest.put(guest, new TreeMap<>(shares)));
    learned.xbzrleResendRatio = saved.xbzrleResendRatio();
    learned.samples = saved.samples();
    hosts.put(saved.host(), learned);
  }

  /** A migration's progress report: its dirty rate, when the driver reports one. */
  void progressed(String uuid, MigrationProgress progress) {
    if (progress.dirtyRateBytesPerSec() > 0) {
      dirtyRates.merge(uuid, progress.dirtyRateBytesPerSec(), Math::max);
    }
  }

  /**
   * The link of {@code host} as learned, each value not yet measured taken from {@code declared}.
   */
  LinkModel link(String host, HostCapacity declared) {
    LinkModel base = LinkModel.declared(declared);
    Learned learned = hosts.get(host);
    if (learned == null) {
      return base;
    }
    long perConnection =
        learned.perConnection > 0 ? (long) learned.perConnection : base.streamBytesPerSec();
    long link = learned.link > 0 ? (long) learned.link : base.nicBytesPerSec();
    // The link carries at least what one migration was seen to get.
    link = Math.max(link, learned.perConnection > 0 ? perConnection : 0);
    double setup = learned.setupSeconds >= 0 ? learned.setupSeconds : base.setupSeconds();
    return new LinkModel(
        Math.max(1, link),
        Math.max(1, perConnection),
        setup,
        learned.samples > 0,
        learned.zstdWireRatio > 0 ? learned.zstdWireRatio : base.zstdWireRatio(),
        learned.firstPassRatio > 0 ? learned.firstPassRatio : base.firstPassRatio(),
        learned.throttledShare >= 0 ? learned.throttledShare : base.throttledShare(),
        throttledByInFlight(learned),
        learned.xbzrleResendRatio > 0 ? learned.xbzrleResendRatio : base.xbzrleResendRatio(),
        learned.throttledByGuest);
  }

  /**
   * The host's throttled share per number in flight: the mean of its guests' own at that number,
   * each guest counted once (a mean over samples in the order they came would be the last guest's
   * half: on the real-QEMU bed a paced guest that finished last after two memtest guests put the
   * host at 0.66 where the memtest guests re-sent 0.85 of what they sent).
   */
  private static Map<Integer, Double> throttledByInFlight(Learned learned) {
    Map<Integer, double[]> sums = new TreeMap<>();
    for (Map<Integer, Double> own : learned.throttledByGuest.values()) {
      own.forEach(
          (n, share) -> {
            double[] sum = sums.computeIfAbsent(n, k -> new double[2]);
            sum[0] += share;
            sum[1]++;
          });
    }
    Map<Integer, Double> means = new TreeMap<>();
    sums.forEach((n, sum) -> means.put(n, sum[0] / sum[1]));
    return means;
  }

  /**
   * {@code vm} with the larger of the driver's dirty rate and the one learned while it last moved:
   * a one-second sample can catch a guest between two bursts of writing (the bench's paced memtest
   * guest sampled 2 MiB/s between phases of 30-38, and the plan took it for a quiet guest: 37.2 s
   * predicted, 55.1 s measured), and a migration lasts long enough to see the next burst.
   */
  VmInfo withLearnedDirtyRate(VmInfo vm) {
    Long learned = dirtyRates.get(vm.uuid());
    return learned == null || learned <= vm.dirtyRateBytesPerSec() ? vm : vm.withDirtyRate(learned);
  }

  private static double mean(double old, double sample) {
    return old < 0 ? sample : (1 - WEIGHT) * old + WEIGHT * sample;
  }
}
