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
import io.vpanel.testkit.Draw;
import io.vpanel.testkit.SeededProperty;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The display over random hosts, states and texts, on every display size the agent accepts. */
class PanelProjectionProperties {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @SeededProperty(tries = 500)
  void everyRowIsExactlyAsWideAsTheDisplay(long seed) {
    PanelProjection.Input in = inputs(new Draw(seed));
    PanelState panel = PanelProjection.project(in);

    assertThat(panel.lines()).hasSize(in.rows());
    assertThat(panel.lines())
        .allSatisfy(
            line -> assertThat(line).hasSize(in.columns()).doesNotContain("\n", "\t", "\r"));
    assertThat(panel.lines().get(0)).endsWith(" " + in.runningVms() + " VM");
  }

  @SeededProperty(tries = 500)
  void safeToServiceOnlyWhenSafe(long seed) {
    PanelProjection.Input in = inputs(new Draw(seed));
    PanelState panel = PanelProjection.project(in);

    assertThat(panel.safeToService()).isEqualTo(in.maintenance().safeToService());
    assertThat(panel.identify()).isEqualTo(in.maintenance().safeToService());
    if (!in.maintenance().safeToService()) {
      assertThat(panel.lines()).noneMatch(line -> line.contains("SAFE TO SERVICE"));
    }
    if (in.maintenance().safeToService()
        && in.hypervisorConnected()
        && in.maintenance().state() == MaintenanceState.IN_MAINTENANCE) {
      if (in.rows() >= 3) {
        assertThat(panel.lines().get(1)).startsWith("SAFE TO SERVICE");
      } else if (in.hold().isEmpty() && Math.floorMod(in.rotation(), 2) == 1) {
        // A small display shows a gesture first, else what is new, then the state every other turn.
        assertThat(panel.lines().get(in.rows() - 1)).startsWith("SAFE TO SERVICE");
      }
    }
  }

  @SeededProperty(tries = 200)
  void projectionIsPure(long seed) {
    PanelProjection.Input in = inputs(new Draw(seed));
    assertThat(PanelProjection.project(in)).isEqualTo(PanelProjection.project(in));
  }

  /** Texts come from operators and peers: any characters, whitespace of every kind, no limit. */
  private static String text(Draw draw) {
    return draw.bool()
        ? draw.anyString(60)
        : draw.string(80, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ \t\n-.:,ßﬃ");
  }

  private static String noSafeText(Draw draw) {
    String text = text(draw);
    while (text.toUpperCase().contains("SAFE")) {
      text = text(draw);
    }
    return text;
  }

  private static ProgressView progress(Draw draw) {
    int total = draw.between(0, 500);
    int left = draw.between(0, 500);
    long bytes = draw.between(0L, 1L << 42);
    Optional<Double> eta = draw.optional(() -> draw.between(0.0, 1e6));
    Optional<String> holding = draw.optional(() -> noSafeText(draw));
    return new ProgressView(total, left, bytes, bytes, eta, holding, 1, 2, 0);
  }

  private static MaintenanceView view(Draw draw) {
    MaintenanceState state = draw.of(MaintenanceState.class);
    boolean safe = draw.bool();
    Optional<String> reason = draw.optional(() -> noSafeText(draw));
    Optional<ProgressView> progress = draw.optional(() -> progress(draw));
    return new MaintenanceView(state, T0, reason, safe, Optional.empty(), progress);
  }

  private static Optional<HoldFeedback> hold(Draw draw) {
    return draw.optional(
        () ->
            new HoldFeedback(
                draw.of("enter", "exit", "cancel"),
                T0,
                Duration.ofMillis(draw.between(0L, 20_000))));
  }

  static PanelProjection.Input inputs(Draw draw) {
    String host = text(draw);
    while (host.isEmpty()) {
      host = text(draw);
    }
    int running = draw.between(0, 99_999);
    boolean connected = draw.bool();
    MaintenanceView view = view(draw);
    LinkStatus link = draw.of(LinkStatus.class);
    PfaStatus pfa = draw.of(PfaStatus.class);
    DrsMode drs = draw.of(DrsMode.class);
    HaStatus ha = draw.of(HaStatus.class);
    Optional<HoldFeedback> hold = hold(draw);
    Optional<String> message = draw.optional(() -> noSafeText(draw));
    List<String> notices = draw.list(0, 3, () -> noSafeText(draw));
    int rows = draw.between(2, 8);
    int columns = draw.between(16, 40);
    return new PanelProjection.Input(
        host, 1, connected, running, view, link, pfa, drs, ha, hold, message, notices, 0, rows,
        columns);
  }
}
