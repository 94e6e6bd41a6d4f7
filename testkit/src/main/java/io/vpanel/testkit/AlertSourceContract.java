package io.vpanel.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.alert.AlertListener;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.alert.HardwareAlert;
import io.vpanel.spi.alert.SourceHealth;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every alert source owes vpanel: it reports what its hardware asserts and clears
 * under one stable id, with a readable cause and its own name; it reports its health; and started
 * again with the cursor of the last alert core recorded, it reports every record after that one and
 * none before — also when the hardware's log was cleared in between. A source's test subclasses
 * this and drives the real peer (ipmi_sim, a Redfish service) in {@link #assertOnPeer} and {@link
 * #clearOnPeer}.
 */
public abstract class AlertSourceContract {
  private final List<AlertSource> started = new CopyOnWriteArrayList<>();

  /** A new, not yet started source over the same peer each time (as an agent restarted). */
  protected abstract AlertSource createSource();

  /** Makes the peer assert a condition worth an alert (a predictive failure, a PSU lost). */
  protected abstract void assertOnPeer() throws Exception;

  /** Makes the peer clear the condition {@link #assertOnPeer} asserted. */
  protected abstract void clearOnPeer() throws Exception;

  /** Empties the peer's event log (a SEL clear); false when the peer has no such thing. */
  protected boolean clearLogOnPeer() throws Exception {
    return false;
  }

  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  /** What one started source reported. */
  protected static final class Reports implements AlertListener {
    public final List<HardwareAlert> alerts = new CopyOnWriteArrayList<>();
    public final List<String> cursors = new CopyOnWriteArrayList<>();
    public final List<SourceHealth> health = new CopyOnWriteArrayList<>();

    @Override
    public void onAlert(HardwareAlert alert, String cursor) {
      alerts.add(alert);
      cursors.add(cursor);
    }

    @Override
    public void onHealth(SourceHealth report) {
      health.add(report);
    }

    String lastCursor() {
      return cursors.get(cursors.size() - 1);
    }
  }

  private Reports start(AlertSource source, Optional<String> cursor) {
    Reports reports = new Reports();
    started.add(source);
    source.start(cursor, reports);
    return reports;
  }

  private void await(String what, java.util.function.BooleanSupplier condition) {
    Poll.atMost(timeout()).until(what, condition::getAsBoolean);
  }

  @AfterEach
  void closeSources() {
    started.forEach(AlertSource::close);
  }

  @Test
  void reportsAnAssertionWithAStableIdACauseAndItsNameThenItsClearingUnderTheSameId()
      throws Exception {
    AlertSource source = createSource();
    Reports reports = start(source, Optional.empty());
    assertOnPeer();
    await(
        "the assertion is reported",
        () -> reports.alerts.stream().anyMatch(HardwareAlert::asserted));
    HardwareAlert raised =
        reports.alerts.stream().filter(HardwareAlert::asserted).findFirst().get();
    assertThat(raised.id()).isNotBlank();
    assertThat(raised.source()).isEqualTo(source.name());
    assertThat(raised.cause()).isNotBlank();
    assertThat(raised.component()).isNotBlank();
    assertThat(reports.cursors).doesNotContainNull();

    clearOnPeer();
    await(
        "the clearing is reported",
        () -> reports.alerts.stream().anyMatch(a -> !a.asserted() && a.id().equals(raised.id())));
  }

  @Test
  void reportsItsHealth() {
    Reports reports = start(createSource(), Optional.empty());
    await("a health report", () -> !reports.health.isEmpty());
    assertThat(reports.health.get(0).reason()).isNotBlank();
  }

  @Test
  void resumesAfterItsCursorWithoutMissingOrRepeatingARecord() throws Exception {
    AlertSource first = createSource();
    Reports before = start(first, Optional.empty());
    assertOnPeer();
    await("the first record", () -> !before.alerts.isEmpty());
    String cursor = before.lastCursor();
    int seen = before.alerts.size();
    first.close();

    clearOnPeer();
    Reports after = start(createSource(), Optional.of(cursor));
    await("the record made while it was stopped", () -> !after.alerts.isEmpty());
    Poll.atMost(timeout())
        .holdsFor(Duration.ofSeconds(1), "nothing repeated", () -> after.alerts.size() == 1);
    assertThat(after.alerts.get(0).asserted()).isFalse();
    assertThat(before.alerts).hasSize(seen);
  }

  @Test
  void afterTheLogWasClearedItReportsTheNewRecordsOnly() throws Exception {
    AlertSource first = createSource();
    Reports before = start(first, Optional.empty());
    assertOnPeer();
    await("the first record", () -> !before.alerts.isEmpty());
    String cursor = before.lastCursor();
    first.close();
    if (!clearLogOnPeer()) {
      return;
    }
    clearOnPeer();
    Reports after = start(createSource(), Optional.of(cursor));
    await("the record after the clearing", () -> !after.alerts.isEmpty());
    Poll.atMost(timeout())
        .holdsFor(Duration.ofSeconds(1), "nothing repeated", () -> after.alerts.size() == 1);
    assertThat(after.alerts.get(0).asserted()).isFalse();
  }

  @Test
  void reportsNothingAfterItIsClosed() throws Exception {
    AlertSource source = createSource();
    Reports reports = start(source, Optional.empty());
    source.close();
    assertOnPeer();
    Poll.atMost(timeout())
        .holdsFor(Duration.ofSeconds(1), "nothing after close", () -> reports.alerts.isEmpty());
  }
}
