package io.vpanel.core.panel;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.model.HaStatus;
import io.vpanel.core.model.MaintenanceView;
import io.vpanel.core.model.PfaStatus;
import io.vpanel.core.model.ProgressView;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.panel.ConfirmFeedback;
import io.vpanel.spi.panel.HoldFeedback;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class PanelProjectionTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final long GIB = 1024L * 1024 * 1024;

  static MaintenanceView view(MaintenanceState state) {
    return new MaintenanceView(
        state, T0, Optional.empty(), false, Optional.empty(), Optional.empty());
  }

  static MaintenanceView view(
      MaintenanceState state, boolean safe, Optional<String> reason, ProgressView progress) {
    return new MaintenanceView(
        state, T0, reason, safe, Optional.empty(), Optional.ofNullable(progress));
  }

  /** A connected, operational host on a 4 x 20 display; tests change what they look at. */
  static PanelProjection.Input input(MaintenanceView m) {
    return new PanelProjection.Input(
        "rack12-u07",
        7,
        true,
        12,
        m,
        LinkStatus.CONNECTED,
        PfaStatus.ARMED,
        DrsMode.AUTOMATIC,
        HaStatus.PROTECTED,
        Optional.empty(),
        Optional.empty(),
        List.of(),
        0,
        4,
        20);
  }

  static PanelProjection.Input with(
      PanelProjection.Input in,
      int runningVms,
      boolean connected,
      Optional<HoldFeedback> hold,
      Optional<String> message,
      List<String> notices) {
    return new PanelProjection.Input(
        in.host(),
        in.version(),
        connected,
        runningVms,
        in.maintenance(),
        in.managementLink(),
        in.pfaProtect(),
        in.drs(),
        in.ha(),
        hold,
        message,
        notices,
        0,
        in.rows(),
        in.columns());
  }

  static PanelProjection.Input withIndicators(
      LinkStatus link, PfaStatus pfa, DrsMode drs, HaStatus ha) {
    PanelProjection.Input in = input(view(MaintenanceState.OPERATIONAL));
    return new PanelProjection.Input(
        in.host(),
        in.version(),
        in.hypervisorConnected(),
        in.runningVms(),
        in.maintenance(),
        link,
        pfa,
        drs,
        ha,
        in.hold(),
        in.message(),
        in.notices(),
        0,
        in.rows(),
        in.columns());
  }

  static ProgressView progress(int total, int left, long bytesLeft, Double eta, String holdingUp) {
    return new ProgressView(
        total,
        left,
        100 * GIB,
        bytesLeft,
        Optional.ofNullable(eta),
        Optional.ofNullable(holdingUp),
        2,
        3,
        0);
  }

  static void assertShape(PanelState state, int rows, int columns) {
    assertThat(state.lines()).hasSize(rows);
    assertThat(state.lines()).allSatisfy(line -> assertThat(line).hasSize(columns));
  }

  // --- lights ------------------------------------------------------------------------------

  static Stream<Arguments> maintenanceLights() {
    return Stream.of(
        Arguments.of(MaintenanceState.OPERATIONAL, Light.OFF),
        Arguments.of(MaintenanceState.ENTERING, new Light(LightColor.RED, true)),
        Arguments.of(MaintenanceState.EXITING, new Light(LightColor.RED, true)),
        Arguments.of(MaintenanceState.IN_MAINTENANCE, new Light(LightColor.GREEN, false)),
        Arguments.of(MaintenanceState.FAILED, new Light(LightColor.RED, false)));
  }

  @ParameterizedTest
  @MethodSource("maintenanceLights")
  void maintenanceLightFollowsTheState(MaintenanceState state, Light expected) {
    PanelState panel = PanelProjection.project(input(view(state)));

    assertThat(panel.maintenance()).isEqualTo(expected);
    assertThat(panel.maintenanceState()).isEqualTo(state);
  }

  static Stream<Arguments> linkLights() {
    return Stream.of(
        Arguments.of(LinkStatus.NONE, Light.OFF),
        Arguments.of(LinkStatus.CONNECTED, new Light(LightColor.GREEN, false)),
        Arguments.of(LinkStatus.DEGRADED, new Light(LightColor.AMBER, false)),
        Arguments.of(LinkStatus.LOST, new Light(LightColor.RED, false)));
  }

  @ParameterizedTest
  @MethodSource("linkLights")
  void managementLinkLight(LinkStatus link, Light expected) {
    PanelState panel =
        PanelProjection.project(
            withIndicators(link, PfaStatus.ARMED, DrsMode.AUTOMATIC, HaStatus.PROTECTED));

    assertThat(panel.managementLink()).isEqualTo(expected);
  }

  static Stream<Arguments> pfaLights() {
    return Stream.of(
        Arguments.of(PfaStatus.DISABLED, Light.OFF),
        Arguments.of(PfaStatus.ARMED, new Light(LightColor.GREEN, false)),
        Arguments.of(PfaStatus.REMEDIATING, new Light(LightColor.AMBER, false)),
        Arguments.of(PfaStatus.FAILED, new Light(LightColor.RED, false)));
  }

  @ParameterizedTest
  @MethodSource("pfaLights")
  void pfaProtectLight(PfaStatus pfa, Light expected) {
    PanelState panel =
        PanelProjection.project(
            withIndicators(LinkStatus.CONNECTED, pfa, DrsMode.AUTOMATIC, HaStatus.PROTECTED));

    assertThat(panel.pfaProtect()).isEqualTo(expected);
  }

  static Stream<Arguments> drsLights() {
    return Stream.of(
        Arguments.of(DrsMode.OFF, Light.OFF),
        Arguments.of(DrsMode.AUTOMATIC, new Light(LightColor.GREEN, false)),
        Arguments.of(DrsMode.MANUAL, new Light(LightColor.AMBER, false)));
  }

  @ParameterizedTest
  @MethodSource("drsLights")
  void drsLight(DrsMode drs, Light expected) {
    PanelState panel =
        PanelProjection.project(
            withIndicators(LinkStatus.CONNECTED, PfaStatus.ARMED, drs, HaStatus.PROTECTED));

    assertThat(panel.drs()).isEqualTo(expected);
  }

  static Stream<Arguments> haLights() {
    return Stream.of(
        Arguments.of(HaStatus.OFF, Light.OFF),
        Arguments.of(HaStatus.PROTECTED, new Light(LightColor.GREEN, false)),
        Arguments.of(HaStatus.INSUFFICIENT, new Light(LightColor.AMBER, false)),
        Arguments.of(HaStatus.FAULT, new Light(LightColor.RED, false)));
  }

  @ParameterizedTest
  @MethodSource("haLights")
  void haLight(HaStatus ha, Light expected) {
    PanelState panel =
        PanelProjection.project(
            withIndicators(LinkStatus.CONNECTED, PfaStatus.ARMED, DrsMode.AUTOMATIC, ha));

    assertThat(panel.ha()).isEqualTo(expected);
  }

  @Test
  void indicatorsAreIndependentOfEachOther() {
    PanelState panel =
        PanelProjection.project(
            withIndicators(LinkStatus.LOST, PfaStatus.DISABLED, DrsMode.MANUAL, HaStatus.FAULT));

    assertThat(panel.managementLink()).isEqualTo(Light.steady(LightColor.RED));
    assertThat(panel.pfaProtect()).isEqualTo(Light.OFF);
    assertThat(panel.drs()).isEqualTo(Light.steady(LightColor.AMBER));
    assertThat(panel.ha()).isEqualTo(Light.steady(LightColor.RED));
    assertThat(panel.maintenance()).isEqualTo(Light.OFF);
  }

  // --- display -----------------------------------------------------------------------------

  @Test
  void operationalDisplayShowsNameCountStateAndClusterServices() {
    PanelState panel = PanelProjection.project(input(view(MaintenanceState.OPERATIONAL)));

    assertThat(panel.lines())
        .containsExactly(
            "RACK12-U07     12 VM",
            "OPERATIONAL         ",
            "DRS AUTO HA OK      ",
            "                    ");
    assertThat(panel.host()).isEqualTo("rack12-u07");
    assertThat(panel.version()).isEqualTo(7);
    assertThat(panel.runningVms()).isEqualTo(12);
    assertThat(panel.hold()).isEmpty();
  }

  @Test
  void longHostNameIsClippedAndKeepsTheCount() {
    PanelProjection.Input in = input(view(MaintenanceState.OPERATIONAL));
    PanelProjection.Input longName =
        new PanelProjection.Input(
            "a-very-long-hypervisor-host-name",
            1,
            true,
            1234,
            in.maintenance(),
            in.managementLink(),
            in.pfaProtect(),
            in.drs(),
            in.ha(),
            in.hold(),
            in.message(),
            in.notices(),
            0,
            4,
            20);

    List<String> lines = PanelProjection.project(longName).lines();

    assertThat(lines.get(0)).isEqualTo("A-VERY-LONG- 1234 VM");
    assertShape(PanelProjection.project(longName), 4, 20);
  }

  @Test
  void safeToServiceShownWhenSafe() {
    PanelProjection.Input in =
        with(
            input(view(MaintenanceState.IN_MAINTENANCE, true, Optional.empty(), null)),
            0,
            true,
            Optional.empty(),
            Optional.empty(),
            List.of());

    PanelState panel = PanelProjection.project(in);

    assertThat(panel.safeToService()).isTrue();
    assertThat(panel.identify()).isTrue();
    assertThat(panel.lines().get(1)).isEqualTo("SAFE TO SERVICE     ");
  }

  @Test
  void notSafeWhileGuestsStillRun() {
    PanelProjection.Input in =
        with(
            input(view(MaintenanceState.IN_MAINTENANCE, false, Optional.empty(), null)),
            2,
            true,
            Optional.empty(),
            Optional.empty(),
            List.of());

    PanelState panel = PanelProjection.project(in);

    assertThat(panel.safeToService()).isFalse();
    assertThat(panel.identify()).isFalse();
    assertThat(panel.lines().get(1)).isEqualTo("NOT SAFE: 2 RUNNING ");
    assertThat(panel.lines()).noneMatch(line -> line.contains("SAFE TO SERVICE"));
  }

  @ParameterizedTest
  @EnumSource(MaintenanceState.class)
  void safeToServiceNeverShownWhenNotSafe(MaintenanceState state) {
    PanelState panel =
        PanelProjection.project(
            with(input(view(state)), 0, true, Optional.empty(), Optional.empty(), List.of()));

    assertThat(panel.safeToService()).isFalse();
    assertThat(panel.lines()).noneMatch(line -> line.contains("SAFE TO SERVICE"));
  }

  @Test
  void lostHypervisorIsShownInsteadOfTheState() {
    PanelProjection.Input in =
        with(
            input(view(MaintenanceState.OPERATIONAL)),
            0,
            false,
            Optional.empty(),
            Optional.empty(),
            List.of());

    assertThat(PanelProjection.project(in).lines().get(1)).isEqualTo("HYPERVISOR LOST     ");
  }

  @Test
  void holdShowsWhatItWillDoAndForHowLong() {
    HoldFeedback hold = new HoldFeedback("enter", T0, Duration.ofSeconds(3));
    PanelProjection.Input in =
        with(
            input(view(MaintenanceState.OPERATIONAL)),
            12,
            true,
            Optional.of(hold),
            Optional.empty(),
            List.of());

    PanelState panel = PanelProjection.project(in);

    assertThat(panel.lines().get(2)).isEqualTo("HOLD 3S TO ENTER    ");
    assertThat(panel.hold()).contains(hold);
  }

  @Test
  void holdRoundsPartSecondsUp() {
    HoldFeedback hold = new HoldFeedback("cancel", T0, Duration.ofMillis(2500));
    PanelProjection.Input in =
        with(
            input(view(MaintenanceState.ENTERING)),
            12,
            true,
            Optional.of(hold),
            Optional.empty(),
            List.of());

    assertThat(PanelProjection.project(in).lines()).contains("HOLD 3S TO CANCEL   ");
  }

  @Test
  void longRefusalWrapsAcrossRowsAtSpaces() {
    PanelProjection.Input in =
        with(
            input(view(MaintenanceState.OPERATIONAL)),
            12,
            true,
            Optional.empty(),
            Optional.of("NO-GO: needs 48 GiB, 20 GiB free"),
            List.of());

    assertThat(PanelProjection.project(in).lines())
        .containsExactly(
            "RACK12-U07     12 VM",
            "OPERATIONAL         ",
            "NO-GO: needs 48 GiB,",
            "20 GiB free         ");
  }

  @Test
  void wordLongerThanTheDisplayIsCut() {
    assertThat(PanelProjection.wrap("abcdefghij klm", 4))
        .containsExactly("abcd", "efgh", "ij", "klm");
    assertThat(PanelProjection.wrap("  a \t b  ", 20)).containsExactly("a b");
    assertThat(PanelProjection.wrap("", 20)).isEmpty();
  }

  @Test
  void failureReasonIsShownWrapped() {
    PanelProjection.Input in =
        input(
            view(
                MaintenanceState.FAILED,
                false,
                Optional.of("migration of db-7 timed out after 10 min"),
                null));

    assertThat(PanelProjection.project(in).lines())
        .containsExactly(
            "RACK12-U07     12 VM",
            "MAINTENANCE FAILED  ",
            "migration of db-7   ",
            "timed out after 10  ");
  }

  @Test
  void progressRowShowsBytesLeftEtaAndTheGuestHoldingUp() {
    PanelProjection.Input in =
        input(
            view(
                MaintenanceState.ENTERING,
                false,
                Optional.empty(),
                progress(12, 3, 48 * GIB, 65.0, "db-7")));

    assertThat(PanelProjection.project(in).lines())
        .containsExactly(
            "RACK12-U07     12 VM",
            "EVACUATING 3/12     ",
            "48G LEFT ETA 1:05   ",
            "WAIT db-7           ");
  }

  @Test
  void theFeaturesOfTheMoveHoldingUpTakeTurnsWithItsName() {
    ProgressView p = progress(12, 3, 48 * GIB, 65.0, "db-7");
    ProgressView withFeatures =
        new ProgressView(
            p.vmsTotal(),
            p.vmsLeft(),
            p.bytesTotal(),
            p.bytesLeft(),
            p.etaSeconds(),
            p.holdingUp(),
            p.running(),
            p.concurrency(),
            p.failed(),
            Optional.of("multifd x4, zstd, auto-converge"));
    PanelProjection.Input in =
        input(view(MaintenanceState.ENTERING, false, Optional.empty(), withFeatures));
    java.util.Set<String> lastLines = new java.util.HashSet<>();
    for (int rotation = 0; rotation < 4; rotation++) {
      PanelProjection.Input turned =
          new PanelProjection.Input(
              in.host(),
              in.version(),
              in.hypervisorConnected(),
              in.runningVms(),
              in.maintenance(),
              in.managementLink(),
              in.pfaProtect(),
              in.drs(),
              in.ha(),
              in.hold(),
              in.message(),
              in.notices(),
              rotation,
              in.rows(),
              in.columns());
      List<String> lines = PanelProjection.project(turned).lines();
      assertThat(lines.get(2)).isEqualTo("48G LEFT ETA 1:05   ");
      lastLines.add(lines.get(3));
    }
    assertThat(lastLines).containsExactlyInAnyOrder("WAIT db-7           ", "MFDx4 ZSTD AUTOCONV ");
  }

  @Test
  void featureWordsFitAPanel() {
    assertThat(PanelProjection.featureWords("multifd x8, zstd, auto-converge"))
        .isEqualTo("MFDx8 ZSTD AUTOCONV");
    assertThat(PanelProjection.featureWords("xbzrle, post-copy")).isEqualTo("XBZRLE POSTCOPY");
  }

  @Test
  void progressWithoutEstimateShowsDashes() {
    PanelProjection.Input in =
        input(
            view(
                MaintenanceState.EXITING,
                false,
                Optional.empty(),
                progress(4, 2, 1536L * 1024 * 1024, null, null)));

    assertThat(PanelProjection.project(in).lines())
        .containsExactly(
            "RACK12-U07     12 VM",
            "EXITING 2 TO GO     ",
            "1.5G LEFT ETA --:-- ",
            "                    ");
  }

  @Test
  void longEtaShowsHours() {
    assertThat(PanelProjection.clock(3600 + 60 + 5)).isEqualTo("1:01:05");
    assertThat(PanelProjection.clock(59.6)).isEqualTo("1:00");
    assertThat(PanelProjection.clock(-3)).isEqualTo("0:00");
  }

  @Test
  void noticeIsShownOnTheDetailRows() {
    PanelProjection.Input in =
        with(
            input(view(MaintenanceState.OPERATIONAL)),
            12,
            true,
            Optional.empty(),
            Optional.empty(),
            List.of("PSU 2 replace Friday", "second notice"));

    assertThat(PanelProjection.project(in).lines().get(2)).isEqualTo("PSU 2 replace Friday");
    assertThat(PanelProjection.project(in).lines()).noneMatch(l -> l.contains("second"));
  }

  @Test
  void otherDisplaySizesAreFilled() {
    PanelProjection.Input in = input(view(MaintenanceState.OPERATIONAL));
    for (int[] size : new int[][] {{2, 16}, {4, 40}, {6, 24}}) {
      PanelProjection.Input sized =
          new PanelProjection.Input(
              in.host(),
              in.version(),
              true,
              in.runningVms(),
              in.maintenance(),
              in.managementLink(),
              in.pfaProtect(),
              in.drs(),
              in.ha(),
              in.hold(),
              Optional.of("NO-GO: needs 48 GiB, 20 GiB free"),
              in.notices(),
              0,
              size[0],
              size[1]);
      assertShape(PanelProjection.project(sized), size[0], size[1]);
    }
  }

  @Test
  void fitPadsAndClips() {
    assertThat(PanelProjection.fit("abc", 5)).isEqualTo("abc  ");
    assertThat(PanelProjection.fit("abcdef", 4)).isEqualTo("abcd");
    assertThat(PanelProjection.fit("a\nb", 4)).isEqualTo("a b ");
  }

  @Test
  void whateverTheTextADisplayGetsOnlyPrintableCharacters() {
    assertThat(PanelProjection.fit("DISK\u001b[2J SWAP", 20)).isEqualTo("DISK?[2J SWAP       ");
    assertThat(PanelProjection.fit("a\r\n\tb", 5)).isEqualTo("a b  ");
    assertThat(PanelProjection.fit("bidi\u202eok\u200b!", 10)).isEqualTo("bidi?ok?! ");
    assertThat(PanelProjection.fit("half \ud83d pair", 12)).isEqualTo("half ? pair ");
    // A pair cut at the width is dropped whole, never halved.
    String face = "\ud83d\ude00";
    assertThat(PanelProjection.fit("x".repeat(19) + face, 20)).isEqualTo("x".repeat(19) + " ");
    assertThat(PanelProjection.wrap("PSU\u0007 2 \u001bfailure", 8))
        .containsExactly("PSU? 2", "?failure");
  }

  private static PanelProjection.Input small(
      PanelProjection.Input in, int rows, int columns, Optional<String> message, int rotation) {
    return new PanelProjection.Input(
        in.host(),
        in.version(),
        in.hypervisorConnected(),
        in.runningVms(),
        in.maintenance(),
        in.managementLink(),
        in.pfaProtect(),
        in.drs(),
        in.ha(),
        in.hold(),
        message,
        in.notices(),
        rotation,
        rows,
        columns);
  }

  @Test
  void aSmallDisplayShowsTheConfirmOfferEvenWhenSafeToService() {
    PanelProjection.Input in =
        input(view(MaintenanceState.IN_MAINTENANCE, true, Optional.empty(), null));
    Optional<ConfirmFeedback> offer =
        Optional.of(new ConfirmFeedback("exit", Instant.EPOCH.plusSeconds(5)));
    for (int[] size : new int[][] {{2, 16}, {2, 20}, {1, 16}}) {
      List<String> lines =
          PanelProjection.lines(small(in, size[0], size[1], Optional.empty(), 0), offer);
      assertThat(lines.get(lines.size() - 1).trim())
          .as("%dx%d", size[1], size[0])
          .isEqualTo(size[1] < 20 ? "AGAIN TO EXIT" : "PRESS AGAIN TO EXIT");
    }
    List<String> without = PanelProjection.lines(small(in, 2, 16, Optional.empty(), 0));
    assertThat(without.get(1).trim()).isEqualTo("SAFE TO SERVICE");
  }

  @Test
  void onTwentyColumnsTheCancelOfferIsShortenedSoItsActionWordShows() {
    PanelProjection.Input in = input(view(MaintenanceState.ENTERING));
    List<String> lines =
        PanelProjection.lines(
            small(in, 4, 20, Optional.empty(), 0),
            Optional.of(new ConfirmFeedback("cancel", Instant.EPOCH)));
    assertThat(lines).contains(PanelProjection.fit("AGAIN TO CANCEL", 20));
    List<String> exit =
        PanelProjection.lines(
            small(in, 4, 20, Optional.empty(), 0),
            Optional.of(new ConfirmFeedback("exit", Instant.EPOCH)));
    assertThat(exit).contains(PanelProjection.fit("PRESS AGAIN TO EXIT", 20));
  }

  @Test
  void onSixteenColumnsEveryOfferKeepsItsActionWord() {
    PanelProjection.Input in = input(view(MaintenanceState.ENTERING));
    for (String action : List.of("enter", "exit", "cancel")) {
      List<String> lines =
          PanelProjection.lines(
              small(in, 2, 16, Optional.empty(), 0),
              Optional.of(new ConfirmFeedback(action, Instant.EPOCH)));
      assertThat(lines.get(1)).contains(action.toUpperCase(Locale.ROOT));
    }
  }

  @Test
  void aSmallDisplayTakesTurnsBetweenTheStateAndWhatElseThereIsToSay() {
    PanelProjection.Input in = input(view(MaintenanceState.ENTERING));
    // What is new comes first (the engine starts the rotation over for it), then the state.
    PanelProjection.Input refused = small(in, 2, 20, Optional.of("NO-GO: no room"), 0);
    assertThat(PanelProjection.lines(refused).get(1).trim()).isEqualTo("NO-GO: no room");
    PanelProjection.Input next = small(in, 2, 20, Optional.of("NO-GO: no room"), 1);
    assertThat(PanelProjection.lines(next).get(1).trim()).startsWith("EVACUATING");
  }

  @Test
  void aVmCountWiderThanTheDisplayDoesNotBreakTheTitle() {
    PanelProjection.Input in = input(view(MaintenanceState.OPERATIONAL));
    PanelProjection.Input narrow =
        new PanelProjection.Input(
            in.host(),
            in.version(),
            true,
            123_456_789,
            in.maintenance(),
            in.managementLink(),
            in.pfaProtect(),
            in.drs(),
            in.ha(),
            in.hold(),
            Optional.empty(),
            List.of(),
            0,
            2,
            8);
    assertThat(PanelProjection.lines(narrow)).allSatisfy(l -> assertThat(l).hasSize(8));
  }
}
