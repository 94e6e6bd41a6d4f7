package io.vpanel.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.model.Activity;
import io.vpanel.core.model.CommandResult;
import io.vpanel.core.model.NoticeView;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.VmSpec;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.management.NoticeSeverity;
import io.vpanel.testkit.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Notices under the sender's own key (an Alertmanager alert's fingerprint): a repeated post renews
 * or replaces, never duplicates; a withdrawal removes; each is journaled; on the virtual clock.
 */
class KeyedNoticesTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;
  private static final Optional<String> KEY = Optional.of("alertmanager:0a1b2c3d4e5f6789");

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

  private static CommandResult done(SimHarness h, CompletableFuture<CommandResult> answer) {
    h.scheduler.runUntil(answer::isDone, Duration.ofSeconds(1));
    return answer.join();
  }

  private static String post(
      SimHarness h, String text, NoticeSeverity severity, Duration ttl, Optional<String> key) {
    CommandResult result =
        done(h, h.engine.postNotice("h1", text, severity, ttl, "alertmanager:vpanel", key));
    assertThat(result.accepted()).as(result.message()).isTrue();
    return result.message();
  }

  private static String shown(SimHarness h) {
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      all.append(String.join("|", h.panels.get("h1").last().lines())).append('\n');
      h.scheduler.advance(Duration.ofSeconds(4));
    }
    return all.toString();
  }

  private static List<Activity> notices(SimHarness h, String flag) {
    return h.activities.stream()
        .filter(a -> a.kind().equals("notice") && Boolean.TRUE.equals(a.fields().get(flag)))
        .toList();
  }

  @Test
  void theSameKeyPostedAgainRenewsTheOneNoticeAndItsExpiry() {
    try (SimHarness h = new SimHarness(cluster())) {
      String first =
          post(h, "disk sda failing", NoticeSeverity.WARNING, Duration.ofMinutes(10), KEY);
      NoticeView before = h.status("h1").notices().get(0);
      h.scheduler.advance(Duration.ofMinutes(8));
      String again =
          post(h, "disk sda failing", NoticeSeverity.WARNING, Duration.ofMinutes(10), KEY);

      assertThat(again).isEqualTo(first);
      List<NoticeView> views = h.status("h1").notices();
      assertThat(views).singleElement().satisfies(v -> assertThat(v.id()).isEqualTo(first));
      assertThat(views.get(0).at()).isEqualTo(before.at());
      assertThat(views.get(0).expiresAt()).isEqualTo(before.at().plus(Duration.ofMinutes(18)));
      assertThat(notices(h, "renewed"))
          .singleElement()
          .satisfies(a -> assertThat(a.fields()).containsEntry("key", KEY.get()));

      // The first expiry passes: the renewed notice stays, and leaves at its new one.
      h.scheduler.advance(Duration.ofMinutes(3));
      assertThat(h.status("h1").notices()).hasSize(1);
      assertThat(shown(h)).contains("WARN: disk sda faili");
      h.scheduler.advance(Duration.ofMinutes(8));
      assertThat(h.status("h1").notices()).isEmpty();
    }
  }

  @Test
  void aChangedTextUnderTheSameKeyReplacesItAndShowsItAgain() {
    try (SimHarness h = new SimHarness(cluster())) {
      String id = post(h, "disk sda failing", NoticeSeverity.WARNING, Duration.ofHours(4), KEY);
      post(h, "PSU swap at 14:00", NoticeSeverity.INFO, Duration.ofHours(1), Optional.empty());
      h.press("h1");
      h.release("h1");
      h.press("h1");
      h.release("h1");
      h.scheduler.advance(Duration.ofMillis(10));
      assertThat(h.status("h1").notices())
          .allSatisfy(v -> assertThat(v.acknowledgement()).isPresent());

      // Renewed with the same text it stays acknowledged; changed, it is new to the technician.
      post(h, "disk sda failing", NoticeSeverity.WARNING, Duration.ofHours(4), KEY);
      assertThat(h.status("h1").notices())
          .allSatisfy(v -> assertThat(v.acknowledgement()).isPresent());
      String replaced =
          post(h, "disk sda failed", NoticeSeverity.CRITICAL, Duration.ofHours(4), KEY);

      assertThat(replaced).isEqualTo(id);
      List<NoticeView> views = h.status("h1").notices();
      assertThat(views)
          .extracting(NoticeView::text)
          .containsExactly("disk sda failed", "PSU swap at 14:00");
      assertThat(views.get(0).severity()).isEqualTo(NoticeSeverity.CRITICAL);
      assertThat(views.get(0).acknowledgement()).isEmpty();
      assertThat(notices(h, "replaced"))
          .singleElement()
          .satisfies(a -> assertThat(a.fields()).containsEntry("id", id));
      assertThat(shown(h)).contains("CRIT: disk sda faile");
    }
  }

  @Test
  void aWithdrawalRemovesTheNoticeOfThatKeyOnlyAndIsJournaled() {
    try (SimHarness h = new SimHarness(cluster())) {
      String id = post(h, "disk sda failing", NoticeSeverity.CRITICAL, Duration.ofHours(4), KEY);
      post(h, "call NOC first", NoticeSeverity.WARNING, Duration.ofHours(4), Optional.empty());
      post(
          h,
          "fan 3 slow",
          NoticeSeverity.WARNING,
          Duration.ofHours(4),
          Optional.of("alertmanager:ffff"));
      // The same key on another host is another notice.
      assertThat(
              done(
                      h,
                      h.engine.postNotice(
                          "h2", "other host", NoticeSeverity.INFO, Duration.ofHours(1), "x", KEY))
                  .accepted())
          .isTrue();

      CommandResult withdrawn =
          done(h, h.engine.withdrawNotice("h1", KEY.get(), "alertmanager:vpanel"));
      assertThat(withdrawn.accepted()).isTrue();
      assertThat(withdrawn.message()).isEqualTo(id);
      assertThat(h.status("h1").notices())
          .extracting(NoticeView::text)
          .containsExactly("fan 3 slow", "call NOC first");
      assertThat(h.status("h2").notices()).hasSize(1);
      assertThat(shown(h)).doesNotContain("disk sda");
      assertThat(notices(h, "withdrawn"))
          .singleElement()
          .satisfies(
              a -> {
                assertThat(a.fields())
                    .containsEntry("id", id)
                    .containsEntry("from", "alertmanager:vpanel");
                assertThat(a.message())
                    .isEqualTo("notice withdrawn by alertmanager:vpanel: disk sda failing");
              });

      // Withdrawn again, or never posted: refused, nothing changes.
      assertThat(done(h, h.engine.withdrawNotice("h1", KEY.get(), "am")).accepted()).isFalse();
      assertThat(done(h, h.engine.withdrawNotice("h1", "nothing", "am")).accepted()).isFalse();
      assertThat(done(h, h.engine.withdrawNotice("nohost", KEY.get(), "am")).accepted()).isFalse();
      assertThat(h.status("h1").notices()).hasSize(2);

      // Posted again after its withdrawal: a new notice.
      String again = post(h, "disk sda failing", NoticeSeverity.CRITICAL, Duration.ofHours(4), KEY);
      assertThat(again).isNotEqualTo(id);
      assertThat(h.status("h1").notices()).hasSize(3);
    }
  }

  @Test
  void aNoticeIsWithdrawnByTheIdItsPostAnswered() {
    try (SimHarness h = new SimHarness(cluster())) {
      String keep =
          post(h, "call NOC first", NoticeSeverity.WARNING, Duration.ofHours(1), Optional.empty());
      String gone =
          post(h, "rack door open", NoticeSeverity.CRITICAL, Duration.ofHours(1), Optional.empty());

      CommandResult withdrawn = done(h, h.engine.withdrawNoticeById("h1", gone, "api:ops"));

      assertThat(withdrawn.accepted()).as(withdrawn.message()).isTrue();
      assertThat(withdrawn.message()).isEqualTo(gone);
      assertThat(h.status("h1").notices()).extracting(NoticeView::id).containsExactly(keep);
      assertThat(shown(h)).doesNotContain("rack door open").contains("call NOC first");
      assertThat(notices(h, "withdrawn"))
          .singleElement()
          .satisfies(
              a -> {
                assertThat(a.fields()).containsEntry("id", gone).containsEntry("from", "api:ops");
                assertThat(a.fields()).doesNotContainKey("key");
              });
      // Twice, unknown, or on a host this agent does not control: refused with the reason.
      assertThat(done(h, h.engine.withdrawNoticeById("h1", gone, "api:ops")).message())
          .isEqualTo("no notice " + gone + " on h1 (expired, withdrawn or never shown)");
      assertThat(done(h, h.engine.withdrawNoticeById("nohost", keep, "api:ops")).message())
          .isEqualTo("unknown host nohost");
      assertThat(h.status("h1").notices()).hasSize(1);
    }
  }

  @Test
  void aWithdrawnNoticesExpiryTimerIsCalledOffAndAnExpiredKeyedNoticeIsGone() {
    try (SimHarness h = new SimHarness(cluster())) {
      post(h, "short", NoticeSeverity.INFO, Duration.ofMinutes(1), KEY);
      h.scheduler.advance(Duration.ofMinutes(2));
      assertThat(h.status("h1").notices()).isEmpty();
      assertThat(done(h, h.engine.withdrawNotice("h1", KEY.get(), "am")).accepted()).isFalse();

      String id = post(h, "again", NoticeSeverity.INFO, Duration.ofMinutes(1), KEY);
      assertThat(done(h, h.engine.withdrawNotice("h1", KEY.get(), "am")).message()).isEqualTo(id);
      String later = post(h, "again", NoticeSeverity.INFO, Duration.ofMinutes(10), KEY);
      // The withdrawn notice's timer at 1 min does not take the new one.
      h.scheduler.advance(Duration.ofMinutes(2));
      assertThat(h.status("h1").notices())
          .singleElement()
          .satisfies(v -> assertThat(v.id()).isEqualTo(later));
    }
  }
}
