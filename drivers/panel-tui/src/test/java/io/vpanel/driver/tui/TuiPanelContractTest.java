package io.vpanel.driver.tui;

import io.vpanel.spi.panel.PanelButton;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.testkit.PanelDriverContract;
import io.vpanel.testkit.SteppedScheduler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;

/**
 * The panel contract for the terminal panel with its real peer: a tmux pane whose pseudo terminal
 * the driver opens as its device. The display is read back from the pane's text ({@code
 * capture-pane}), keys are struck with {@code send-keys}. The display is 3 x 24, not the default,
 * so the driver is seen to draw its own geometry.
 */
class TuiPanelContractTest extends PanelDriverContract {
  private TmuxPane pane;
  private PanelDriver panel;

  @Override
  protected PanelDriver createPanel() {
    try {
      pane = TmuxPane.start(80, 24);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    TuiSettings settings =
        new TuiSettings(pane.tty(), 3, 24, "Enter", "Escape", true, "UTF-8", 200);
    panel =
        new TuiPanelProvider()
            .create(settings, new io.vpanel.spi.DriverContext(new SteppedScheduler(), host()));
    return panel;
  }

  @AfterEach
  void stopPane() {
    panel.close();
    pane.close();
  }

  @Override
  protected String host() {
    return "rack12-u07";
  }

  @Override
  protected void strikeOnPeer(PanelButton button) throws IOException {
    pane.sendKeys(button == PanelButton.MAINTENANCE ? "Enter" : "Escape");
  }

  @Override
  protected List<String> shownOnPeer() throws IOException {
    return TmuxPane.boxRows(pane.capture());
  }

  @Override
  protected void await(BooleanSupplier condition, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(condition::getAsBoolean);
  }
}
