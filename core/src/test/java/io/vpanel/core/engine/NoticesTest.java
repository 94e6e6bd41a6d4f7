package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.model.Activity;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.NoticeView;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.management.NoticeSeverity;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Notices: severity, expiry, and the short press that acknowledges the newest one. */
class NoticesTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;

  private static Function<VirtualScheduler, SimCluster> cluster() {
    HostCapacity capacity = new HostCapacity(32 * GIB, 16, 1_250 * MB, 500 * MB);
    return scheduler ->
        SimCluster.builder(scheduler)
            .seed(3)
            .host("h1", capacity)
            .host("h2", capacity)
            .vm("h1", VmSpec.running("web", 2 * GIB, 2, 2 * MB, GIB / 5))
            .build();
  }

  private static String post(SimHarness h, String text, NoticeSeverity severity, Duration ttl) {
    var answer = h.engine.postNotice("h1", text, severity, ttl, "ops");
    h.scheduler.runUntil(answer::isDone, Duration.ofSeconds(1));
    CommandResult result = answer.join();
    assertThat(result.accepted()).isTrue();
    return result.message();
  }

  private static String shown(SimHarness h) {
    StringBuilder all = new StringBuilder();
    // Long enough for the rotating line to show each notice once.
    for (int i = 0; i < 12; i++) {
      all.append(String.join("|", h.panels.get("h1").last().lines())).append('\n');
      h.scheduler.advance(Duration.ofSeconds(4));
    }
    return all.toString();
  }

  private static List<Activity> acknowledgements(SimHarness h) {
    return h.activities.stream()
        .filter(
            a -> a.kind().equals("notice") && Boolean.TRUE.equals(a.fields().get("acknowledged")))
        .toList();
  }

  @Test
  void severityMarksAndOrdersNoticesAndEachExpires() {
    try (SimHarness h = new SimHarness(cluster())) {
      post(h, "PSU swap at 14:00", NoticeSeverity.INFO, Duration.ofMinutes(10));
      post(h, "RAID rebuilding", NoticeSeverity.CRITICAL, Duration.ofMinutes(2));
      post(h, "call NOC first", NoticeSeverity.WARNING, Duration.ofMinutes(10));

      List<NoticeView> views = h.status("h1").notices();
      assertThat(views)
          .extracting(NoticeView::text)
          .containsExactly("call NOC first", "RAID rebuilding", "PSU swap at 14:00");
      assertThat(views.get(1).severity()).isEqualTo(NoticeSeverity.CRITICAL);
      assertThat(views.get(1).expiresAt()).isEqualTo(views.get(1).at().plus(Duration.ofMinutes(2)));
      assertThat(views).allSatisfy(v -> assertThat(v.acknowledgement()).isEmpty());

      String shown = shown(h);
      assertThat(shown)
          .contains("CRIT: RAID rebuildin")
          .contains("WARN: call NOC first")
          .contains("PSU swap at 14:00");

      h.scheduler.advance(Duration.ofMinutes(2));
      assertThat(h.status("h1").notices())
          .extracting(NoticeView::text)
          .containsExactly("call NOC first", "PSU swap at 14:00");
      assertThat(shown(h)).doesNotContain("RAID");
      assertThat(h.activities)
          .anyMatch(
              a -> a.kind().equals("notice") && "critical".equals(a.fields().get("severity")));
    }
  }

  @Test
  void aShortPressAcknowledgesTheNewestNoticeAndIsJournaledWithItsPanel() {
    try (SimHarness h = new SimHarness(cluster())) {
      String older = post(h, "PSU swap at 14:00", NoticeSeverity.INFO, Duration.ofMinutes(10));
      String newer = post(h, "RAID rebuilding", NoticeSeverity.CRITICAL, Duration.ofMinutes(10));

      h.press("h1");
      h.scheduler.advance(Duration.ofMillis(300));
      h.release("h1");
      h.scheduler.advance(Duration.ofMillis(10));

      assertThat(h.state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
      List<NoticeView> views = h.status("h1").notices();
      NoticeView acked = views.stream().filter(v -> v.id().equals(newer)).findFirst().orElseThrow();
      assertThat(acked.acknowledgement())
          .hasValueSatisfying(a -> assertThat(a.panel()).isEqualTo("test"));
      assertThat(
              views.stream()
                  .filter(v -> v.id().equals(older))
                  .findFirst()
                  .orElseThrow()
                  .acknowledgement())
          .isEmpty();
      assertThat(acknowledgements(h))
          .singleElement()
          .satisfies(
              a -> {
                assertThat(a.fields()).containsEntry("panel", "test").containsEntry("id", newer);
                assertThat(a.message())
                    .isEqualTo("notice acknowledged on test panel: RAID rebuilding");
              });
      assertThat(String.join("|", h.panels.get("h1").last().lines()))
          .contains("NOTICE ACKNOWLEDGED");
      assertThat(shown(h)).doesNotContain("RAID").contains("PSU swap");

      // The next short press takes the older one; then a short press is just too short again.
      h.press("h1");
      h.release("h1");
      h.press("h1");
      h.release("h1");
      h.scheduler.advance(Duration.ofMillis(10));
      assertThat(acknowledgements(h)).hasSize(2);
      assertThat(h.activities).anyMatch(a -> a.message().contains("too short, nothing done"));

      // A long press still asks for maintenance.
      h.press("h1");
      h.scheduler.advance(EngineSettings.defaults().confirmHold().plusMillis(100));
      assertThat(h.state("h1")).isEqualTo(MaintenanceState.ENTERING);
    }
  }

  @Test
  void onAPressOnlyPanelTheFirstPressAcknowledgesBeforeItOffersAnything() {
    try (SimHarness h = new SimHarness(cluster())) {
      post(h, "RAID rebuilding", NoticeSeverity.CRITICAL, Duration.ofMinutes(10));
      post(h, "call NOC first", NoticeSeverity.WARNING, Duration.ofMinutes(10));
      SimHarness.RecordingPanel panel = h.panels.get("h1");

      panel.key(PanelButton.BACK, h.scheduler);
      h.scheduler.advance(Duration.ofMillis(10));
      assertThat(acknowledgements(h)).hasSize(1);

      panel.key(PanelButton.MAINTENANCE, h.scheduler);
      h.scheduler.advance(Duration.ofMillis(10));
      assertThat(acknowledgements(h)).hasSize(2);
      assertThat(h.status("h1").notices())
          .allSatisfy(v -> assertThat(v.acknowledgement()).isPresent());

      // Nothing left to acknowledge: presses offer and confirm as before.
      panel.key(PanelButton.MAINTENANCE, h.scheduler);
      h.scheduler.advance(Duration.ofMillis(10));
      assertThat(h.state("h1")).isEqualTo(MaintenanceState.OPERATIONAL);
      panel.key(PanelButton.MAINTENANCE, h.scheduler);
      h.scheduler.advance(Duration.ofMillis(10));
      assertThat(h.state("h1")).isEqualTo(MaintenanceState.ENTERING);
    }
  }

  @Test
  void aNoticeAlreadyExpiredIsNotShown() {
    try (SimHarness h = new SimHarness(cluster())) {
      var answer = h.engine.postNotice("h1", "late", NoticeSeverity.INFO, Duration.ZERO, "ops");
      h.scheduler.runUntil(answer::isDone, Duration.ofSeconds(1));
      assertThat(answer.join().accepted()).isFalse();
      assertThat(h.status("h1").notices()).isEmpty();
    }
  }
}
