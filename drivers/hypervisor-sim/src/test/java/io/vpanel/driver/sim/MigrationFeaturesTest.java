package io.vpanel.driver.sim;

import static io.vpanel.driver.sim.Sizes.GIB;
import static io.vpanel.driver.sim.Sizes.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOptions.Compression;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.MigrationStats;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmState;
import io.vpanel.testkit.HypervisorEventRecorder;
import io.vpanel.testkit.MigrationRecorder;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The migration features of the model, each against plain pre-copy, on the virtual clock. */
class MigrationFeaturesTest {

  private static final Duration LIMIT = Duration.ofHours(1);
  private static final Duration DOWNTIME = Duration.ofMillis(300);
  private static final long STREAM = HostShapes.STREAM_4G;
  private static final MigrationOptions PLAIN = new MigrationOptions(DOWNTIME, 0, true, false);

  private static MigrationOptions multifd(int connections, Compression compression) {
    return new MigrationOptions(DOWNTIME, 0, true, false, connections, compression);
  }

  private static final MigrationOptions POST_COPY = new MigrationOptions(DOWNTIME, 0, true, true);

  // ---------------------------------------------------------------- set-up

  @Test
  void setUpHoldsTheMigrationBeforeItSendsAndShowsInTheStats() {
    Run run = new Run(b -> b.setup(Duration.ofMillis(500)), roomy(), idle("web", 4 * GIB));

    MigrationRecorder migration = run.migrate("web", "sim-02", PLAIN);
    run.finish(migration);

    assertThat(migration.progress().subList(0, 4))
        .allSatisfy(
            p -> {
              assertThat(p.processedBytes()).isZero();
              assertThat(p.bandwidthBytesPerSec()).isZero();
            });
    assertThat(migration.progress().get(5).processedBytes()).isPositive();
    MigrationStats stats = migration.outcome().stats();
    assertThat(millis(stats.setup())).isCloseTo(500, within(1.0));
    double fullPass = 4.0 * GIB / STREAM;
    assertThat(seconds(stats.transfer())).isBetween(fullPass, fullPass + 0.1);
    assertThat(seconds(run.scheduler.elapsed())).isGreaterThanOrEqualTo(0.5 + fullPass);
  }

  @Test
  void anExactClusterHasNoSetUpUnlessTheTestSaysAndAGeneratedOneHasTheDefault() {
    Run run = new Run(b -> {}, roomy(), idle("web", 2 * GIB));
    MigrationRecorder migration = run.migrate("web", "sim-02", PLAIN);
    run.finish(migration);

    assertThat(migration.outcome().stats().setup()).isZero();
    assertThat(SimCluster.generate(SimSettings.defaults(), new VirtualScheduler()).model().setup())
        .isEqualTo(Duration.ofMillis(SimSettings.DEFAULT_SETUP_MILLIS))
        .isEqualTo(Duration.ofMillis(200));
  }

  // ---------------------------------------------------------------- multifd

  @Test
  void multifdFinishesALargeIdleGuestFasterWhenOneStreamIsBelowTheNic() {
    MigrationOutcome single = alone(roomy(), idle("big", 16 * GIB), PLAIN);
    MigrationOutcome parallel = alone(roomy(), idle("big", 16 * GIB), multifd(4, Compression.NONE));

    assertThat(single.succeeded()).isTrue();
    assertThat(parallel.succeeded()).isTrue();
    // One stream: 4 Gbit/s. Four: 16, so the 10 Gbit/s NIC is the limit.
    assertThat(single.stats().bandwidthBytesPerSec()).isCloseTo(STREAM, within(STREAM / 100));
    assertThat(parallel.stats().bandwidthBytesPerSec())
        .isCloseTo(HostShapes.NIC_10G, within(HostShapes.NIC_10G / 100));
    assertThat(seconds(parallel.stats().transfer()))
        .isLessThan(seconds(single.stats().transfer()) / 2);
    assertThat(parallel.stats().used()).containsExactly(MigrationFeature.MULTIFD);
    assertThat(single.stats().used()).isEmpty();
  }

  @Test
  void multifdMigrationsLeavingOneHostStillShareItsNic() {
    Run run = new Run(b -> {}, roomy(), 3, idle("a", 8 * GIB), idle("b", 8 * GIB));
    MigrationRecorder a = run.migrate("a", "sim-02", multifd(4, Compression.NONE));
    MigrationRecorder b = run.migrate("b", "sim-03", multifd(4, Compression.NONE));
    run.scheduler.runUntil(() -> a.finished() && b.finished(), LIMIT);

    for (MigrationRecorder migration : new MigrationRecorder[] {a, b}) {
      assertThat(migration.progress().get(0).bandwidthBytesPerSec())
          .isEqualTo(HostShapes.NIC_10G / 2);
      assertThat(migration.outcome().succeeded()).isTrue();
    }
  }

  // ---------------------------------------------------------------- zstd

  @Test
  void zstdPaysOnACappedLinkAndCompressesTheBytesSent() {
    HostCapacity slowLink = new HostCapacity(256 * GIB, 64, Sizes.bytesPerSecond(1), STREAM);
    MigrationOutcome plain = alone(slowLink, idle("big", 8 * GIB), multifd(4, Compression.NONE));
    MigrationOutcome zstd = alone(slowLink, idle("big", 8 * GIB), multifd(4, Compression.ZSTD));

    assertThat(zstd.succeeded()).isTrue();
    // The 1 Gbit/s link is the limit; zstd moves 3 times as much memory through it.
    assertThat(seconds(zstd.stats().transfer()))
        .isLessThan(seconds(plain.stats().transfer()) / 2.5);
    assertThat(zstd.bytesSent()).isLessThan(plain.bytesSent() / 2);
    assertThat(zstd.stats().used())
        .containsExactlyInAnyOrder(MigrationFeature.MULTIFD, MigrationFeature.ZSTD);
  }

  @Test
  void zstdDoesNotPayOnAFastLinkWhereCompressionIsTheBottleneck() {
    HostCapacity fastLink = new HostCapacity(256 * GIB, 64, Sizes.bytesPerSecond(40), STREAM);
    MigrationRecorder plain =
        new Run(b -> {}, fastLink, idle("big", 8 * GIB))
            .migrateToEnd("big", multifd(4, Compression.NONE));
    MigrationRecorder zstd =
        new Run(b -> {}, fastLink, idle("big", 8 * GIB))
            .migrateToEnd("big", multifd(4, Compression.ZSTD));

    assertThat(zstd.outcome().succeeded()).isTrue();
    assertThat(seconds(zstd.outcome().stats().transfer()))
        .isGreaterThan(seconds(plain.outcome().stats().transfer()));
    // 4 connections x 2.5 Gbit/s of memory in, 3 times smaller on the wire.
    long compressors = 4 * Sizes.bytesPerSecond(SimSettings.DEFAULT_ZSTD_GBPS_PER_CONNECTION);
    assertThat(zstd.progress().get(0).bandwidthBytesPerSec())
        .isCloseTo(compressors / 3, within(2L));
    assertThat(plain.progress().get(0).bandwidthBytesPerSec()).isEqualTo(4 * STREAM);
  }

  @Test
  void zstdCompressesBusyGuestsLessThanIdleOnes() {
    SimMigrationModel model = SimMigrationModel.defaults();
    assertThat(model.zstdRatio(2 * MIB)).isEqualTo(3.0);
    assertThat(model.zstdRatio(55 * MIB)).isCloseTo(2.25, within(1e-9));
    assertThat(model.zstdRatio(200 * MIB)).isEqualTo(1.5);

    HostCapacity slowLink = new HostCapacity(256 * GIB, 64, Sizes.bytesPerSecond(1), STREAM);
    VmSpec busy = VmSpec.running("busy", 4 * GIB, 4, 150 * MIB, 64 * MIB);
    MigrationOutcome outcome = alone(slowLink, busy, multifd(4, Compression.ZSTD));
    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.bytesSent()).isGreaterThan(4 * GIB / 2).isLessThan(4 * GIB);
  }

  // ---------------------------------------------------------------- xbzrle

  @Test
  void xbzrleSendsTheDirtiedPagesOfLaterRoundsSmaller() {
    VmSpec dirty = VmSpec.running("db", 4 * GIB, 4, 50 * MIB, GIB);
    MigrationOutcome plain = alone(roomy(), dirty, PLAIN);
    MigrationOutcome xbzrle =
        alone(
            roomy(), dirty, new MigrationOptions(DOWNTIME, 0, true, false, 1, Compression.XBZRLE));

    assertThat(plain.succeeded()).isTrue();
    assertThat(xbzrle.succeeded()).isTrue();
    assertThat(plain.rounds()).isGreaterThanOrEqualTo(2);
    assertThat(xbzrle.bytesSent()).isLessThan(plain.bytesSent());
    // The first pass goes whole either way; what is re-sent goes 4 times smaller.
    assertThat(xbzrle.bytesSent() - 4 * GIB).isLessThan((plain.bytesSent() - 4 * GIB) / 2);
    assertThat(xbzrle.stats().used()).containsExactly(MigrationFeature.XBZRLE);
  }

  @Test
  void xbzrleOverMultifdIsRefusedAndTheMigrationRunsWithoutIt() {
    MigrationOutcome outcome = alone(roomy(), idle("web", 2 * GIB), multifd(2, Compression.XBZRLE));

    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.stats().fallback())
        .isEqualTo(
            "xbzrle refused by sim-01 over multifd (it needs a single stream); ran without it");
    assertThat(outcome.stats().used()).containsExactly(MigrationFeature.MULTIFD);
  }

  // ---------------------------------------------------------------- post-copy

  @Test
  void postCopyLetsANeverConvergingGuestFinishWithATinyPause() {
    Run run = new Run(b -> {}, roomy(), VmSpec.running("stuck", 8 * GIB, 4, 200 * MIB, 3 * GIB));
    run.cluster.neverConverge(run.uuid("stuck"));
    HypervisorEventRecorder destination = run.events("sim-02");

    MigrationRecorder migration = run.migrate("stuck", "sim-02", POST_COPY);
    run.scheduler.runUntil(() -> !destination.events().isEmpty(), LIMIT);

    assertThat(destination.events())
        .singleElement()
        .isInstanceOfSatisfying(
            HypervisorEvent.VmChanged.class,
            changed -> assertThat(changed.vm().state()).isEqualTo(VmState.RUNNING));
    assertThat(migration.finished()).as("still pulling pages after the switch").isFalse();
    assertThat(run.onHost("sim-02", "stuck")).isTrue();
    assertThat(run.onHost("sim-01", "stuck")).isFalse();
    assertThat(migration.lastProgress().remainingBytes()).isPositive();

    run.finish(migration);
    MigrationOutcome outcome = migration.outcome();
    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.rounds()).isEqualTo(SimSettings.DEFAULT_POST_COPY_AFTER_ROUNDS);
    assertThat(outcome.downtime()).isEqualTo(SimCluster.POST_COPY_PAUSE);
    // Round 0 sends 8 GiB, round 1 the 3 GiB working set, post-copy pulls the 3 GiB dirtied again.
    assertThat(outcome.bytesSent()).isCloseTo(14 * GIB, within(MIB));
    assertThat(outcome.stats().used()).contains(MigrationFeature.POST_COPY);
    assertThat(run.state("stuck")).isEqualTo(VmState.RUNNING);
    assertThat(run.cluster.hostOf(run.uuid("stuck"))).contains("sim-02");
    assertThat(run.cluster.freeMemory("sim-02")).isEqualTo(256 * GIB - 8 * GIB);
    assertThat(run.cluster.freeMemory("sim-01")).isEqualTo(256 * GIB);
  }

  @Test
  void aConvergingGuestNeverSwitchesToPostCopy() {
    MigrationOutcome outcome = alone(roomy(), idle("web", 2 * GIB), POST_COPY);

    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.downtime()).isNotEqualTo(SimCluster.POST_COPY_PAUSE);
    assertThat(outcome.stats().used()).doesNotContain(MigrationFeature.POST_COPY);
  }

  @Test
  void aLinkThatFailsAfterThePostCopySwitchLosesTheGuest() {
    Run run = switchedToPostCopy();

    run.cluster.dropLink("sim-01", "sim-02");
    run.finish(run.migration);

    MigrationOutcome outcome = run.migration.outcome();
    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.reason())
        .isEqualTo("stuck lost: post-copy link sim-01<->sim-02 failed after the switch");
    assertThat(run.state("stuck")).isEqualTo(VmState.CRASHED);
    assertThat(run.cluster.hostOf(run.uuid("stuck"))).contains("sim-02");
    assertThat(run.cluster.freeMemory("sim-02")).isEqualTo(256 * GIB);
    assertThat(outcome.stats().used()).contains(MigrationFeature.POST_COPY);
  }

  @Test
  void anAbortAfterThePostCopySwitchIsRefusedAndTheGuestArrives() {
    Run run = switchedToPostCopy();

    run.migration.handle().abort();
    run.finish(run.migration);

    assertThat(run.migration.outcome().succeeded()).isTrue();
    assertThat(run.state("stuck")).isEqualTo(VmState.RUNNING);
    assertThat(run.cluster.hostOf(run.uuid("stuck"))).contains("sim-02");
  }

  @Test
  void theSourceDyingAfterThePostCopySwitchLosesTheGuest() {
    Run run = switchedToPostCopy();
    HypervisorEventRecorder destination = run.events("sim-02");

    run.cluster.killHost("sim-01");
    run.finish(run.migration);

    assertThat(run.migration.outcome().reason())
        .isEqualTo("stuck lost: source host sim-01 died after the post-copy switch");
    assertThat(run.state("stuck")).isEqualTo(VmState.CRASHED);
    assertThat(destination.events())
        .anySatisfy(
            e ->
                assertThat(e)
                    .isInstanceOfSatisfying(
                        HypervisorEvent.VmChanged.class,
                        changed -> assertThat(changed.vm().state()).isEqualTo(VmState.CRASHED)));
  }

  @Test
  void theDestinationDyingAfterThePostCopySwitchLosesTheGuestThere() {
    Run run = switchedToPostCopy();

    run.cluster.killHost("sim-02");
    run.finish(run.migration);

    assertThat(run.migration.outcome().reason())
        .isEqualTo("stuck lost: destination host sim-02 died after the post-copy switch");
    assertThat(run.state("stuck")).isEqualTo(VmState.CRASHED);
    assertThat(run.cluster.hostOf(run.uuid("stuck"))).contains("sim-02");
    assertThat(run.cluster.vmsOn("sim-01")).isEmpty();
  }

  @Test
  void aLinkThatFailsBeforeTheSwitchLeavesTheGuestOnTheSource() {
    Run run = new Run(b -> {}, roomy(), VmSpec.running("stuck", 8 * GIB, 4, 200 * MIB, 3 * GIB));
    run.cluster.neverConverge(run.uuid("stuck"));
    MigrationRecorder migration = run.migrate("stuck", "sim-02", POST_COPY);
    run.scheduler.advance(Duration.ofSeconds(5));

    run.cluster.dropLink("sim-01", "sim-02");
    run.finish(migration);

    assertThat(migration.outcome().reason()).isEqualTo("migration link sim-01<->sim-02 dropped");
    assertThat(run.state("stuck")).isEqualTo(VmState.RUNNING);
    assertThat(run.cluster.hostOf(run.uuid("stuck"))).contains("sim-01");
  }

  // ---------------------------------------------------------------- offered features

  @Test
  void eachHostOffersAllFeaturesUnlessToldOtherwise() {
    Run run = new Run(b -> {}, roomy(), idle("web", 2 * GIB));

    assertThat(run.connection("sim-01").inventory().migrationFeatures())
        .containsExactlyInAnyOrder(MigrationFeature.values());
    run.cluster.offerMigrationFeatures("sim-02", EnumSet.of(MigrationFeature.AUTO_CONVERGE));
    assertThat(run.connection("sim-02").inventory().migrationFeatures())
        .containsExactly(MigrationFeature.AUTO_CONVERGE);
  }

  @Test
  void aFeatureTheDestinationDoesNotOfferIsRefusedAndTheMigrationRunsWithoutIt() {
    HostCapacity slowLink = new HostCapacity(256 * GIB, 64, Sizes.bytesPerSecond(1), STREAM);
    Run run = new Run(b -> {}, slowLink, idle("big", 4 * GIB));
    Set<MigrationFeature> noZstd = EnumSet.allOf(MigrationFeature.class);
    noZstd.remove(MigrationFeature.ZSTD);
    run.cluster.offerMigrationFeatures("sim-02", noZstd);

    MigrationRecorder migration = run.migrateToEnd("big", multifd(4, Compression.ZSTD));

    MigrationOutcome outcome = migration.outcome();
    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.stats().fallback()).isEqualTo("zstd refused by sim-02; ran without it");
    assertThat(outcome.stats().used()).containsExactly(MigrationFeature.MULTIFD);
    assertThat(outcome.bytesSent()).isGreaterThanOrEqualTo(4 * GIB);
  }

  @Test
  void refusingMultifdDropsZstdWithIt() {
    Run run = new Run(b -> {}, roomy(), idle("web", 2 * GIB));
    run.cluster.offerMigrationFeatures(
        "sim-01", EnumSet.of(MigrationFeature.AUTO_CONVERGE, MigrationFeature.ZSTD));

    MigrationRecorder migration = run.migrateToEnd("web", multifd(4, Compression.ZSTD));

    assertThat(migration.outcome().stats().fallback())
        .isEqualTo(
            "multifd refused by sim-01; ran without it (and without zstd, which needs multifd)");
    assertThat(migration.outcome().stats().used()).isEmpty();
    assertThat(migration.progress().get(0).bandwidthBytesPerSec()).isEqualTo(STREAM);
  }

  @Test
  void aHostWithoutPostCopyLetsANeverConvergingGuestFailAsPreCopyWould() {
    Run run =
        new Run(
            b -> b.maxRounds(5), roomy(), VmSpec.running("stuck", 8 * GIB, 4, 200 * MIB, 3 * GIB));
    run.cluster.neverConverge(run.uuid("stuck"));
    run.cluster.offerMigrationFeatures("sim-02", EnumSet.of(MigrationFeature.MULTIFD));

    MigrationRecorder migration =
        run.migrateToEnd("stuck", new MigrationOptions(DOWNTIME, 0, false, true));

    assertThat(migration.outcome().reason()).isEqualTo("not converging after 5 rounds");
    assertThat(migration.outcome().stats().fallback())
        .isEqualTo("post-copy refused by sim-02; ran without it");
    assertThat(run.cluster.hostOf(run.uuid("stuck"))).contains("sim-01");
  }

  // ---------------------------------------------------------------- stats

  @Test
  void everyOutcomeCarriesTheMeasurements() {
    Run run =
        new Run(
            b -> b.setup(Duration.ofMillis(300)),
            roomy(),
            VmSpec.running("busy", 8 * GIB, 8, 600 * MIB, 3 * GIB));

    MigrationRecorder migration = run.migrateToEnd("busy", PLAIN);

    MigrationOutcome outcome = migration.outcome();
    MigrationStats stats = outcome.stats();
    assertThat(outcome.succeeded()).isTrue();
    assertThat(stats.measured()).isTrue();
    assertThat(millis(stats.setup())).isCloseTo(300, within(1.0));
    assertThat(seconds(stats.transfer()))
        .isCloseTo(seconds(run.scheduler.elapsed()) - 0.3, within(0.11));
    assertThat(stats.bandwidthBytesPerSec())
        .isEqualTo(Math.round(outcome.bytesSent() / seconds(stats.transfer())));
    assertThat(stats.dirtyRateBytesPerSec()).isEqualTo(600 * MIB);
    assertThat(stats.used()).containsExactly(MigrationFeature.AUTO_CONVERGE);
    assertThat(stats.fallback()).isEmpty();
    assertThat(migration.progress())
        .filteredOn(p -> p.processedBytes() > 0)
        .allSatisfy(p -> assertThat(p.bandwidthBytesPerSec()).isEqualTo(STREAM))
        .extracting(MigrationProgress::dirtyRateBytesPerSec)
        .contains(600 * MIB);
  }

  @Test
  void aFailedMigrationCarriesWhatItMeasuredToo() {
    Run run = new Run(b -> b.setup(Duration.ofMillis(200)), roomy(), idle("web", 8 * GIB));
    MigrationRecorder migration = run.migrate("web", "sim-02", PLAIN);
    run.scheduler.advance(Duration.ofSeconds(3));

    migration.handle().abort();
    run.finish(migration);

    MigrationStats stats = migration.outcome().stats();
    assertThat(migration.outcome().reason()).isEqualTo("aborted");
    assertThat(millis(stats.setup())).isCloseTo(200, within(1.0));
    assertThat(seconds(stats.transfer())).isCloseTo(2.8, within(0.11));
    assertThat(stats.bandwidthBytesPerSec()).isCloseTo(STREAM, within(STREAM / 100));
    assertThat(stats.dirtyRateBytesPerSec()).isEqualTo(2 * MIB);
  }

  // ---------------------------------------------------------------- helpers

  private static Run switchedToPostCopy() {
    Run run = new Run(b -> {}, roomy(), VmSpec.running("stuck", 8 * GIB, 4, 200 * MIB, 3 * GIB));
    run.cluster.neverConverge(run.uuid("stuck"));
    run.migration = run.migrate("stuck", "sim-02", POST_COPY);
    run.scheduler.runUntil(() -> run.onHost("sim-02", "stuck"), LIMIT);
    assertThat(run.migration.finished()).isFalse();
    return run;
  }

  private static MigrationOutcome alone(
      HostCapacity capacity, VmSpec vm, MigrationOptions options) {
    return new Run(b -> {}, capacity, vm).migrateToEnd(vm.name(), options).outcome();
  }

  private static HostCapacity roomy() {
    return HostShapes.roomyHost();
  }

  private static VmSpec idle(String name, long memory) {
    return VmSpec.running(name, memory, 2, 2 * MIB, memory / 10);
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }

  private static double millis(Duration duration) {
    return duration.toNanos() / 1e6;
  }

  /** One cluster on its own virtual clock: sim-01 (holding the guests), sim-02, ... */
  private static class Run {
    final VirtualScheduler scheduler = new VirtualScheduler();
    final SimCluster cluster;
    final SimHypervisorDriver driver;
    MigrationRecorder migration;

    Run(Consumer<SimCluster.Builder> shape, HostCapacity capacity, VmSpec... onSource) {
      this(shape, capacity, 2, onSource);
    }

    /** {@code hosts} hosts {@code sim-01}, {@code sim-02}, ... of one shape. */
    Run(Consumer<SimCluster.Builder> shape, HostCapacity capacity, int hosts, VmSpec... onSource) {
      SimCluster.Builder builder = SimCluster.builder(scheduler);
      shape.accept(builder);
      ClusterGenerator.numbered("sim-", hosts).forEach(name -> builder.host(name, capacity));
      cluster = builder.vm("sim-01", onSource).build();
      driver = new SimHypervisorDriver(cluster);
    }

    HypervisorConnection connection(String host) {
      return driver.connect(SimHypervisorDriver.endpointOf(host));
    }

    HypervisorEventRecorder events(String host) {
      HypervisorEventRecorder recorder = new HypervisorEventRecorder();
      connection(host).subscribe(recorder);
      return recorder;
    }

    MigrationRecorder migrate(String vm, String destination, MigrationOptions options) {
      MigrationRecorder recorder = new MigrationRecorder();
      return recorder.keep(
          connection(cluster.hostOf(uuid(vm)).orElseThrow())
              .migrate(uuid(vm), SimHypervisorDriver.endpointOf(destination), options, recorder));
    }

    MigrationRecorder migrateToEnd(String vm, MigrationOptions options) {
      MigrationRecorder recorder = migrate(vm, "sim-02", options);
      finish(recorder);
      return recorder;
    }

    void finish(MigrationRecorder recorder) {
      scheduler.runUntil(recorder::finished, LIMIT);
      scheduler.runUntilIdle(Duration.ofSeconds(1));
    }

    String uuid(String vm) {
      return PreCopyMigrationTest.uuid(cluster, vm);
    }

    boolean onHost(String host, String vm) {
      return cluster.vmsOn(host).stream().anyMatch(info -> info.name().equals(vm));
    }

    VmState state(String vm) {
      return cluster.allVms().stream()
          .filter(info -> info.name().equals(vm))
          .map(VmInfo::state)
          .findFirst()
          .orElseThrow();
    }
  }
}
