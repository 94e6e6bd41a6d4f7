package io.vpanel.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOptions.Compression;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MigrationFeaturePolicyTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;
  private static final Set<MigrationFeature> ALL = EnumSet.allOf(MigrationFeature.class);

  /** A 10 Gb/s link whose single stream reaches 400 MB/s. */
  private static final LinkModel FAST = new LinkModel(1_250 * MB, 400 * MB, 0.5, false);

  /** A 50 MB/s link, below what one stream reaches: the link is the bottleneck. */
  private static final LinkModel SLOW = new LinkModel(50 * MB, 400 * MB, 0.5, false);

  private static VmInfo guest(long memory, long dirty, boolean postCopyAllowed) {
    return new VmInfo(
        "u", "vm", VmState.RUNNING, memory, 2, dirty, VmPolicy.MIGRATE, postCopyAllowed);
  }

  private static MigrationOptions choose(VmInfo vm, LinkModel link, int concurrency) {
    return MigrationFeaturePolicy.choose(vm, link, concurrency, ALL, MigrationOptions.DEFAULTS);
  }

  @Test
  void aLargeGuestAloneOnAFastLinkGetsEnoughConnectionsToFillIt() {
    MigrationOptions options = choose(guest(8 * GIB, 0, false), FAST, 1);

    assertThat(options.parallelConnections()).isEqualTo(4); // ceil(1250 / 400)
    assertThat(options.compression()).isEqualTo(Compression.NONE);
    assertThat(options.autoConverge()).isTrue();
    assertThat(options.postCopy()).isFalse();
  }

  @Test
  void multifdIsNotChosenWhenTheGuestsShareOfTheLinkIsBelowOneStream() {
    // four at once: 312 MB/s each, one stream already fills that
    Set<MigrationFeature> noCompression =
        EnumSet.of(MigrationFeature.AUTO_CONVERGE, MigrationFeature.MULTIFD);
    assertThat(
            MigrationFeaturePolicy.choose(
                    guest(8 * GIB, 0, false), FAST, 4, noCompression, MigrationOptions.DEFAULTS)
                .parallelConnections())
        .isEqualTo(1);
    // with compression allowed the link is the bottleneck at that share: zstd, over two connections
    MigrationOptions compressed = choose(guest(8 * GIB, 0, false), FAST, 4);
    assertThat(compressed.compression()).isEqualTo(Compression.ZSTD);
    assertThat(compressed.parallelConnections()).isEqualTo(2);
  }

  @Test
  void aSmallGuestStaysOnOneStream() {
    assertThat(choose(guest(GIB / 2, 0, false), FAST, 1).parallelConnections()).isEqualTo(1);
  }

  @Test
  void zstdOverMultifdWhenTheLinkIsTheBottleneck() {
    MigrationOptions options = choose(guest(8 * GIB, 0, false), SLOW, 1);

    assertThat(options.compression()).isEqualTo(Compression.ZSTD);
    assertThat(options.parallelConnections()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void noCompressionWhenTheLinkIsFasterThanTheCpuCompresses() {
    assertThat(choose(guest(8 * GIB, 0, false), FAST, 1).compression()).isEqualTo(Compression.NONE);
  }

  @Test
  void xbzrleForASmallGuestThatDirtiesMemoryOnASlowLink() {
    MigrationOptions options = choose(guest(GIB / 2, 20 * MB, false), SLOW, 1);

    assertThat(options.compression()).isEqualTo(Compression.XBZRLE);
    assertThat(options.parallelConnections()).isEqualTo(1);
  }

  @Test
  void compressionNeedsAFreeCpu() {
    Set<MigrationFeature> all = EnumSet.allOf(MigrationFeature.class);

    assertThat(MigrationFeaturePolicy.withCpu(all, 0.1))
        .doesNotContain(MigrationFeature.ZSTD, MigrationFeature.XBZRLE)
        .contains(MigrationFeature.MULTIFD, MigrationFeature.AUTO_CONVERGE);
    assertThat(
            MigrationFeaturePolicy.withCpu(all, MigrationFeaturePolicy.COMPRESSION_MIN_IDLE_SHARE))
        .isEqualTo(all);
    assertThat(MigrationFeaturePolicy.withCpu(all, -1)).as("unknown").isEqualTo(all);
  }

  @Test
  void postCopyOnlyForAGuestThatWillNotConvergeAndAllowsIt() {
    // dirties faster than even four connections send
    VmInfo hot = guest(2 * GIB, 2_000 * MB, true);
    MigrationOptions allowed = choose(hot, FAST, 1);
    assertThat(allowed.postCopy()).isTrue();
    assertThat(allowed.autoConverge()).as("post-copy is not throttled first").isFalse();

    MigrationOptions refused = choose(guest(2 * GIB, 2_000 * MB, false), FAST, 1);
    assertThat(refused.postCopy()).isFalse();
    assertThat(refused.autoConverge()).isTrue();

    MigrationOptions converging = choose(guest(2 * GIB, 10 * MB, true), FAST, 1);
    assertThat(converging.postCopy()).as("it converges on its own").isFalse();
  }

  @Test
  void postCopyNeedsTheOperatorAndTheHostToo() {
    VmInfo hot = guest(2 * GIB, 2_000 * MB, true);
    Set<MigrationFeature> noPostCopy = EnumSet.complementOf(EnumSet.of(MigrationFeature.POST_COPY));
    assertThat(
            MigrationFeaturePolicy.choose(hot, FAST, 1, noPostCopy, MigrationOptions.DEFAULTS)
                .postCopy())
        .isFalse();
  }

  @Test
  void nothingUsableMeansPlainPreCopy() {
    MigrationOptions options =
        MigrationFeaturePolicy.choose(
            guest(8 * GIB, 600 * MB, true), SLOW, 1, Set.of(), MigrationOptions.DEFAULTS);

    assertThat(options.features()).isEmpty();
    assertThat(options.featureLabel()).isEqualTo("pre-copy");
  }

  @Test
  void connectionsStayWithinTheCapOnAVeryFastLink() {
    LinkModel huge = new LinkModel(100_000 * MB, 100 * MB, 0.5, false);
    assertThat(choose(guest(64 * GIB, 0, false), huge, 1).parallelConnections())
        .isEqualTo(MigrationFeaturePolicy.MAX_CONNECTIONS);
  }

  @Test
  void theChosenFeaturesNeverPredictSlowerThanPlainPreCopy() {
    for (LinkModel link : List.of(FAST, SLOW)) {
      for (long dirty : new long[] {0, 5 * MB, 100 * MB, 600 * MB}) {
        for (long memory : new long[] {GIB / 4, 2 * GIB, 16 * GIB}) {
          VmInfo vm = guest(memory, dirty, false);
          MigrationOptions chosen = choose(vm, link, 1);
          double withFeatures =
              MakespanModel.predictSeconds(
                  List.of(MigrationFeaturePolicy.guest(vm, chosen)), link, 1);
          double plain =
              MakespanModel.predictSeconds(
                  List.of(MigrationFeaturePolicy.guest(vm, MigrationOptions.DEFAULTS)), link, 1);
          assertThat(withFeatures)
              .as("%s on %s", chosen.featureLabel(), link)
              .isLessThanOrEqualTo(plain);
        }
      }
    }
  }

  @Test
  void theModelPricesEachFeature() {
    VmInfo big = guest(8 * GIB, 0, false);
    MigrationOptions plain =
        new MigrationOptions(java.time.Duration.ofMillis(300), 0, false, false);
    double one =
        MakespanModel.predictSeconds(List.of(MigrationFeaturePolicy.guest(big, plain)), FAST, 1);
    double four =
        MakespanModel.predictSeconds(
            List.of(
                MigrationFeaturePolicy.guest(
                    big, plain.withFeatures(EnumSet.of(MigrationFeature.MULTIFD), 4))),
            FAST,
            1);
    assertThat(four).isLessThan(one / 2.5);

    double slowPlain =
        MakespanModel.predictSeconds(List.of(MigrationFeaturePolicy.guest(big, plain)), SLOW, 1);
    double slowZstd =
        MakespanModel.predictSeconds(
            List.of(
                MigrationFeaturePolicy.guest(
                    big,
                    plain.withFeatures(
                        EnumSet.of(MigrationFeature.MULTIFD, MigrationFeature.ZSTD), 2))),
            SLOW,
            1);
    assertThat(slowZstd).isLessThan(slowPlain * 0.6);

    VmInfo hot = guest(2 * GIB, 45 * MB, false);
    double hotPlain =
        MakespanModel.predictSeconds(List.of(MigrationFeaturePolicy.guest(hot, plain)), SLOW, 1);
    double hotPostCopy =
        MakespanModel.predictSeconds(
            List.of(
                MigrationFeaturePolicy.guest(
                    hot, plain.withFeatures(EnumSet.of(MigrationFeature.POST_COPY), 1))),
            SLOW,
            1);
    assertThat(hotPostCopy).isLessThan(hotPlain);
  }
}
