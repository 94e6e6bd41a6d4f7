package io.vpanel.core.engine;

import io.vpanel.core.plan.LinkModel;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.MigrationStats;
import io.vpanel.spi.hypervisor.VmInfo;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

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
 *   <li><b>link rate</b>: the highest total rate the host's migrations reached at once between two
 *       moments it sent nothing;
 *   <li><b>first-pass ratio</b>: wire bytes per byte of memory of the host's migrations of guests
 *       that dirtied nothing (zero pages are skipped: an idle guest sends far less than its
 *       memory);
 *   <li><b>zstd's ratio</b>: wire bytes per byte of memory of the host's zstd migrations (re-sends
 *       included);
 *   <li><b>dirty rates</b>: the highest rate each guest dirtied memory at while it moved, used
 *       where the driver's inventory has no fresher sample.
 * </ul>
 *
 * Each number is an exponentially weighted mean ({@link #WEIGHT} on the newest sample), so a link
 * that changes is followed within a few evacuations. A value never measured keeps the driver's
 * declared one.
 */
final class MigrationLearning {
  /** Weight of the newest sample in each mean. */
  static final double WEIGHT = 0.5;

  /** The least a migration must send for its rate to count as a sample of the link. */
  static final long MIN_RATE_BYTES = 16L << 20;

  /** Guests remembered per engine (the oldest is forgotten first). */
  static final int MAX_GUESTS = 10_000;

  private static final class Learned {
    double setupSeconds = -1;
    double perConnection = -1;
    double link = -1;
    double zstdWireRatio = -1;
    double firstPassRatio = -1;
    int samples;
  }

  private final Map<String, Learned> hosts = new HashMap<>();
  private final Map<String, Long> peaks = new HashMap<>();
  private final Map<String, Long> dirtyRates =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
          return size() > MAX_GUESTS;
        }
      };

  /** A migration from {@code source} ended after {@code took}. */
  void finished(String source, Batch.Run run, MigrationOutcome outcome, Duration took) {
    MigrationStats stats = outcome.stats();
    if (stats.dirtyRateBytesPerSec() > 0) {
      dirtyRates.put(run.item.vm.uuid(), stats.dirtyRateBytesPerSec());
    }
    if (!outcome.succeeded() || !stats.measured() || outcome.bytesSent() <= 0) {
      return;
    }
    Learned learned = hosts.computeIfAbsent(source, s -> new Learned());
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
      }
      // Not learned: the share of a throttled guest's bandwidth its re-sends take. Measured as
      // 1 - memory / bytesSent on the real-QEMU bed it did not carry across bandwidths (a busy
      // guest sent alone at the whole link re-sends a different share than one sharing it), and
      // planning with it chose three migrations at once where one was faster (docs/BENCHMARKS.md,
      // section 7). MakespanModel.THROTTLED_SHARE stays the model's assumption.
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

  /**
   * Whether a migration re-sent (almost) nothing: its guest dirtied under 1% of the bandwidth, so
   * what it sent is its first pass.
   */
  private static boolean quiet(MigrationStats stats, VmInfo vm) {
    long dirty = Math.max(stats.dirtyRateBytesPerSec(), vm.dirtyRateBytesPerSec());
    return dirty * 100 < stats.bandwidthBytesPerSec();
  }

  /** The total rate all migrations from {@code source} get now (from their progress). */
  void linkRate(String source, long bytesPerSec) {
    peaks.merge(source, bytesPerSec, Math::max);
  }

  /**
   * No migration runs from {@code source} any more: the highest total rate since it last was idle
   * is one sample of its link.
   */
  void idle(String source) {
    Long peak = peaks.remove(source);
    if (peak != null && peak > 0) {
      Learned learned = hosts.computeIfAbsent(source, s -> new Learned());
      learned.link = mean(learned.link, peak);
    }
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
        base.throttledShare());
  }

  /** {@code vm} with its learned dirty rate where the driver gave none. */
  VmInfo withLearnedDirtyRate(VmInfo vm) {
    if (vm.dirtyRateBytesPerSec() > 0) {
      return vm;
    }
    Long learned = dirtyRates.get(vm.uuid());
    return learned == null ? vm : vm.withDirtyRate(learned);
  }

  private static double mean(double old, double sample) {
    return old < 0 ? sample : (1 - WEIGHT) * old + WEIGHT * sample;
  }
}
