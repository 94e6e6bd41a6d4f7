package io.vpanel.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.ButtonInput;
import io.vpanel.spi.panel.ConfirmFeedback;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.HoldFeedback;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every panel driver owes vpanel, checked against the driver's real peer (a browser,
 * LCDd, an input device, a terminal): it shows every state it is given at its own display size,
 * never blocks the caller, reports its maintenance button in the form its {@link ButtonInput} says
 * (press then release with ordered timestamps, or one key stroke per press), and reports nothing
 * once closed. How a gesture becomes an action is core's work ({@code ButtonGestures}); a driver
 * owes the events that gesture is made of, the same for every panel of its kind.
 *
 * <p>A driver's test subclasses this and drives the peer in {@link #pressOnPeer} (press-and-release
 * panels) or {@link #strikeOnPeer} (press-only panels), and reads the peer back in {@link
 * #shownOnPeer}.
 */
public abstract class PanelDriverContract {
  private PanelDriver panel;
  private final List<ButtonEvent> events = new CopyOnWriteArrayList<>();

  /** A fresh, not yet started driver for {@link #host()}; the contract closes it. */
  protected abstract PanelDriver createPanel();

  /** The host the panel belongs to. */
  protected abstract String host();

  /**
   * Presses ({@code true}) or releases the maintenance button on the real peer. Only called for a
   * panel whose capabilities say {@link ButtonInput#PRESS_AND_RELEASE}.
   */
  protected void pressOnPeer(boolean pressed) throws Exception {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " reports presses only");
  }

  /**
   * Strikes the key the panel maps to {@code button} once on the real peer. Only called for a panel
   * whose capabilities say {@link ButtonInput#PRESS_ONLY}.
   */
  protected void strikeOnPeer(PanelButton button) throws Exception {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " reports presses and releases");
  }

  /** The display's text as the peer shows it now, row by row (trailing blanks may be trimmed). */
  protected abstract List<String> shownOnPeer() throws Exception;

  /** Returns once {@code condition} holds, or fails after {@code timeout}. */
  protected abstract void await(BooleanSupplier condition, Duration timeout);

  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  /** The driver under test, started. */
  protected final PanelDriver panel() {
    return panel;
  }

  /** The button events the driver reported so far, in order. */
  protected final List<ButtonEvent> reported() {
    return events;
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

  /**
   * A panel state showing {@code rows} (padded or cut to the panel's display, as core lays it out)
   * with the maintenance light flashing red and a hold in progress.
   */
  protected PanelState state(long version, String... rows) {
    return state(version, MaintenanceState.ENTERING, Optional.empty(), rows);
  }

  /** A panel state in {@code maintenanceState}, with a confirm offer when given. */
  protected PanelState state(
      long version,
      MaintenanceState maintenanceState,
      Optional<ConfirmFeedback> confirm,
      String... rows) {
    boolean safe = maintenanceState == MaintenanceState.IN_MAINTENANCE;
    return new PanelState(
        host(),
        version,
        safe ? 0 : 3,
        maintenanceState,
        safe,
        maintenanceLight(maintenanceState),
        Light.steady(LightColor.GREEN),
        Light.OFF,
        Light.steady(LightColor.AMBER),
        Light.steady(LightColor.GREEN),
        safe,
        sized(rows),
        Optional.of(new HoldFeedback("cancel", Instant.EPOCH, Duration.ofSeconds(3))),
        confirm);
  }

  private static Light maintenanceLight(MaintenanceState state) {
    return switch (state) {
      case OPERATIONAL -> Light.OFF;
      case ENTERING, EXITING -> Light.flashing(LightColor.AMBER);
      case IN_MAINTENANCE -> Light.steady(LightColor.GREEN);
      case FAILED -> Light.flashing(LightColor.RED);
    };
  }

  @Test
  void showsTheLatestStateItWasGiven() throws Exception {
    panel.render(state(1, "FIRST", "STATE"));
    panel.render(state(2, "SECOND", "EVACUATING 2/3"));

    await(() -> rowsStartWith(expectedRows("SECOND", "EVACUATING 2/3")), timeout());
  }

  @Test
  void showsEveryMaintenanceStateAtItsOwnSize() {
    long version = 10;
    for (MaintenanceState each : MaintenanceState.values()) {
      String[] rows = {"STATE " + each.name(), each.ordinal() + " OF 5"};
      panel.render(state(version++, each, Optional.empty(), rows));
      await(() -> rowsStartWith(expectedRows(rows)), timeout());
    }
  }

  @Test
  void showsARowAsWideAsTheDisplayWithoutSpillingIntoTheNext() {
    DisplayGeometry display = panel.capabilities().display();
    String wide = "W".repeat(display.columns());
    panel.render(state(1, wide, "NEXT ROW"));

    await(() -> rowsStartWith(expectedRows(wide, "NEXT ROW")), timeout());
  }

  @Test
  void renderReturnsAtOnceEvenForManyStates() {
    for (int i = 0; i < 2_000; i++) {
      panel.render(state(i, "STATE " + i));
    }
    await(() -> rowsStartWith(expectedRows("STATE 1999")), timeout());
  }

  @Test
  void reportsItsMaintenanceButtonInTheFormItsCapabilitiesPromise() throws Exception {
    if (panel.capabilities().buttons() == ButtonInput.PRESS_AND_RELEASE) {
      pressOnPeer(true);
      await(() -> events.size() >= 1, timeout());
      pressOnPeer(false);
      await(() -> events.size() >= 2, timeout());

      assertThat(events).hasSize(2);
      assertThat(events.get(0)).isInstanceOf(ButtonEvent.Pressed.class);
      assertThat(events.get(1)).isInstanceOf(ButtonEvent.Released.class);
      assertThat(events.get(1).at()).isAfterOrEqualTo(events.get(0).at());
    } else {
      strikeOnPeer(PanelButton.MAINTENANCE);
      await(() -> events.size() >= 1, timeout());
      strikeOnPeer(PanelButton.MAINTENANCE);
      await(() -> events.size() >= 2, timeout());

      assertThat(events)
          .hasSize(2)
          .allSatisfy(e -> assertThat(e).isInstanceOf(ButtonEvent.Key.class));
      assertThat(events.get(1).at()).isAfterOrEqualTo(events.get(0).at());
    }
    assertThat(events).allSatisfy(e -> assertThat(e.button()).isEqualTo(PanelButton.MAINTENANCE));
    assertThat(panel.name()).isNotBlank();
  }

  @Test
  void showsAConfirmOfferOnTheDisplayItIsGiven() {
    // Core writes the offer into the display rows; the driver shows them like any other rows.
    ConfirmFeedback offer = new ConfirmFeedback("enter", Instant.EPOCH.plusSeconds(5));
    String[] rows = {"PRESS AGAIN TO", "ENTER MAINT"};
    panel.render(state(1, MaintenanceState.OPERATIONAL, Optional.of(offer), rows));

    await(() -> rowsStartWith(expectedRows(rows)), timeout());
  }

  @Test
  void reportsNothingAfterItIsClosed() throws Exception {
    panel.close();
    try {
      if (panel.capabilities().buttons() == ButtonInput.PRESS_AND_RELEASE) {
        pressOnPeer(true);
        pressOnPeer(false);
      } else {
        strikeOnPeer(PanelButton.MAINTENANCE);
      }
    } catch (Exception | AssertionError expectedWhenThePeerRefuses) {
      // A peer may refuse input for a closed panel; the point is that nothing is delivered.
    }
    panel.render(state(99, "AFTER CLOSE"));
    assertThat(events).isEmpty();
  }

  /** {@code rows} as the display shows them: cut to its width and trailing blanks dropped. */
  protected final List<String> expectedRows(String... rows) {
    List<String> sized = sized(rows);
    List<String> expected = new ArrayList<>();
    for (String row : sized) {
      expected.add(row.stripTrailing());
    }
    return expected;
  }

  /** {@code rows} padded or cut to the panel's display, as core lays them out. */
  protected final List<String> sized(String... rows) {
    DisplayGeometry display = panel.capabilities().display();
    List<String> sized = new ArrayList<>();
    for (int i = 0; i < display.rows(); i++) {
      String row = i < rows.length ? rows[i] : "";
      if (row.length() > display.columns()) {
        row = row.substring(0, display.columns());
      }
      sized.add(row + " ".repeat(display.columns() - row.length()));
    }
    return sized;
  }

  private boolean rowsStartWith(List<String> expected) {
    try {
      List<String> shown = shownOnPeer();
      for (int i = 0; i < expected.size(); i++) {
        String row = shown.size() <= i ? "" : shown.get(i).stripTrailing();
        if (!row.equals(expected.get(i))) {
          return false;
        }
      }
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
