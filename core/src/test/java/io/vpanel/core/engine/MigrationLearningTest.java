package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vpanel.core.journal.LearnedLink;
import io.vpanel.core.plan.LinkModel;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.MigrationStats;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MigrationLearningTest {
  private static final long MB = 1_000_000L;
  private static final HostCapacity DECLARED =
      new HostCapacity(64L << 30, 32, 1_250 * MB, 500 * MB);
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

  private final MigrationLearning learning = new MigrationLearning();

  private static VmInfo vm(String name, long dirty) {
    return new VmInfo("u-" + name, name, VmState.RUNNING, 1_000 * MB, 2, dirty, VmPolicy.MIGRATE);
  }

  private static Batch.Run run(VmInfo vm, MigrationOptions options, int inFlight) {
    return run(vm, options, inFlight, T0);
  }

  private static Batch.Run run(VmInfo vm, MigrationOptions options, int inFlight, Instant at) {
    Batch.Run run =
        new Batch.Run(new Batch.Item(vm, "h1", null, "h2"), "h2", at, Duration.ofMinutes(5), 1);
    run.options = options;
    run.mostInFlight = inFlight;
    return run;
  }

  private static MigrationOutcome moved(long bytes, long bandwidth, long dirty) {
    return MigrationOutcome.success(bytes, 3, Duration.ofMillis(40))
        .withStats(
            new MigrationStats(
                Duration.ofSeconds(1),
                Duration.ofSeconds(10),
                bandwidth,
                dirty,
                Set.of(MigrationFeature.AUTO_CONVERGE),
                ""));
  }

  @Test
  void withNothingMeasuredTheDeclaredLinkIsUsed() {
    LinkModel link = learning.link("h1", DECLARED);

    assertThat(link.learned()).isFalse();
    assertThat(link.nicBytesPerSec()).isEqualTo(DECLARED.nicBytesPerSec());
    assertThat(link.streamBytesPerSec()).isEqualTo(DECLARED.streamBytesPerSec());
  }

  @Test
  void aMigrationThatSentAloneTeachesSetUpAndPerConnectionRate() {
    // 500 MB at 50 MB/s is 10 s of transfer; it took 12 s, so 2 s were set-up and switch-over
    learning.started("h1");
    learning.finished(
        "h1",
        run(vm("a", 0), MigrationOptions.DEFAULTS, 1),
        moved(500 * MB, 50 * MB, 0),
        Duration.ofSeconds(12));
    learning.idle("h1");

    LinkModel link = learning.link("h1", DECLARED);
    assertThat(link.learned()).isTrue();
    assertThat(link.setupSeconds()).isCloseTo(2.0, within(1e-9));
    assertThat(link.streamBytesPerSec()).isEqualTo(50 * MB);
    assertThat(link.nicBytesPerSec())
        .as("the link carried 500 MB in the 10 s the migration sent (its set-up left out)")
        .isEqualTo(50 * MB);
    assertThat(learning.link("h2", DECLARED).learned()).as("per host").isFalse();
  }

  @Test
  void multifdRatesCountPerConnectionAndSharedRunsTeachNoStreamRate() {
    MigrationOptions four =
        MigrationOptions.DEFAULTS.withFeatures(EnumSet.of(MigrationFeature.MULTIFD), 4);
    learning.finished(
        "h1", run(vm("a", 0), four, 1), moved(800 * MB, 400 * MB, 0), Duration.ofSeconds(3));
    assertThat(learning.link("h1", DECLARED).streamBytesPerSec()).isEqualTo(100 * MB);

    learning.finished(
        "h1",
        run(vm("b", 0), MigrationOptions.DEFAULTS, 3),
        moved(800 * MB, 10 * MB, 0),
        Duration.ofSeconds(90));
    assertThat(learning.link("h1", DECLARED).streamBytesPerSec())
        .as("a run that shared the link says nothing of one stream")
        .isEqualTo(100 * MB);
  }

  @Test
  void theLinkIsWhatABusyPeriodSentPerSecondAndTheMeansFollowAChange() {
    Instant at = T0;
    for (long rate : new long[] {100 * MB, 50 * MB, 50 * MB, 50 * MB, 50 * MB}) {
      // a sends over [0 s, 10 s], b (started at 5 s, its set-up 5 s) over [10 s, 20 s]: the link
      // carried 20 s worth of the rate in the 20 s something was sending
      learning.started("h1");
      learning.started("h1");
      learning.finished(
          "h1",
          run(vm("a", 0), MigrationOptions.DEFAULTS, 2, at),
          moved(rate * 8, rate / 2, 0),
          Duration.ofSeconds(10));
      learning.finished(
          "h1",
          run(vm("b", 0), MigrationOptions.DEFAULTS, 2, at.plusSeconds(5)),
          moved(rate * 12, rate / 2, 0),
          Duration.ofSeconds(15));
      learning.idle("h1");
      at = at.plusSeconds(60);
    }
    long learned = learning.link("h1", DECLARED).nicBytesPerSec();
    // 100, then four times 50, each mean half the newest: 53.1 MB/s
    assertThat(learned).isBetween(53 * MB, 54 * MB);
  }

  @Test
  void theLinkIsNeverTheSumOfTheRatesInFlight() {
    // progress reports that add up to twice the link teach nothing of it: only bytes over time
    learning.started("h1");
    learning.progressed("u-a", new MigrationProgress(0, 0, 0, 0, 0, 90 * MB, T0));
    learning.progressed("u-b", new MigrationProgress(0, 0, 0, 0, 0, 90 * MB, T0));
    learning.finished(
        "h1",
        run(vm("a", 0), MigrationOptions.DEFAULTS, 2),
        moved(400 * MB, 90 * MB, 0),
        Duration.ofSeconds(10));
    learning.finished(
        "h1",
        run(vm("b", 0), MigrationOptions.DEFAULTS, 2),
        moved(400 * MB, 90 * MB, 0),
        Duration.ofSeconds(10));
    learning.idle("h1");

    assertThat(learning.link("h1", DECLARED).nicBytesPerSec()).isEqualTo(80 * MB);
  }

  @Test
  void aBusyPeriodThatSentLittleOrBrieflyTeachesNoLink() {
    learning.started("h1");
    learning.finished(
        "h1",
        run(vm("idle", 0), MigrationOptions.DEFAULTS, 2),
        moved(5 * MB, 50 * MB, 0),
        Duration.ofMillis(400));
    learning.idle("h1");
    learning.idle("h1");

    assertThat(learning.link("h1", DECLARED).nicBytesPerSec()).isEqualTo(DECLARED.nicBytesPerSec());
  }

  @Test
  void aTinyTransferTeachesNoRate() {
    // an idle guest: 600 KB in 0.15 s is its set-up, not the link
    learning.finished(
        "h1",
        run(vm("idle", 0), MigrationOptions.DEFAULTS, 1),
        MigrationOutcome.success(600_000, 1, Duration.ZERO)
            .withStats(
                new MigrationStats(
                    Duration.ofMillis(500),
                    Duration.ofMillis(150),
                    4 * MB,
                    0,
                    Set.of(MigrationFeature.AUTO_CONVERGE),
                    "")),
        Duration.ofSeconds(1));

    assertThat(learning.link("h1", DECLARED).streamBytesPerSec())
        .isEqualTo(DECLARED.streamBytesPerSec());
  }

  @Test
  void failedOrUnmeasuredMigrationsTeachNothing() {
    learning.finished(
        "h1",
        run(vm("a", 0), MigrationOptions.DEFAULTS, 1),
        MigrationOutcome.failure("refused", 0, 0),
        Duration.ofSeconds(1));
    learning.finished(
        "h1",
        run(vm("b", 0), MigrationOptions.DEFAULTS, 1),
        MigrationOutcome.success(500 * MB, 1, Duration.ZERO),
        Duration.ofSeconds(1));

    assertThat(learning.link("h1", DECLARED).learned()).isFalse();
  }

  @Test
  void aGuestIsPlannedAtNoLessThanItDirtiedWhileItLastMoved() {
    VmInfo busy = vm("busy", 0);
    learning.progressed(
        busy.uuid(), new MigrationProgress(10 * MB, 990 * MB, 1_000 * MB, 30 * MB, 0, 50 * MB, T0));
    learning.progressed(
        busy.uuid(), new MigrationProgress(20 * MB, 980 * MB, 1_000 * MB, 20 * MB, 0, 50 * MB, T0));

    assertThat(learning.withLearnedDirtyRate(busy).dirtyRateBytesPerSec()).isEqualTo(30 * MB);
    assertThat(learning.withLearnedDirtyRate(busy.withDirtyRate(5 * MB)).dirtyRateBytesPerSec())
        .as("a sample between two bursts")
        .isEqualTo(30 * MB);
    assertThat(learning.withLearnedDirtyRate(busy.withDirtyRate(80 * MB)).dirtyRateBytesPerSec())
        .as("a sample above what it did")
        .isEqualTo(80 * MB);
    assertThat(learning.withLearnedDirtyRate(vm("other", 0)).dirtyRateBytesPerSec()).isZero();
  }

  /**
   * A guest of 1000 MB dirtying 120 MB/s moved at 50 MB/s (auto-converge throttled it), sending
   * {@code sent} beside {@code inFlight - 1} others.
   */
  private void throttledMove(int inFlight, long sent, int tookSeconds) {
    learning.finished(
        "h1",
        run(vm("busy", 120 * MB), MigrationOptions.DEFAULTS, inFlight),
        moved(sent, 50 * MB, 120 * MB),
        Duration.ofSeconds(tookSeconds));
  }

  @Test
  void idleGuestsTeachTheFirstPassRatioAndThrottledOnesTheThrottlesShare() {
    // an idle guest of 1000 MB sent 5 MB (zero pages skipped)
    learning.finished(
        "h1",
        run(vm("idle", 0), MigrationOptions.DEFAULTS, 2),
        moved(5 * MB, 50 * MB, 0),
        Duration.ofSeconds(2));
    // a guest dirtying 120 MB/s on a 50 MB/s migration sent 8000 MB for its 1000: 7/8 re-sends
    throttledMove(2, 8_000 * MB, 161);

    LinkModel link = learning.link("h1", DECLARED);
    assertThat(link.firstPassRatio()).isCloseTo(0.005, within(1e-9));
    assertThat(link.throttledShare()).isCloseTo(0.875, within(1e-9));

    // a guest that re-sent nearly all it sent is capped below 1 (it would never converge)
    throttledMove(2, 100_000 * MB, 2001);
    assertThat(learning.link("h1", DECLARED).throttledShare())
        .isCloseTo((0.875 + MigrationLearning.MAX_THROTTLED_SHARE) / 2, within(1e-9));
  }

  @Test
  void theThrottledShareIsKeptPerNumberOfMigrationsInFlight() {
    // 1000 MB sent as 8000 alone (7/8 re-sends), as 10000 beside another migration (9/10)
    throttledMove(1, 8_000 * MB, 161);
    throttledMove(2, 10_000 * MB, 201);

    LinkModel link = learning.link("h1", DECLARED);
    assertThat(link.throttledShareByInFlight())
        .containsOnlyKeys(1, 2)
        .hasEntrySatisfying(1, v -> assertThat(v).isCloseTo(0.875, within(1e-9)))
        .hasEntrySatisfying(2, v -> assertThat(v).isCloseTo(0.9, within(1e-9)));
    assertThat(link.throttledShare(1)).isCloseTo(0.875, within(1e-9));
    // beyond the measured ones: re-sends per byte of memory (9 at two) grow with the cube root
    double r = 9 * Math.cbrt(2);
    assertThat(link.throttledShare(4)).isCloseTo(r / (1 + r), within(1e-9));
    assertThat(link.throttledShare()).isCloseTo((0.875 + 0.9) / 2, within(1e-9));

    // the model prices two at a time with the share measured two at a time
    var guests =
        java.util.List.of(
            io.vpanel.core.plan.MigrationFeaturePolicy.guest(
                vm("busy", 120 * MB), MigrationOptions.DEFAULTS, link),
            io.vpanel.core.plan.MigrationFeaturePolicy.guest(
                vm("busy2", 120 * MB), MigrationOptions.DEFAULTS, link));
    LinkModel flat =
        new LinkModel(
            link.nicBytesPerSec(),
            link.streamBytesPerSec(),
            link.setupSeconds(),
            true,
            link.zstdWireRatio(),
            link.firstPassRatio(),
            0.875,
            Map.of(),
            link.xbzrleResendRatio());
    assertThat(io.vpanel.core.plan.MakespanModel.predictSeconds(guests, link, 2))
        .isGreaterThan(io.vpanel.core.plan.MakespanModel.predictSeconds(guests, flat, 2));
    assertThat(io.vpanel.core.plan.MakespanModel.predictSeconds(guests, link, 1))
        .isEqualTo(io.vpanel.core.plan.MakespanModel.predictSeconds(guests, flat, 1));
  }

  @Test
  void eachThrottledGuestKeepsItsOwnShareBesideTheHosts() {
    // two at a time: two guests writing 10x their bandwidth re-sent 7/8 of what they sent, one
    // writing a little faster than its bandwidth (and finishing last) half
    for (String name : List.of("memtest", "memtest2")) {
      learning.finished(
          "h1",
          run(vm(name, 500 * MB), MigrationOptions.DEFAULTS, 2),
          moved(8_000 * MB, 50 * MB, 500 * MB),
          Duration.ofSeconds(161));
    }
    learning.finished(
        "h1",
        run(vm("paced", 60 * MB), MigrationOptions.DEFAULTS, 2),
        moved(2_000 * MB, 50 * MB, 60 * MB),
        Duration.ofSeconds(41));

    LinkModel link = learning.link("h1", DECLARED);
    assertThat(link.throttledShare(2))
        .as("the host's: each guest counted once, whatever the order")
        .isCloseTo((0.875 + 0.875 + 0.5) / 3, within(1e-9));
    assertThat(link.throttledShare("u-memtest", 2)).isCloseTo(0.875, within(1e-9));
    assertThat(link.throttledShare("u-paced", 2)).isCloseTo(0.5, within(1e-9));
    assertThat(link.throttledShare("u-other", 2)).isCloseTo(0.75, within(1e-9));

    // the plan prices the memtest guest with its own re-sends, not the mean's
    var memtest =
        io.vpanel.core.plan.MigrationFeaturePolicy.guest(
            vm("memtest", 500 * MB), MigrationOptions.DEFAULTS, link);
    var stranger =
        io.vpanel.core.plan.MigrationFeaturePolicy.guest(
            vm("stranger", 500 * MB), MigrationOptions.DEFAULTS, link);
    double own = io.vpanel.core.plan.MakespanModel.predictSeconds(List.of(memtest), link, 2);
    double mean = io.vpanel.core.plan.MakespanModel.predictSeconds(List.of(stranger), link, 2);
    // alone on the link (one in flight, scaled from two as the host's): 1000 MB at the declared
    // 500 MB/s per stream less its re-sends' share, plus the set-up
    double setup = link.setupSeconds();
    double ownShare = link.throttledShare("u-memtest", 1);
    assertThat(ownShare).isGreaterThan(link.throttledShare(1));
    assertThat(own - setup).isCloseTo(1000 / (500 * (1 - ownShare)), within(0.01));
    assertThat(mean - setup).isCloseTo(1000 / (500 * (1 - link.throttledShare(1))), within(0.01));
    assertThat(own).isGreaterThan(mean);
  }

  @Test
  void whatWasLearnedIsHandedOutOnceWhenItChangedAndAFreshEngineTakesItBack() {
    assertThat(learning.changed("h1")).as("nothing learned").isEmpty();
    learning.finished(
        "h1",
        run(vm("idle", 0), MigrationOptions.DEFAULTS, 1),
        moved(5 * MB, 50 * MB, 0),
        Duration.ofSeconds(2));
    throttledMove(2, 8_000 * MB, 161);
    learning.started("h1");
    learning.finished(
        "h1",
        run(vm("big", 0), MigrationOptions.DEFAULTS, 1),
        moved(500 * MB, 50 * MB, 0),
        Duration.ofSeconds(11));
    learning.idle("h1");

    var saved = learning.changed("h1").orElseThrow();
    assertThat(learning.changed("h1")).as("handed out once per change").isEmpty();
    assertThat(learning.changed("h2")).isEmpty();
    assertThat(saved.samples()).isEqualTo(3);
    assertThat(saved.throttledShareByGuest()).containsOnlyKeys("u-busy");

    MigrationLearning restarted = new MigrationLearning();
    restarted.restore(saved);
    assertThat(restarted.link("h1", DECLARED))
        .as("the same link as the engine that learned it")
        .isEqualTo(learning.link("h1", DECLARED));
    assertThat(restarted.link("h1", DECLARED).learned()).isTrue();
    assertThat(restarted.changed("h1")).as("taken back is no change").isEmpty();

    // and it goes on learning from there
    throttledMove(1, 8_000 * MB, 161);
    restarted.finished(
        "h1",
        run(vm("busy", 120 * MB), MigrationOptions.DEFAULTS, 1),
        moved(8_000 * MB, 50 * MB, 120 * MB),
        Duration.ofSeconds(161));
    assertThat(restarted.link("h1", DECLARED)).isEqualTo(learning.link("h1", DECLARED));
    assertThat(restarted.changed("h1").orElseThrow().samples()).isEqualTo(4);
  }

  /** A figure as a record may hold it: not measured (-1), or anything within its range. */
  private static double figure(java.util.SplittableRandom random, double low, double high) {
    return switch (random.nextInt(4)) {
      case 0 -> -1;
      case 1 -> low;
      case 2 -> high;
      default -> low + random.nextDouble() * (high - low);
    };
  }

  @io.vpanel.testkit.SeededProperty(tries = 300)
  void anyRecordTheJournalGivesBackPlansWithoutComplaint(long seed) {
    var random = new java.util.SplittableRandom(seed);
    Map<String, Map<Integer, Double>> guests = new java.util.HashMap<>();
    for (int g = random.nextInt(4); g > 0; g--) {
      Map<Integer, Double> shares = new java.util.HashMap<>();
      for (int n = random.nextInt(3); n > 0; n--) {
        shares.put(
            1 + random.nextInt(LearnedLink.MAX_IN_FLIGHT),
            random.nextBoolean()
                ? LinkModel.MAX_THROTTLED_SHARE
                : random.nextDouble() * LinkModel.MAX_THROTTLED_SHARE);
      }
      guests.put("u-" + g, shares);
    }
    LearnedLink saved =
        new LearnedLink(
            "h1",
            figure(random, 0, 1e7),
            figure(random, Double.MIN_VALUE, 1e15),
            figure(random, Double.MIN_VALUE, 1e15),
            figure(random, 1e-3, 2),
            figure(random, 1e-3, 1),
            figure(random, 0, LinkModel.MAX_THROTTLED_SHARE),
            guests,
            figure(random, 1e-3, 1),
            random.nextInt(1000));
    MigrationLearning restarted = new MigrationLearning();
    restarted.restore(saved);

    LinkModel link = restarted.link("h1", DECLARED);
    var vms = List.of(vm("1", 120 * MB), vm("2", 600 * MB), vm("idle", 0));
    var choice =
        io.vpanel.core.plan.ConcurrencyPolicy.choose(
            vms, link, EnumSet.allOf(MigrationFeature.class), MigrationOptions.DEFAULTS);
    assertThat(choice.concurrency()).isBetween(1, vms.size());
    assertThat(choice.predictedSeconds()).isPositive().isFinite();
  }

  @Test
  void compressedOrPostCopyGuestsTeachNoThrottlesShare() {
    for (MigrationFeature feature :
        new MigrationFeature[] {
          MigrationFeature.XBZRLE, MigrationFeature.ZSTD, MigrationFeature.POST_COPY
        }) {
      learning.finished(
          "h1",
          run(vm("busy", 120 * MB), MigrationOptions.DEFAULTS, 1),
          MigrationOutcome.success(8_000 * MB, 9, Duration.ofMillis(40))
              .withStats(
                  new MigrationStats(
                      Duration.ofSeconds(1),
                      Duration.ofSeconds(160),
                      50 * MB,
                      120 * MB,
                      Set.of(feature),
                      "")),
          Duration.ofSeconds(161));
    }
    assertThat(learning.link("h1", DECLARED).throttledShare())
        .isEqualTo(io.vpanel.core.plan.MakespanModel.THROTTLED_SHARE);
  }

  private static MigrationOutcome movedWithXbzrle(long bytes, long dirty, Duration transfer) {
    return MigrationOutcome.success(bytes, 12, Duration.ofMillis(40))
        .withStats(
            new MigrationStats(
                Duration.ofSeconds(1),
                transfer,
                50 * MB,
                dirty,
                Set.of(MigrationFeature.AUTO_CONVERGE, MigrationFeature.XBZRLE),
                ""));
  }

  @Test
  void xbzrleMigrationsTeachItsResendRatioAndThePlannerPricesItsChoiceWithIt() {
    MigrationOptions xbzrle =
        MigrationOptions.DEFAULTS.withFeatures(
            EnumSet.of(MigrationFeature.AUTO_CONVERGE, MigrationFeature.XBZRLE), 1);
    VmInfo busy = vm("busy", 30 * MB);
    assertThat(learning.link("h1", DECLARED).xbzrleResendRatio())
        .as("assumed until measured")
        .isEqualTo(io.vpanel.core.plan.MakespanModel.XBZRLE_RESEND_RATIO);

    // 1000 MB of memory, 2000 MB sent over 40 s of dirtying 30 MB/s: 1000 / 1200 per dirtied byte
    learning.finished(
        "h1",
        run(busy, xbzrle, 1),
        movedWithXbzrle(2_000 * MB, 0, Duration.ofSeconds(40)),
        Duration.ofSeconds(42));
    LinkModel link = learning.link("h1", DECLARED);
    assertThat(link.xbzrleResendRatio()).isCloseTo(1_000.0 / 1_200, within(1e-9));
    assertThat(io.vpanel.core.plan.MigrationFeaturePolicy.guest(busy, xbzrle, link).resendRatio())
        .isCloseTo(1_000.0 / 1_200, within(1e-9));
    assertThat(link.throttledShare())
        .as("an XBZRLE guest says nothing of uncompressed re-sends")
        .isEqualTo(io.vpanel.core.plan.MakespanModel.THROTTLED_SHARE);

    // a guest whose re-sends cost more than it dirtied (pages sent whole) counts as 1
    learning.finished(
        "h1",
        run(busy, xbzrle, 1),
        movedWithXbzrle(9_000 * MB, 30 * MB, Duration.ofSeconds(40)),
        Duration.ofSeconds(42));
    assertThat(learning.link("h1", DECLARED).xbzrleResendRatio())
        .isCloseTo((1_000.0 / 1_200 + 1.0) / 2, within(1e-9));

    // an idle guest whose zero pages were skipped sent less than its memory: no sample
    double before = learning.link("h1", DECLARED).xbzrleResendRatio();
    learning.finished(
        "h1",
        run(vm("sleepy", 2 * MB), xbzrle, 1),
        movedWithXbzrle(20 * MB, 2 * MB, Duration.ofSeconds(2)),
        Duration.ofSeconds(42));
    assertThat(learning.link("h1", DECLARED).xbzrleResendRatio()).isEqualTo(before);
  }

  @Test
  void theFirstPassRatioAppliesToQuietGuestsOnly() {
    LinkModel link = new LinkModel(50 * MB, 50 * MB, 0.5, true, 0.5, 0.01, 0.6, Map.of(), 0.3);
    VmInfo quiet = vm("quiet", 0);
    VmInfo busy = vm("busy", 100 * MB);

    assertThat(
            io.vpanel.core.plan.MigrationFeaturePolicy.guest(quiet, MigrationOptions.DEFAULTS, link)
                .wireRatio())
        .isEqualTo(0.01);
    assertThat(
            io.vpanel.core.plan.MigrationFeaturePolicy.guest(busy, MigrationOptions.DEFAULTS, link)
                .wireRatio())
        .isEqualTo(1.0);
  }
}
