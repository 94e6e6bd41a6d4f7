package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.agent.RunningAgent;
import io.vpanel.agent.Wiring;
import io.vpanel.core.engine.EngineSettings;
import io.vpanel.core.model.Activity;
import io.vpanel.driver.sim.SimSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web virtual front panel in a real browser (Debian's Chromium driven by chromedriver) against
 * the in-process demo cluster: 4 simulated hosts, 24 VMs, the default 3 s hold-to-confirm.
 *
 * <p>It proves, through the page only (pointer presses on the button, reading the DOM), that a
 * short bump does nothing, that a 3 s hold evacuates the host with the indicator flashing red and
 * then shows steady green and SAFE TO SERVICE with zero VMs, that no VM is lost, and that a second
 * hold brings every VM back where it was.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebPanelBrowserTest {
  private static final String HOST = "sim-01";
  private static final List<String> HOSTS = List.of("sim-01", "sim-02", "sim-03", "sim-04");
  private static final int TOTAL_VMS = 24;
  private static final Duration UI_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration EVACUATION_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration POLL = Duration.ofMillis(50);

  /**
   * Records, inside the page, every distinct (state, maintenance light, VM counts) picture of the
   * cluster page, so short phases (an EXITING that lasts a second) cannot slip between two polls.
   */
  private static final String RECORDER =
      """
      const host = arguments[0];
      const root = document.querySelector(`section.panel[data-host="${host}"]`);
      const led = root.querySelector('.led[data-indicator="maintenance"]');
      window.__vpanelE2e = [];
      const snap = () => {
        const counts = {};
        for (const p of document.querySelectorAll('section.panel[data-host]')) {
          counts[p.dataset.host] = (p.querySelector('.vm-count').textContent || '').trim();
        }
        const e = { state: root.dataset.state, color: led.dataset.color,
                    flashing: led.dataset.flashing, counts };
        const log = window.__vpanelE2e;
        const last = log[log.length - 1];
        if (!last || JSON.stringify(last) !== JSON.stringify(e)) log.push(e);
      };
      snap();
      new MutationObserver(snap).observe(document.getElementById('panels'),
          { attributes: true, childList: true, characterData: true, subtree: true });
      """;

  /**
   * Counts the page's pending timers: installed before the page's own scripts run, it wraps
   * setTimeout and setInterval and their clearing.
   */
  private static final String TIMERS =
      """
      (() => {
        const pending = new Set();
        const st = window.setTimeout, si = window.setInterval;
        const ct = window.clearTimeout, ci = window.clearInterval;
        window.setTimeout = function (fn, ms, ...args) {
          const id = st.call(window, (...a) => {
            pending.delete(id);
            if (typeof fn === 'function') fn(...a);
          }, ms, ...args);
          pending.add(id);
          return id;
        };
        window.setInterval = function (fn, ms, ...args) {
          const id = si.call(window, fn, ms, ...args);
          pending.add(id);
          return id;
        };
        window.clearTimeout = function (id) { pending.delete(id); return ct.call(window, id); };
        window.clearInterval = function (id) { pending.delete(id); return ci.call(window, id); };
        window.__vpanelTimers = () => pending.size;
      })();
      """;

  private final JsonMapper json = JsonMapper.builder().build();

  /** A screenshot of the page when a test fails, beside the surefire reports. */
  @RegisterExtension
  final TestWatcher screenshotOnFailure =
      new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
          screenshotQuietly("web-panel-failure-" + context.getRequiredTestMethod().getName());
        }
      };

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Path reports =
      Path.of(System.getProperty("basedir", ".")).resolve("target/surefire-reports");

  private RunningAgent agent;
  private String token;
  private String url;
  private Chromium chromium;
  private WebDriver driver;

  @BeforeAll
  void start() throws IOException {
    SimSettings sim =
        new SimSettings(
            SimSettings.DEFAULT_SEED,
            SimSettings.DEFAULT_HOSTS,
            SimSettings.DEFAULT_VMS,
            40,
            20,
            SimSettings.DEFAULT_TICK_MILLIS,
            SimSettings.DEFAULT_MAX_ROUNDS);
    token = Wiring.newToken();
    agent =
        Wiring.startDemo(
            new Wiring.DemoOptions("127.0.0.1", 0, sim, token, EngineSettings.defaults()));
    url = agent.url();
    chromium = Chromium.start(reports, "chromium");
    driver = chromium.driver();
  }

  @AfterAll
  void stop() throws IOException {
    try {
      if (chromium != null) {
        chromium.close();
      }
    } finally {
      if (agent != null) {
        agent.close();
      }
    }
  }

  @Test
  void holdingTheButtonEvacuatesTheHostAndASecondHoldBringsEveryVmBack() throws Exception {
    openCluster();
    Map<String, Integer> initial = counts();
    assertThat(initial.keySet()).containsExactlyElementsOf(HOSTS);
    assertThat(sum(initial)).isEqualTo(TOTAL_VMS);
    assertThat(initial.get(HOST)).as("VMs on %s at start", HOST).isPositive();
    assertThat(apiState(HOST)).isEqualTo("OPERATIONAL");
    assertThat(maintenanceLed(HOST)).isEqualTo(new Led("OFF", false));
    assertThat(lcdRows(HOST).getFirst()).contains("SIM-01").contains(initial.get(HOST) + " VM");
    assertThat(safeToService(HOST).isDisplayed()).isFalse();
    startRecorder();

    bumpDoesNothing();

    // --- hold to enter maintenance
    long othersBefore = sum(initial) - initial.get(HOST);
    holdUntilTheServerConfirms("ENTERING");
    WebDriverWait evacuating =
        waitFor(EVACUATION_TIMEOUT, "sim-01 evacuating: its VMs move to the other hosts");
    evacuating.until(
        d -> {
          Map<String, Integer> now = counts();
          return state(HOST).equals("ENTERING")
              && now.get(HOST) < initial.get(HOST)
              && sum(now) - now.get(HOST) > othersBefore;
        });
    screenshot("web-panel-entering.png");
    assertThat(lcdText(HOST)).contains("EVACUATING");

    evacuating.until(d -> state(HOST).equals("IN_MAINTENANCE"));
    waitFor(UI_TIMEOUT, "sim-01 steady green, 0 VMs, SAFE TO SERVICE")
        .until(
            d ->
                maintenanceLed(HOST).equals(new Led("GREEN", false))
                    && countText(HOST).equals("0")
                    && lcdRows(HOST).stream().anyMatch(r -> r.contains("SAFE TO SERVICE"))
                    && safeToService(HOST).isDisplayed());
    Map<String, Integer> inMaintenance = counts();
    assertThat(sum(inMaintenance)).as("VMs in the cluster after evacuation").isEqualTo(TOTAL_VMS);
    for (String other : others()) {
      assertThat(inMaintenance.get(other))
          .as("VMs on %s after evacuation", other)
          .isGreaterThanOrEqualTo(initial.get(other));
    }
    assertThat(clusterTotalVms()).isEqualTo(TOTAL_VMS);
    assertThat(safeToService(HOST).getText()).contains("SAFE TO SERVICE");
    JsonNode hostJson = apiHost(HOST);
    assertThat(hostJson.get("maintenance").get("state").asString()).isEqualTo("IN_MAINTENANCE");
    assertThat(hostJson.get("maintenance").get("safeToService").asBoolean()).isTrue();
    assertThat(hostJson.get("runningVms").asInt()).isZero();
    screenshot("web-panel-safe-to-service.png");

    List<Map<String, Object>> entering = recorded();
    assertThat(entering.stream().filter(e -> "ENTERING".equals(e.get("state"))))
        .as("pictures of the page while ENTERING")
        .isNotEmpty()
        .allSatisfy(e -> assertThat(led(e)).isEqualTo(new Led("RED", true)));
    assertCountsOfHostNeverRose(entering, "ENTERING");

    // --- hold again to exit maintenance
    holdUntilTheServerConfirms("EXITING");
    waitFor(EVACUATION_TIMEOUT, "sim-01 OPERATIONAL again with every VM back where it was")
        .until(
            d ->
                state(HOST).equals("OPERATIONAL")
                    && maintenanceLed(HOST).equals(new Led("OFF", false))
                    && counts().equals(initial));
    assertThat(safeToService(HOST).isDisplayed()).isFalse();
    assertThat(lcdRows(HOST).get(1)).contains("OPERATIONAL");
    assertThat(clusterTotalVms()).isEqualTo(TOTAL_VMS);
    assertThat(apiState(HOST)).isEqualTo("OPERATIONAL");
    for (String name : HOSTS) {
      assertThat(apiHost(name).get("runningVms").asInt())
          .as("API running VMs of %s after exit", name)
          .isEqualTo(initial.get(name));
    }
    screenshot("web-panel-after-exit.png");

    // The whole story, as the page showed it, in order and with nothing else in between.
    List<String> phases = new ArrayList<>();
    for (Map<String, Object> e : recorded()) {
      String phase = e.get("state") + " " + led(e);
      if (phases.isEmpty() || !phases.getLast().equals(phase)) {
        phases.add(phase);
      }
    }
    assertThat(phases)
        .containsExactly(
            "OPERATIONAL OFF steady",
            "ENTERING RED flashing",
            "IN_MAINTENANCE GREEN steady",
            "EXITING RED flashing",
            "OPERATIONAL OFF steady");
    assertNoSevereConsoleErrors();
  }

  @Test
  void hostPageShowsOnePanelWithItsNameOnTheDisplay() throws Exception {
    driver.get(url + "/host.html?host=sim-02#token=" + token);
    WebDriverWait wait = waitFor(UI_TIMEOUT, "the host page of sim-02");
    wait.until(d -> connected());
    wait.until(d -> !d.findElements(By.cssSelector("section.panel[data-host='sim-02']")).isEmpty());
    wait.until(
        d -> !lcdRows("sim-02").isEmpty() && lcdRows("sim-02").getFirst().contains("SIM-02"));
    assertThat(driver.findElements(By.cssSelector("section.panel[data-host]"))).hasSize(1);
    assertThat(panel("sim-02").findElement(By.cssSelector(".lcd")).getDomAttribute("data-geometry"))
        .as("the web panel driver's geometry")
        .isEqualTo("20x4");
    assertThat(lcdRows("sim-02")).hasSize(4);
    assertThat(state("sim-02")).isEqualTo("OPERATIONAL");
    assertThat(countText("sim-02"))
        .isEqualTo(String.valueOf(apiHost("sim-02").get("runningVms").asInt()));
    assertThat(driver.findElement(By.cssSelector("#details [data-field='state']")).getText())
        .isEqualTo("operational");
    assertThat(driver.getCurrentUrl())
        .as("the token is taken out of the address bar")
        .doesNotContain(token);
    screenshot("web-panel-host-sim-02.png");
    assertNoSevereConsoleErrors();
  }

  @Test
  void theHostPageShowsTheHostsJournalNewestFirstAndPagesBack() throws Exception {
    String host = "sim-03";
    for (int i = 1; i <= 30; i++) {
      HttpResponse<String> posted =
          post(
              "/api/v1/hosts/" + host + "/notices",
              "{\"text\":\"journal check " + i + "\",\"ttlSeconds\":600,\"from\":\"e2e\"}");
      assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
    }
    driver.get(url + "/host.html?host=" + host + "#token=" + token);
    waitFor(UI_TIMEOUT, "the journal of " + host + " on its page, the newest notice first")
        .until(
            d -> {
              List<String> rows = journalRows();
              return rows.size() >= 25 && rows.getFirst().contains("journal check 30");
            });
    List<Long> firstPage = journalIds();
    assertThat(firstPage)
        .as("journal ids, newest first")
        .isSortedAccordingTo(Comparator.reverseOrder());
    WebElement older = driver.findElement(By.cssSelector("#journal-section .journal-older"));
    assertThat(older.isDisplayed()).as("a button pages back").isTrue();
    older.click();
    waitFor(UI_TIMEOUT, "an older page of the journal below the first")
        .until(d -> journalIds().size() > firstPage.size());
    List<Long> both = journalIds();
    assertThat(both).startsWith(firstPage.toArray(Long[]::new));
    assertThat(both).doesNotHaveDuplicates().isSortedAccordingTo(Comparator.reverseOrder());
    assertThat(journalRows())
        .as("the oldest notice is on the second page")
        .anyMatch(row -> row.endsWith("notice info notice from e2e: journal check 1"));
    screenshot("web-panel-host-journal.png");
    assertNoSevereConsoleErrors();
  }

  /**
   * The server's {@code alert} events on the affected host's panel and in the activity list. No
   * alert driver exists yet, so the test hands the event hub what the engine hands it when an alert
   * source reports one.
   */
  @Test
  void anAlertEventShowsOnTheHostsPanelAndInTheActivityList() throws Exception {
    openCluster();
    agent
        .api()
        .sse()
        .onActivity(
            new Activity(
                "alert",
                "sim-02",
                Instant.now(),
                "CRITICAL DIMM A1: uncorrectable ECC <b>x</b>",
                Map.of("source", "e2e", "severity", "CRITICAL", "component", "DIMM A1")));
    waitFor(UI_TIMEOUT, "the alert on sim-02's panel")
        .until(
            d -> {
              WebElement alert = panel("sim-02").findElement(By.cssSelector(".panel-alert"));
              return alert.isDisplayed()
                  && alert.getText().contains("CRITICAL DIMM A1: uncorrectable ECC <b>x</b>")
                  && "CRITICAL".equals(alert.getDomAttribute("data-severity"));
            });
    assertThat(panel(HOST).findElement(By.cssSelector(".panel-alert")).isDisplayed())
        .as("only the affected host shows it")
        .isFalse();
    waitFor(UI_TIMEOUT, "the alert in the activity list")
        .until(
            d ->
                d.findElements(By.cssSelector("#activity li[data-type='alert']")).stream()
                    .anyMatch(
                        li ->
                            li.getText().contains("sim-02")
                                && li.getText().contains("DIMM A1: uncorrectable ECC")));
    assertThat(driver.findElements(By.cssSelector("#activity b")))
        .as("alert text is text, never markup")
        .isEmpty();
    screenshot("web-panel-alert.png");
    assertNoSevereConsoleErrors();
  }

  /**
   * While the page is hidden no timer of it runs and its event stream is closed; visible again, it
   * reconnects and shows the present.
   */
  @Test
  void aHiddenPageClearsItsTimersAndClosesItsStreamAndResumesWhenVisible() throws Exception {
    try {
      ((ChromeDriver) driver)
          .executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", TIMERS));
      driver.get("about:blank"); // a new document, so the counter is in place before the page
      openCluster();
      await("the page's event stream is open")
          .atMost(UI_TIMEOUT)
          .until(() -> agent.api().sse().clients() == 1);
      assertThat(pendingTimers()).as("timers of a visible page").isPositive();

      setVisibility("hidden");
      await("the hidden page clears every timer and closes its stream")
          .atMost(UI_TIMEOUT)
          .until(() -> pendingTimers() == 0 && agent.api().sse().clients() == 0);
      assertThat(driver.findElement(By.tagName("html")).getDomAttribute("data-hidden"))
          .as("CSS animations (flashing) are paused")
          .isEqualTo("true");

      setVisibility("visible");
      await("the visible page reconnects")
          .atMost(UI_TIMEOUT)
          .until(() -> agent.api().sse().clients() == 1 && connected() && pendingTimers() > 0);
      assertThat(driver.findElement(By.tagName("html")).getDomAttribute("data-hidden")).isNull();
      assertThat(lcdRows(HOST).getFirst()).contains("SIM-01");
      assertNoSevereConsoleErrors();
    } finally {
      setVisibility("visible");
    }
  }

  // ---------------------------------------------------------------- steps

  private void openCluster() {
    driver.get(url + "/#token=" + token);
    WebDriverWait wait = waitFor(UI_TIMEOUT, "4 panels, live");
    wait.until(d -> d.findElements(By.cssSelector("section.panel[data-host]")).size() == 4);
    wait.until(d -> connected());
    wait.until(d -> HOSTS.stream().noneMatch(h -> state(h).equals("UNKNOWN")));
    wait.until(d -> counts().values().stream().allMatch(n -> n >= 0));
  }

  /** A 0.5 s press reaches the server as a hold, and its release does nothing. */
  private void bumpDoesNothing() {
    WebElement button = button(HOST);
    long pressedAt = System.nanoTime();
    new Actions(driver).moveToElement(button).clickAndHold().perform();
    try {
      // the server saw the press: it shows the pending hold (so "nothing happened" is not vacuous)
      waitFor(Duration.ofMillis(2000), "the server shows the pending hold of the bump")
          .until(d -> webPanelState(HOST).get("hold").isObject());
      assertThat(webPanelState(HOST).get("hold").get("action").asString()).isEqualTo("enter");
    } finally {
      long heldMillis = (System.nanoTime() - pressedAt) / 1_000_000;
      new Actions(driver)
          .pause(Duration.ofMillis(Math.max(0, 500 - heldMillis)))
          .release()
          .perform();
    }
    long heldMillis = (System.nanoTime() - pressedAt) / 1_000_000;
    assertThat(heldMillis)
        .as("the bump must be shorter than the 3 s confirm time")
        .isLessThan(2500);
    // the hold ends on the server, and for longer than the confirm time nothing starts
    waitFor(UI_TIMEOUT, "the hold ends on the server after the release")
        .until(d -> webPanelState(HOST).get("hold").isNull());
    await("sim-01 stays OPERATIONAL (light off) for 4 s after a 0.5 s bump")
        .pollInterval(Duration.ofMillis(200))
        .during(Duration.ofSeconds(4))
        .atMost(Duration.ofSeconds(6))
        .until(
            () ->
                apiState(HOST).equals("OPERATIONAL")
                    && state(HOST).equals("OPERATIONAL")
                    && maintenanceLed(HOST).equals(new Led("OFF", false)));
  }

  /**
   * Presses and keeps holding until the page shows the server's confirmation (the state {@code
   * expected} with the maintenance light flashing red), then releases.
   */
  private void holdUntilTheServerConfirms(String expected) {
    WebElement button = button(HOST);
    long pressedAt = System.nanoTime();
    new Actions(driver).moveToElement(button).clickAndHold().perform();
    try {
      waitFor(
              Duration.ofSeconds(10),
              "the server confirms the hold: " + expected + ", light flashing red")
          .until(
              d ->
                  recorded().stream()
                      .anyMatch(
                          e ->
                              expected.equals(e.get("state"))
                                  && led(e).equals(new Led("RED", true))));
    } finally {
      new Actions(driver).release().perform();
    }
    long heldMillis = (System.nanoTime() - pressedAt) / 1_000_000;
    assertThat(heldMillis)
        .as("the server confirms only after the 3 s hold")
        .isGreaterThanOrEqualTo(2900);
  }

  private void assertCountsOfHostNeverRose(List<Map<String, Object>> log, String inState) {
    int previous = Integer.MAX_VALUE;
    for (Map<String, Object> e : log) {
      if (!inState.equals(e.get("state"))) {
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> c = (Map<String, Object>) e.get("counts");
      int n = Integer.parseInt(String.valueOf(c.get(HOST)));
      assertThat(n)
          .as("VMs on %s while %s, in order: %s", HOST, inState, log)
          .isLessThanOrEqualTo(previous);
      previous = n;
    }
  }

  private void assertNoSevereConsoleErrors() {
    chromium.assertNoSevereConsoleErrors();
  }

  // ---------------------------------------------------------------- page reads

  private void startRecorder() {
    ((JavascriptExecutor) driver).executeScript(RECORDER, HOST);
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> recorded() {
    Object log = ((JavascriptExecutor) driver).executeScript("return window.__vpanelE2e || [];");
    return (List<Map<String, Object>>) log;
  }

  private static Led led(Map<String, Object> e) {
    return new Led(String.valueOf(e.get("color")), "true".equals(e.get("flashing")));
  }

  private boolean connected() {
    return "true".equals(driver.findElement(By.id("connection")).getDomAttribute("data-connected"));
  }

  private WebElement panel(String host) {
    return driver.findElement(By.cssSelector("section.panel[data-host='" + host + "']"));
  }

  private WebElement button(String host) {
    WebElement button =
        driver.findElement(By.cssSelector("button.maint-button[data-host='" + host + "']"));
    ((JavascriptExecutor) driver)
        .executeScript("arguments[0].scrollIntoView({block: 'center'});", button);
    return button;
  }

  private String state(String host) {
    return panel(host).getDomAttribute("data-state");
  }

  private Led maintenanceLed(String host) {
    WebElement led = panel(host).findElement(By.cssSelector(".led[data-indicator='maintenance']"));
    return new Led(
        led.getDomAttribute("data-color"), "true".equals(led.getDomAttribute("data-flashing")));
  }

  private String countText(String host) {
    return panel(host).findElement(By.cssSelector(".vm-count")).getText().trim();
  }

  private Map<String, Integer> counts() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (WebElement p : driver.findElements(By.cssSelector("section.panel[data-host]"))) {
      String text = p.findElement(By.cssSelector(".vm-count")).getText().trim();
      counts.put(
          p.getDomAttribute("data-host"), text.matches("\\d+") ? Integer.parseInt(text) : -1);
    }
    return counts;
  }

  private List<String> lcdRows(String host) {
    return panel(host).findElements(By.cssSelector(".lcd .lcd-row")).stream()
        .map(WebElement::getText)
        .toList();
  }

  private String lcdText(String host) {
    return String.join("\n", lcdRows(host));
  }

  private WebElement safeToService(String host) {
    return panel(host).findElement(By.cssSelector(".safe-to-service"));
  }

  private int clusterTotalVms() {
    return Integer.parseInt(driver.findElement(By.id("total-vms")).getText().trim());
  }

  private List<String> others() {
    return HOSTS.stream().filter(h -> !h.equals(HOST)).toList();
  }

  private static long sum(Map<String, Integer> counts) {
    return counts.values().stream().mapToLong(Integer::longValue).sum();
  }

  private WebDriverWait waitFor(Duration timeout, String what) {
    WebDriverWait wait = new WebDriverWait(driver, timeout, POLL);
    wait.withMessage(() -> "waiting for " + what + "; the page shows " + describe());
    return wait;
  }

  /** What the page shows now, for failure messages. */
  private String describe() {
    try {
      StringBuilder b = new StringBuilder();
      for (WebElement p : driver.findElements(By.cssSelector("section.panel[data-host]"))) {
        String host = p.getDomAttribute("data-host");
        b.append("\n  ")
            .append(host)
            .append(' ')
            .append(state(host))
            .append(", light ")
            .append(maintenanceLed(host))
            .append(", VMs ")
            .append(countText(host))
            .append(", LCD ")
            .append(lcdRows(host));
      }
      return b.append("\n  connected=").append(connected()).toString();
    } catch (RuntimeException e) {
      return "(cannot read the page: " + e.getMessage() + ")";
    }
  }

  private List<String> journalRows() {
    return driver.findElements(By.cssSelector("#journal .journal-entry")).stream()
        .map(WebElement::getText)
        .toList();
  }

  private List<Long> journalIds() {
    return driver.findElements(By.cssSelector("#journal .journal-entry")).stream()
        .map(e -> Long.parseLong(e.getDomAttribute("data-id")))
        .toList();
  }

  private long pendingTimers() {
    Object n =
        ((JavascriptExecutor) driver)
            .executeScript("return window.__vpanelTimers ? window.__vpanelTimers() : -1;");
    return ((Number) n).longValue();
  }

  /** What the browser does when the tab goes to the background or comes back. */
  private void setVisibility(String state) {
    ((JavascriptExecutor) driver)
        .executeScript(
            """
            Object.defineProperty(document, 'visibilityState', {value: arguments[0], configurable: true});
            Object.defineProperty(document, 'hidden', {value: arguments[0] === 'hidden', configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
            """,
            state);
  }

  // ---------------------------------------------------------------- API reads

  private JsonNode apiHost(String host) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url + "/api/v1/hosts/" + host))
                  .timeout(Duration.ofSeconds(10))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("GET /api/v1/hosts/%s", host).isEqualTo(200);
      return json.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("GET /api/v1/hosts/" + host + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** The state the host's web panel driver was last given ({@code GET .../panel}). */
  private JsonNode webPanelState(String host) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url + "/api/v1/hosts/" + host + "/panel"))
                  .timeout(Duration.ofSeconds(10))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("GET /api/v1/hosts/%s/panel", host).isEqualTo(200);
      return json.readTree(response.body()).get("state");
    } catch (IOException e) {
      throw new AssertionError("GET /api/v1/hosts/" + host + "/panel failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String apiState(String host) {
    return apiHost(host).get("maintenance").get("state").asString();
  }

  // ---------------------------------------------------------------- files

  /**
   * Saves the viewport as a PNG. Flashing lights are frozen in their lit half for the picture (a
   * flashing light is dark half the time, which would make the picture misleading), then resumed.
   */
  private void screenshot(String name) throws IOException {
    JavascriptExecutor js = (JavascriptExecutor) driver;
    js.executeScript(
        """
        window.scrollTo(0, 0);
        window.__vpanelFrozen = document.getAnimations().filter(a => a.animationName
            && a.animationName.endsWith('-flash'));
        for (const a of window.__vpanelFrozen) { a.pause(); a.currentTime = 0; }
        """);
    try {
      byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
      Files.write(reports.resolve(name), png);
    } finally {
      js.executeScript("for (const a of window.__vpanelFrozen || []) a.play();");
    }
  }

  private void screenshotQuietly(String name) {
    try {
      screenshot(name + ".png");
    } catch (IOException | RuntimeException e) {
      // the test's own failure is the one to report
    }
  }

  /** The maintenance light as the page draws it. */
  record Led(String color, boolean flashing) {
    @Override
    public String toString() {
      return color + (flashing ? " flashing" : " steady");
    }
  }
}
