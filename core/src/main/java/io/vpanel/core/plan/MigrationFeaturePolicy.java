package io.vpanel.core.plan;

import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.VmInfo;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Chooses the migration features of one guest, from its size and dirty rate, the bandwidth it will
 * get at the planned concurrency and what the host offers and the operator allows. Each candidate
 * is priced on the {@link MakespanModel} as the guest alone on its share of the link; a candidate
 * with more features must be at least {@link #MIN_GAIN} faster than a simpler one to win, since
 * every feature costs the host CPU or risk:
 *
 * <ul>
 *   <li><b>multifd</b> for a guest of at least {@link #MULTIFD_MIN_BYTES} when one stream cannot
 *       fill its share of the link: as many connections as it takes to fill it;
 *   <li><b>zstd</b> (over multifd) or <b>XBZRLE</b> (single stream, for a guest that dirties
 *       memory) when the link, not the stream or the CPU, is the bottleneck, and only while the
 *       source's CPU is free ({@link #withCpu}: at least {@link #COMPRESSION_MIN_IDLE_SHARE} of it
 *       idle, or the driver cannot tell);
 *   <li><b>post-copy</b> for a guest that would not converge even on its chosen features, only when
 *       its own policy allows it (post-copy loses the guest if the link fails after the switch); it
 *       then runs without auto-converge, so it is not throttled first;
 *   <li><b>auto-converge</b> otherwise, whenever offered and allowed: it only acts on a guest that
 *       does not converge.
 * </ul>
 */
public final class MigrationFeaturePolicy {
  /**
   * The least idle share of the source's CPU at which the planner compresses: zstd and XBZRLE
   * encode on the source, and a host whose guests keep its CPUs busy would take that from them (and
   * compress slower than the model's throughput assumes).
   */
  public static final double COMPRESSION_MIN_IDLE_SHARE = 0.25;

  /**
   * {@code usable} without zstd and XBZRLE when the source's CPU is busy: less than {@link
   * #COMPRESSION_MIN_IDLE_SHARE} of it idle ({@code cpuIdleShare} from the driver's inventory; a
   * negative one, unknown, keeps them).
   */
  public static Set<MigrationFeature> withCpu(Set<MigrationFeature> usable, double cpuIdleShare) {
    if (cpuIdleShare < 0 || cpuIdleShare >= COMPRESSION_MIN_IDLE_SHARE) {
      return usable;
    }
    Set<MigrationFeature> without = EnumSet.noneOf(MigrationFeature.class);
    without.addAll(usable);
    without.remove(MigrationFeature.ZSTD);
    without.remove(MigrationFeature.XBZRLE);
    return without;
  }

  /** Smaller guests go on one stream: multifd's extra connections do not pay for their set-up. */
  public static final long MULTIFD_MIN_BYTES = 1L << 30;

  /** The most connections the planner gives one migration. */
  public static final int MAX_CONNECTIONS = 8;

  /** A candidate with more features must predict at least this much less time to be chosen. */
  static final double MIN_GAIN = 0.05;

  /** A guest that dirties less than this is quiet: the learned first-pass ratio applies to it. */
  public static final long QUIET_BYTES_PER_SEC = 1L << 20;

  /** A guest whose re-sends reach this share of its bandwidth does not converge without help. */
  static final double NON_CONVERGING = 0.9;

  private MigrationFeaturePolicy() {}

  /**
   * The options for moving {@code vm} with {@code concurrency} migrations from its host at once.
   *
   * @param usable the features the host offers and the operator allows
   * @param base the operator's options (downtime, bandwidth cap)
   */
  public static MigrationOptions choose(
      VmInfo vm,
      LinkModel link,
      int concurrency,
      Set<MigrationFeature> usable,
      MigrationOptions base) {
    LinkModel alone = link.sharedBy(concurrency, vm.uuid());
    long share = alone.nicBytesPerSec();
    Set<MigrationFeature> always = EnumSet.noneOf(MigrationFeature.class);
    if (usable.contains(MigrationFeature.AUTO_CONVERGE)) {
      always.add(MigrationFeature.AUTO_CONVERGE);
    }
    int fill =
        (int)
            Math.max(
                2,
                Math.min(
                    MAX_CONNECTIONS,
                    (share + link.streamBytesPerSec() - 1) / link.streamBytesPerSec()));
    List<MigrationOptions> candidates = new ArrayList<>();
    candidates.add(base.withFeatures(always, 1));
    boolean multifd =
        usable.contains(MigrationFeature.MULTIFD) && vm.memoryBytes() >= MULTIFD_MIN_BYTES;
    if (multifd && link.streamBytesPerSec() < share) {
      candidates.add(base.withFeatures(plus(always, MigrationFeature.MULTIFD), fill));
    }
    if (usable.contains(MigrationFeature.XBZRLE) && vm.dirtyRateBytesPerSec() > 0) {
      candidates.add(base.withFeatures(plus(always, MigrationFeature.XBZRLE), 1));
    }
    if (multifd && usable.contains(MigrationFeature.ZSTD)) {
      candidates.add(
          base.withFeatures(plus(always, MigrationFeature.MULTIFD, MigrationFeature.ZSTD), fill));
    }
    MigrationOptions best = candidates.get(0);
    double bestSeconds = seconds(vm, best, alone);
    for (MigrationOptions candidate : candidates.subList(1, candidates.size())) {
      double s = seconds(vm, candidate, alone);
      if (s < bestSeconds * (1 - MIN_GAIN)) {
        best = candidate;
        bestSeconds = s;
      }
    }
    if (vm.postCopyAllowed()
        && usable.contains(MigrationFeature.POST_COPY)
        && !converges(vm, best, alone)) {
      Set<MigrationFeature> features = best.features();
      features.remove(MigrationFeature.AUTO_CONVERGE);
      features.add(MigrationFeature.POST_COPY);
      best = base.withFeatures(features, best.parallelConnections());
    }
    return best;
  }

  /** The model's view of {@code vm} moving with {@code options}, with the assumed ratios. */
  public static MakespanModel.Guest guest(VmInfo vm, MigrationOptions options) {
    return guest(
        vm, options, MakespanModel.ZSTD_WIRE_RATIO, 1.0, MakespanModel.XBZRLE_RESEND_RATIO);
  }

  /** The model's view of {@code vm} moving with {@code options} from a host with {@code link}. */
  public static MakespanModel.Guest guest(VmInfo vm, MigrationOptions options, LinkModel link) {
    // The first-pass ratio was measured on quiet guests: one that writes memory has filled it.
    double firstPass =
        vm.dirtyRateBytesPerSec() < QUIET_BYTES_PER_SEC ? link.firstPassRatio() : 1.0;
    return guest(vm, options, link.zstdWireRatio(), firstPass, link.xbzrleResendRatio());
  }

  private static MakespanModel.Guest guest(
      VmInfo vm,
      MigrationOptions options,
      double zstdWireRatio,
      double firstPassRatio,
      double xbzrleResendRatio) {
    int connections = options.parallelConnections();
    return switch (options.compression()) {
      case ZSTD ->
          new MakespanModel.Guest(
              vm.memoryBytes(),
              vm.dirtyRateBytesPerSec(),
              connections,
              zstdWireRatio,
              zstdWireRatio,
              connections * MakespanModel.ZSTD_BYTES_PER_SEC_PER_CONNECTION,
              options.postCopy(),
              vm.uuid());
      case XBZRLE ->
          new MakespanModel.Guest(
              vm.memoryBytes(),
              vm.dirtyRateBytesPerSec(),
              connections,
              firstPassRatio,
              xbzrleResendRatio,
              MakespanModel.XBZRLE_BYTES_PER_SEC,
              options.postCopy(),
              vm.uuid());
      case NONE ->
          new MakespanModel.Guest(
              vm.memoryBytes(),
              vm.dirtyRateBytesPerSec(),
              connections,
              firstPassRatio,
              1.0,
              0,
              options.postCopy(),
              vm.uuid());
    };
  }

  private static double seconds(VmInfo vm, MigrationOptions options, LinkModel alone) {
    return MakespanModel.predictSeconds(List.of(guest(vm, options, alone)), alone, 1);
  }

  /** Whether pre-copy alone keeps ahead of what the guest dirties on its share of the link. */
  private static boolean converges(VmInfo vm, MigrationOptions options, LinkModel alone) {
    MakespanModel.Guest g = guest(vm, options, alone);
    double cap = (double) alone.streamBytesPerSec() * g.connections();
    if (g.memoryRateCap() > 0) {
      cap = Math.min(cap, g.memoryRateCap() * g.wireRatio());
    }
    double bandwidth = Math.min(cap, alone.nicBytesPerSec());
    return g.dirtyRateBytesPerSec() * g.resendRatio() < NON_CONVERGING * bandwidth;
  }

  private static Set<MigrationFeature> plus(
      Set<MigrationFeature> features, MigrationFeature... more) {
    Set<MigrationFeature> all = EnumSet.noneOf(MigrationFeature.class);
    all.addAll(features);
    all.addAll(List.of(more));
    return all;
  }
}
