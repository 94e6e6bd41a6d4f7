package io.vpanel.core.panel;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.model.HaStatus;
import io.vpanel.core.model.MaintenanceView;
import io.vpanel.core.model.PfaStatus;
import io.vpanel.core.model.ProgressView;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.panel.HoldFeedback;
import io.vpanel.spi.panel.PanelState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The display over random hosts, states and texts, on every display size the agent accepts. */
class PanelProjectionProperties {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Property(tries = 500)
  void everyRowIsExactlyAsWideAsTheDisplay(@ForAll("inputs") PanelProjection.Input in) {
    PanelState panel = PanelProjection.project(in);

    assertThat(panel.lines()).hasSize(in.rows());
    assertThat(panel.lines())
        .allSatisfy(
            line -> assertThat(line).hasSize(in.columns()).doesNotContain("\n", "\t", "\r"));
    assertThat(panel.lines().get(0)).endsWith(" " + in.runningVms() + " VM");
  }

  @Property(tries = 500)
  void safeToServiceOnlyWhenSafe(@ForAll("inputs") PanelProjection.Input in) {
    PanelState panel = PanelProjection.project(in);

    assertThat(panel.safeToService()).isEqualTo(in.maintenance().safeToService());
    assertThat(panel.identify()).isEqualTo(in.maintenance().safeToService());
    if (!in.maintenance().safeToService()) {
      assertThat(panel.lines()).noneMatch(line -> line.contains("SAFE TO SERVICE"));
    }
    if (in.maintenance().safeToService()
        && in.hypervisorConnected()
        && in.maintenance().state() == MaintenanceState.IN_MAINTENANCE) {
      assertThat(panel.lines().get(1)).startsWith("SAFE TO SERVICE");
    }
  }

  @Property(tries = 200)
  void projectionIsPure(@ForAll("inputs") PanelProjection.Input in) {
    assertThat(PanelProjection.project(in)).isEqualTo(PanelProjection.project(in));
  }

  @Provide
  Arbitrary<PanelProjection.Input> inputs() {
    // Texts come from operators and peers: any letters, whitespace of every kind, no limit.
    Arbitrary<String> text =
        Arbitraries.oneOf(
            Arbitraries.strings().ofMaxLength(60),
            Arbitraries.strings()
                .withCharRange('a', 'z')
                .withCharRange('A', 'Z')
                .withChars(" \t\n-.:,ßﬃ")
                .ofMaxLength(80));
    Arbitrary<String> noSafeText = text.filter(s -> !s.toUpperCase().contains("SAFE"));
    Arbitrary<ProgressView> progress =
        Combinators.combine(
                Arbitraries.integers().between(0, 500),
                Arbitraries.integers().between(0, 500),
                Arbitraries.longs().between(0, 1L << 42),
                Arbitraries.doubles().between(0, 1e6).optional(),
                noSafeText.optional())
            .as(
                (total, left, bytes, eta, holding) ->
                    new ProgressView(total, left, bytes, bytes, eta, holding, 1, 2, 0));
    Arbitrary<MaintenanceView> views =
        Combinators.combine(
                Arbitraries.of(MaintenanceState.class),
                Arbitraries.of(true, false),
                noSafeText.optional(),
                progress.optional())
            .as(
                (state, safe, reason, prog) ->
                    new MaintenanceView(state, T0, reason, safe, Optional.empty(), prog));
    Arbitrary<Optional<HoldFeedback>> holds =
        Combinators.combine(
                Arbitraries.of("enter", "exit", "cancel"), Arbitraries.longs().between(0, 20_000))
            .as((action, ms) -> new HoldFeedback(action, T0, Duration.ofMillis(ms)))
            .optional();
    return Builders.withBuilder(Slots::new)
        .use(text.filter(s -> !s.isEmpty()))
        .in(
            (s, v) -> {
              s.host = v;
              return s;
            })
        .use(Arbitraries.integers().between(0, 99_999))
        .in(
            (s, v) -> {
              s.running = v;
              return s;
            })
        .use(Arbitraries.of(true, false))
        .in(
            (s, v) -> {
              s.connected = v;
              return s;
            })
        .use(views)
        .in(
            (s, v) -> {
              s.view = v;
              return s;
            })
        .use(Arbitraries.of(LinkStatus.class))
        .in(
            (s, v) -> {
              s.link = v;
              return s;
            })
        .use(Arbitraries.of(PfaStatus.class))
        .in(
            (s, v) -> {
              s.pfa = v;
              return s;
            })
        .use(Arbitraries.of(DrsMode.class))
        .in(
            (s, v) -> {
              s.drs = v;
              return s;
            })
        .use(Arbitraries.of(HaStatus.class))
        .in(
            (s, v) -> {
              s.ha = v;
              return s;
            })
        .use(holds)
        .in(
            (s, v) -> {
              s.hold = v;
              return s;
            })
        .use(noSafeText.optional())
        .in(
            (s, v) -> {
              s.message = v;
              return s;
            })
        .use(noSafeText.list().ofMaxSize(3))
        .in(
            (s, v) -> {
              s.notices = v;
              return s;
            })
        .use(Arbitraries.integers().between(2, 8))
        .in(
            (s, v) -> {
              s.rows = v;
              return s;
            })
        .use(Arbitraries.integers().between(16, 40))
        .in(
            (s, v) -> {
              s.columns = v;
              return s;
            })
        .build(Slots::input);
  }

  /** The builder's scratch pad. */
  static final class Slots {
    String host;
    int running;
    boolean connected;
    MaintenanceView view;
    LinkStatus link;
    PfaStatus pfa;
    DrsMode drs;
    HaStatus ha;
    Optional<HoldFeedback> hold;
    Optional<String> message;
    List<String> notices;
    int rows;
    int columns;

    PanelProjection.Input input() {
      return new PanelProjection.Input(
          host, 1, connected, running, view, link, pfa, drs, ha, hold, message, notices, 0, rows,
          columns);
    }
  }
}
