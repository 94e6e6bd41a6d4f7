package io.vpanel.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.HoldFeedback;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every panel driver owes vpanel: it shows the state it is given, never blocks the
 * caller, and reports its maintenance button's presses and releases, in order, with timestamps, for
 * its own host. A driver's test subclasses this and drives the real peer (a browser, LCDd, an input
 * device) in {@link #pressOnPeer} and reads the peer back in {@link #shownOnPeer}.
 */
public abstract class PanelDriverContract {
  private PanelDriver panel;
  private final List<ButtonEvent> events = new CopyOnWriteArrayList<>();

  /** A fresh, not yet started driver for {@link #host()}; the contract closes it. */
  protected abstract PanelDriver createPanel();

  /** The host the panel belongs to. */
  protected abstract String host();

  /** Presses ({@code true}) or releases the maintenance button on the real peer. */
  protected abstract void pressOnPeer(boolean pressed) throws Exception;

  /** The display's text as the peer shows it now, row by row. */
  protected abstract List<String> shownOnPeer() throws Exception;

  /** Returns once {@code condition} holds, or fails after {@code timeout}. */
  protected abstract void await(BooleanSupplier condition, Duration timeout);

  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  @BeforeEach
  void startPanel() {
    panel = createPanel();
    panel.start(events::add);
  }

  @AfterEach
  void closePanel() {
    panel.close();
  }

  /** A panel state with the given display text and the maintenance light flashing red. */
  protected PanelState state(long version, String... lines) {
    return new PanelState(
        host(),
        version,
        3,
        MaintenanceState.ENTERING,
        false,
        Light.flashing(LightColor.RED),
        Light.steady(LightColor.GREEN),
        Light.OFF,
        Light.steady(LightColor.AMBER),
        Light.steady(LightColor.GREEN),
        false,
        List.of(lines),
        Optional.of(new HoldFeedback("cancel", Instant.EPOCH, Duration.ofSeconds(3))),
        Optional.empty());
  }

  @Test
  void showsTheLatestStateItWasGiven() throws Exception {
    panel.render(state(1, fit("FIRST"), fit("STATE"), fit(""), fit("")));
    panel.render(state(2, fit("SECOND"), fit("EVACUATING 2/3"), fit(""), fit("")));

    await(() -> rowsStartWith("SECOND", "EVACUATING 2/3"), timeout());
  }

  @Test
  void renderReturnsAtOnceEvenForManyStates() {
    for (int i = 0; i < 2_000; i++) {
      panel.render(state(i, fit("STATE " + i), fit(""), fit(""), fit("")));
    }
    await(() -> rowsStartWith("STATE 1999"), timeout());
  }

  @Test
  void reportsPressThenReleaseForItsHostWithOrderedTimestamps() throws Exception {
    pressOnPeer(true);
    await(() -> events.size() >= 1, timeout());
    pressOnPeer(false);
    await(() -> events.size() >= 2, timeout());

    assertThat(events).hasSize(2);
    assertThat(events.get(0)).isInstanceOf(ButtonEvent.Pressed.class);
    assertThat(events.get(1)).isInstanceOf(ButtonEvent.Released.class);
    assertThat(events).allSatisfy(e -> assertThat(e.button()).isEqualTo(PanelButton.MAINTENANCE));
    assertThat(events.get(1).at()).isAfterOrEqualTo(events.get(0).at());
    assertThat(panel.name()).isNotBlank();
  }

  @Test
  void reportsNothingAfterItIsClosed() throws Exception {
    panel.close();
    try {
      pressOnPeer(true);
    } catch (Exception | AssertionError expectedWhenThePeerRefuses) {
      // A peer may refuse a press on a closed panel; the point is that nothing is delivered.
    }
    assertThat(events).isEmpty();
  }

  private boolean rowsStartWith(String... prefixes) {
    try {
      List<String> shown = shownOnPeer();
      for (int i = 0; i < prefixes.length; i++) {
        if (shown.size() <= i || !shown.get(i).startsWith(prefixes[i])) {
          return false;
        }
      }
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** Pads to the common 20 columns. */
  protected static String fit(String text) {
    return String.format("%-20s", text);
  }
}
