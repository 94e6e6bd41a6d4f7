package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.testkit.PanelDriverContract;
import io.vpanel.web.SimulatedApi;
import io.vpanel.web.WebPanelSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The panel contract for the web front panel, with its real peer: the page in Chromium. The driver
 * is created through its provider with the API server's panel endpoint, as the agent does; what the
 * contract renders must appear on the page's display ({@link #shownOnPeer} reads the text Chromium
 * shows), and {@link #pressOnPeer} presses and releases the page's own maintenance button with the
 * pointer. The panel has a display of {@value #ROWS} x {@value #COLUMNS}, not the default, so the
 * page is seen to draw the driver's geometry.
 */
class WebPanelContractTest extends PanelDriverContract {
  private static final String TOKEN = "contract-token-0123456789";
  private static final String HOST = "sim-01";
  private static final int ROWS = 3;
  private static final int COLUMNS = 24;
  private static Chromium chromium;

  private SimulatedApi server;
  private PanelDriver panel;
  private boolean held;

  @BeforeAll
  static void startBrowser() throws IOException {
    chromium =
        Chromium.start(
            Path.of(System.getProperty("basedir", ".")).resolve("target/surefire-reports"),
            "chromium-contract");
  }

  @AfterAll
  static void stopBrowser() throws IOException {
    if (chromium != null) {
      chromium.close();
    }
  }

  @Override
  protected PanelDriver createPanel() {
    server = SimulatedApi.withSimulatedHosts(TOKEN);
    panel = server.webPanel(HOST, new WebPanelSettings(ROWS, COLUMNS));
    server.start();
    driver().get(server.url("/host.html?host=" + HOST + "#token=" + TOKEN));
    await(
        () ->
            "true"
                    .equals(
                        driver().findElement(By.id("connection")).getDomAttribute("data-connected"))
                && !driver()
                    .findElements(By.cssSelector(panelSelector() + "[data-panel='web']"))
                    .isEmpty(),
        timeout());
    return panel;
  }

  @AfterEach
  void stopServer() {
    if (held) {
      new Actions(driver()).release().perform();
      held = false;
    }
    chromium.assertNoScriptErrors();
    server.close();
  }

  @Override
  protected String host() {
    return HOST;
  }

  @Override
  protected void pressOnPeer(boolean pressed) {
    Actions pointer = new Actions(driver());
    if (pressed) {
      WebElement button =
          driver().findElement(By.cssSelector("button.maint-button[data-host='" + HOST + "']"));
      ((JavascriptExecutor) driver())
          .executeScript("arguments[0].scrollIntoView({block: 'center'});", button);
      pointer.moveToElement(button).clickAndHold().perform();
      held = true;
    } else {
      pointer.release().perform();
      held = false;
    }
  }

  /** The display's rows as Chromium shows them. */
  @Override
  protected List<String> shownOnPeer() {
    return driver().findElements(By.cssSelector(panelSelector() + " .lcd .lcd-row")).stream()
        .map(WebElement::getText)
        .toList();
  }

  @Override
  protected void await(BooleanSupplier condition, Duration timeout) {
    Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(condition::getAsBoolean);
  }

  @Test
  void thePageDrawsTheDriversOwnGeometry() {
    String wide = "X".repeat(COLUMNS);
    panel.render(state(1, wide, "SECOND ROW", "THIRD ROW"));

    await(
        () ->
            shownOnPeer().stream()
                .map(String::stripTrailing)
                .toList()
                .equals(expectedRows(wide, "SECOND ROW", "THIRD ROW")),
        timeout());
    assertThat(
            driver()
                .findElement(By.cssSelector(panelSelector() + " .lcd"))
                .getDomAttribute("data-geometry"))
        .isEqualTo(COLUMNS + "x" + ROWS);
  }

  private static String panelSelector() {
    return "section.panel[data-host='" + HOST + "']";
  }

  private static WebDriver driver() {
    return chromium.driver();
  }
}
