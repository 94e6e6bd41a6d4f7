package io.vpanel.driver.lcdproc;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelButton;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.testkit.LcddFixture;
import io.vpanel.testkit.PanelDriverContract;
import io.vpanel.testkit.WallClockScheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The panel contract against a real LCDd (curses driver in tmux) of one size: each test gets its
 * own LCDd on a free port, stopped after the test.
 */
abstract class LcdprocContractTestBase extends PanelDriverContract {
  @TempDir Path dir;

  private LcddFixture lcdd;
  private LcdprocPanelDriver driver;

  abstract int width();

  abstract int height();

  @Override
  protected PanelDriver createPanel() {
    try {
      lcdd = LcddFixture.start(dir, width(), height());
    } catch (IOException e) {
      throw new IllegalStateException("LCDd did not start", e);
    }
    LcdprocSettings settings = LcdprocSettings.defaults().withPort(lcdd.port()).withTimes(10, 1);
    driver =
        (LcdprocPanelDriver)
            new LcdprocPanelProvider()
                .create(settings, new DriverContext(new WallClockScheduler(), host()));
    return driver;
  }

  /** Runs after the contract started the panel: connected, its keys reserved, its size known. */
  @BeforeEach
  void awaitTheScreen() {
    await(
        () ->
            driver.showing()
                && driver.capabilities().display().equals(new DisplayGeometry(height(), width())),
        timeout());
  }

  @AfterEach
  void stopLcdd() {
    if (lcdd != null) {
      lcdd.close();
    }
  }

  @Override
  protected String host() {
    return "rack12-u07";
  }

  @Override
  protected void strikeOnPeer(PanelButton button) throws IOException {
    lcdd.press(button == PanelButton.MAINTENANCE ? "Enter" : "Left");
  }

  @Override
  protected List<String> shownOnPeer() throws IOException {
    return lcdd.screen();
  }

  @Override
  protected void await(BooleanSupplier condition, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(30))
        .until(condition::getAsBoolean);
  }
}
