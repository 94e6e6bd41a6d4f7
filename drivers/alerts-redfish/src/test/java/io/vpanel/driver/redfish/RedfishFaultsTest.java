package io.vpanel.driver.redfish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.alert.AlertListener;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.alert.SourceHealth;
import io.vpanel.spi.alert.SourceHealth.Status;
import io.vpanel.testkit.Poll;
import io.vpanel.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each fault gives a clear health report, and the source recovers once the fault is gone. */
class RedfishFaultsTest {
  @TempDir Path dir;
  RedfishFixture fixture;
  AlertSource source;
  final Recorder recorder = new Recorder();

  static final class Recorder implements AlertListener {
    final List<HardwareAlert> alerts = new CopyOnWriteArrayList<>();
    final List<SourceHealth> health = new CopyOnWriteArrayList<>();

    @Override
    public void onAlert(HardwareAlert alert, String cursor) {
      alerts.add(alert);
    }

    @Override
    public void onHealth(SourceHealth report) {
      health.add(report);
    }

    SourceHealth last() {
      return health.isEmpty() ? null : health.get(health.size() - 1);
    }
  }

  @BeforeEach
  void startService() throws Exception {
    fixture = new RedfishFixture(dir);
  }

  @AfterEach
  void stop() {
    if (source != null) {
      source.close();
    }
    fixture.close();
  }

  private void start(RedfishSettings settings) {
    source = fixture.source(settings);
    source.start(Optional.empty(), recorder);
  }

  private void awaitHealth(String what, Predicate<SourceHealth> test) {
    Poll.atMost(Duration.ofSeconds(20))
        .explainedBy(() -> "health so far: " + recorder.health)
        .until(what, () -> recorder.last() != null && test.test(recorder.last()));
  }

  private static Predicate<SourceHealth> is(Status status, String reasonPart) {
    return h -> h.status() == status && h.reason().contains(reasonPart);
  }

  @Test
  void aWrongCaIsATlsHandshakeFailure() throws Exception {
    TestCertificates other = new TestCertificates(Files.createDirectory(dir.resolve("other")));
    Path wrongCa = other.ca("not-the-bmc-ca").certificate();
    start(
        fixture
            .settings("auto", "session")
            .withService(fixture.mock.uri(), wrongCa.toString(), fixture.credentials.toString()));
    awaitHealth("a TLS failure", is(Status.UNREACHABLE, "TLS handshake"));
    assertThat(recorder.last().reason()).contains("caFile");
  }

  @Test
  void aWrongPasswordIs401AndTheNewPasswordIsTakenAfterTheFileIsFixed() throws Exception {
    fixture.mock.password("changed-on-the-bmc");
    start(fixture.settings("sse", "session"));
    awaitHealth("refused credentials", is(Status.UNREACHABLE, "HTTP 401"));
    assertThat(recorder.last().reason()).doesNotContain("redfish-test-secret");
    fixture.mock.password("redfish-test-secret");
    awaitHealth("back", is(Status.OK, "SSE"));
  }

  @Test
  void aWrongPasswordWithBasicAuthIs401() {
    fixture.mock.password("changed-on-the-bmc");
    start(fixture.settings("poll", "basic"));
    awaitHealth("refused credentials", is(Status.UNREACHABLE, "HTTP 401"));
  }

  @Test
  void malformedJsonIsDegradedAndSurvived() {
    start(fixture.settings("poll", "basic"));
    awaitHealth("polling", is(Status.OK, "polling"));
    fixture.mock.malformed(true);
    awaitHealth("malformed", is(Status.DEGRADED, "malformed JSON"));
    fixture.mock.malformed(false);
    fixture.psuLost();
    awaitHealth("polling again", is(Status.OK, "polling"));
    Poll.atMost(Duration.ofSeconds(10)).until("the alert", () -> recorder.alerts.size() == 1);
  }

  @Test
  void aMalformedSseEventIsSkippedAndTheStreamGoesOn() {
    start(fixture.settings("sse", "session"));
    awaitHealth("streaming", is(Status.OK, "SSE"));
    fixture.mock.malformed(true);
    fixture.psuLost();
    awaitHealth("malformed", is(Status.DEGRADED, "malformed JSON"));
    fixture.mock.malformed(false);
    fixture.psuBack();
    Poll.atMost(Duration.ofSeconds(10))
        .until("the next event", () -> recorder.alerts.stream().anyMatch(a -> !a.asserted()));
    awaitHealth("ok again", is(Status.OK, "SSE"));
  }

  @Test
  void aStalledStreamIsReconnectedWithLastEventId() {
    start(fixture.settings("sse", "session"));
    awaitHealth("streaming", is(Status.OK, "SSE"));
    fixture.psuLost();
    Poll.atMost(Duration.ofSeconds(10)).until("the alert", () -> recorder.alerts.size() == 1);
    fixture.mock.stallStream(true);
    awaitHealth("stalled", is(Status.UNREACHABLE, "stalled"));
    fixture.mock.stallStream(false);
    awaitHealth("streaming again", is(Status.OK, "SSE"));
    assertThat(fixture.mock.streamsOpened()).isGreaterThanOrEqualTo(2);
    assertThat(fixture.mock.lastEventIds()).contains("1");
    fixture.psuBack();
    Poll.atMost(Duration.ofSeconds(10)).until("the clearing", () -> recorder.alerts.size() == 2);
    Poll.atMost(Duration.ofSeconds(5))
        .holdsFor(Duration.ofSeconds(1), "no repeat", () -> recorder.alerts.size() == 2);
  }

  @Test
  void aServiceThatStopsAnsweringTimesOutAndIsReadAgainWhenBack() {
    start(fixture.settings("poll", "session"));
    awaitHealth("polling", is(Status.OK, "polling"));
    fixture.mock.stopAnswering(true);
    awaitHealth("timeout", is(Status.UNREACHABLE, "not answering"));
    fixture.psuLost();
    fixture.mock.stopAnswering(false);
    awaitHealth("back", is(Status.OK, "polling"));
    Poll.atMost(Duration.ofSeconds(10))
        .until("what happened meanwhile", () -> recorder.alerts.size() == 1);
  }

  @Test
  void theSessionIsDeletedOnClose() {
    start(fixture.settings("sse", "session"));
    awaitHealth("streaming", is(Status.OK, "SSE"));
    assertThat(fixture.mock.openSessions()).isEqualTo(1);
    source.close();
    assertThat(fixture.mock.openSessions()).isZero();
  }

  @Test
  void withoutSseAutoPolls() {
    fixture.mock.sse(false);
    start(fixture.settings("auto", "basic"));
    awaitHealth("polling", is(Status.OK, "no SSE"));
    fixture.psuLost();
    Poll.atMost(Duration.ofSeconds(10)).until("the alert", () -> recorder.alerts.size() == 1);
    assertThat(fixture.mock.streamsOpened()).isZero();
  }

  @Test
  void aCredentialsFileOthersMayReadIsRefusedWithTheFix() throws Exception {
    Files.setPosixFilePermissions(
        fixture.credentials, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> fixture.source(fixture.settings("auto", "session")))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("chmod 600 " + fixture.credentials)
        .hasMessageNotContaining("redfish-test-secret");
  }

  @Test
  void settingsAreValidated() {
    assertThatThrownBy(
            () ->
                RedfishSettings.defaults()
                    .withService("http://127.0.0.1", "", fixture.credentials.toString()))
        .hasMessageContaining("https://");
    assertThatThrownBy(() -> RedfishSettings.defaults().withMode("subscribe", "session"))
        .hasMessageContaining("mode must be one of auto, sse, poll");
    assertThatThrownBy(() -> RedfishSettings.defaults().withTimes(0, 1, 1000, 1))
        .hasMessageContaining("pollSeconds");
    assertThatThrownBy(
            () ->
                new RedfishAlertSourceProvider()
                    .create(
                        RedfishSettings.defaults(),
                        new io.vpanel.spi.DriverContext(fixture.scheduler, "h")))
        .hasMessageContaining("credentialsFile");
  }
}
