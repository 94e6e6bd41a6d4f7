package io.vpanel.core.engine;

import io.vpanel.core.plan.ConcurrencyPolicy;
import io.vpanel.spi.hypervisor.MigrationProgress;
import java.time.Duration;

/**
 * How long a migration may take: a fixed base plus a multiple of the time its memory needs at the
 * bandwidth it gets. The estimate starts from the source's link shared among its migrations and
 * grows (never shrinks) when the hypervisor reports a lower bandwidth than planned.
 */
final class MigrationTimeouts {
  private final EngineSettings settings;

  MigrationTimeouts(EngineSettings settings) {
    this.settings = settings;
  }

  /** The first timeout of a migration of {@code item} from {@code source}, among {@code runs}. */
  Duration initial(Batch.Item item, HostRecord source, int runsFromSource) {
    long nic = source.capacity == null ? 1 : source.capacity.nicBytesPerSec();
    long stream = source.capacity == null ? 1 : source.capacity.streamBytesPerSec();
    long expectedBandwidth = Math.max(1, ConcurrencyPolicy.share(nic, stream, runsFromSource + 1));
    return timeoutFor(item.vm.memoryBytes(), expectedBandwidth, item.vm.dirtyRateBytesPerSec());
  }

  /** The timeout once {@code progress} showed the bandwidth the migration really gets. */
  Duration measured(Batch.Run run, MigrationProgress progress) {
    return timeoutFor(run.item.vm.memoryBytes(), progress.bandwidthBytesPerSec(), dirtyRate(run));
  }

  /**
   * The timeout of a migration of {@code memory} at {@code bandwidth}: a fixed base plus a multiple
   * of the expected time. A busy guest re-sends what it dirties: at dirty rate d on bandwidth b
   * pre-copy sends about memory / (1 - d/b). Auto-converge caps that by throttling, so the ratio is
   * capped too.
   */
  private Duration timeoutFor(long memory, long bandwidth, long dirtyRate) {
    long rate = Math.max(1, bandwidth);
    double dirtyShare = Math.min(0.9, dirtyRate / (double) rate);
    double expectedSeconds = memory / (double) rate / (1 - dirtyShare);
    return settings
        .timeoutBase()
        .plus(Duration.ofMillis((long) (settings.timeoutFactor() * 1000.0 * expectedSeconds)));
  }

  /** The guest's dirty rate: what it declared, or more when the migration measured more. */
  static long dirtyRate(Batch.Run run) {
    long declared = run.item.vm.dirtyRateBytesPerSec();
    return run.progress == null
        ? declared
        : Math.max(declared, run.progress.dirtyRateBytesPerSec());
  }
}
