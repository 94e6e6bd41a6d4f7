package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Debian's Chromium, headless, driven by Debian's chromedriver, allowed to talk to this machine
 * only. Nothing is downloaded: a missing browser or driver fails the test with how to install it.
 * Every connection the browser opens is written to a net log, checked when it is closed.
 */
final class Chromium implements AutoCloseable {
  private static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

  private final JsonMapper json = JsonMapper.builder().build();
  private final Path profile;
  private final Path netLog;
  private final ChromeDriverService service;
  private final WebDriver driver;
  private boolean browserLogs = true;

  private Chromium(Path profile, Path netLog, ChromeDriverService service, WebDriver driver) {
    this.profile = profile;
    this.netLog = netLog;
    this.service = service;
    this.driver = driver;
  }

  /** Starts the browser; its net log goes to {@code reports/../NAME-net-log.json}. */
  static Chromium start(Path reports, String name) throws IOException {
    for (Path binary : List.of(BINARY, DRIVER)) {
      if (!Files.isExecutable(binary)) {
        fail(
            binary
                + " is missing: the browser test needs Debian's chromium and chromium-driver."
                + " Run the test command from the project README, which installs them (or:"
                + " apt-get install -y chromium chromium-driver).");
      }
    }
    // Never let Selenium Manager look for (or download) a browser or a driver.
    System.setProperty("webdriver.chrome.driver", DRIVER.toString());
    System.setProperty("SE_MANAGER_OFFLINE", "true");

    Files.createDirectories(reports);
    Path profile = Files.createTempDirectory("vpanel-e2e-chromium-");
    Path netLog = reports.resolveSibling(name + "-net-log.json").toAbsolutePath();
    Files.deleteIfExists(netLog);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BINARY.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--user-data-dir=" + profile,
        // Chromium still phones home despite the flags above (autofill, sign-in, GCM check-in,
        // network time, new-tab page, optimization guide): turn those off, and resolve no name at
        // all so nothing that is left can leave the machine. The page uses 127.0.0.1 literally.
        "--disable-features=AutofillServerCommunication,OptimizationGuideModelDownloading,"
            + "OptimizationHintsFetching,OptimizationTargetPrediction,OptimizationHints,"
            + "NetworkTimeServiceQuerying,MediaRouter,DialMediaRouteProvider,Translate,"
            + "CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-component-extensions-with-background-pages",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-breakpad",
        "--no-default-browser-check",
        "--no-pings",
        "--metrics-recording-only",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        // every connection the browser opens, checked after it quits (see close())
        "--log-net-log=" + netLog,
        "--net-log-capture-mode=Default");
    options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(DRIVER.toString()))
            .usingAnyFreePort()
            .build();
    try {
      return new Chromium(profile, netLog, service, new ChromeDriver(service, options));
    } catch (RuntimeException e) {
      service.stop();
      deleteTree(profile);
      throw e;
    }
  }

  WebDriver driver() {
    return driver;
  }

  /** Fails on any error the page logged to the browser's console since the last call. */
  void assertNoSevereConsoleErrors() {
    assertNoSevereConsoleErrors(false);
  }

  /**
   * Fails on any script error the page logged since the last call; answers the test provoked on
   * purpose (a 404 for a press on a closed panel, for a journal the server does not keep) are let
   * through.
   */
  void assertNoScriptErrors() {
    assertNoSevereConsoleErrors(true);
  }

  private void assertNoSevereConsoleErrors(boolean allowFailedResources) {
    if (!browserLogs) {
      return;
    }
    List<LogEntry> entries;
    try {
      entries = driver.manage().logs().get(LogType.BROWSER).getAll();
    } catch (WebDriverException | UnsupportedOperationException e) {
      // chromedriver without the legacy log endpoint: no console check possible here
      browserLogs = false;
      return;
    }
    System.out.printf(
        "browser console: %d entries%s%n",
        entries.size(), entries.stream().map(e -> "\n  " + e).reduce("", String::concat));
    assertThat(
            entries.stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .filter(
                    e ->
                        !(allowFailedResources
                            && e.getMessage().contains("Failed to load resource"))))
        .as("severe errors on the browser console")
        .isEmpty();
  }

  /** Quits the browser, then fails when it sent anything to another machine. */
  @Override
  public void close() throws IOException {
    try {
      driver.quit();
    } finally {
      service.stop();
      deleteTree(profile);
    }
    if (Files.exists(netLog)) {
      assertThat(nonLoopbackTraffic(netLog))
          .as("traffic from the browser to anything but this machine (net log: %s)", netLog)
          .isEmpty();
    }
  }

  /**
   * Every non-loopback address the browser sent anything to, from Chromium's net log: a TCP connect
   * (its SYN leaves the machine) or a UDP socket that sent bytes (DNS included). A UDP connect
   * without data is not traffic: the host resolver does one to 2001:4860:4860::8888 only to ask the
   * kernel whether IPv6 has a route.
   */
  private List<String> nonLoopbackTraffic(Path log) throws IOException {
    String text = Files.readString(log).strip();
    if (!text.endsWith("}")) {
      // the browser was killed before it closed the log: close it ourselves
      text = text.replaceAll(",\\s*$", "") + "]}";
    }
    JsonNode root = json.readTree(text);
    Map<Integer, String> eventTypes = new HashMap<>();
    root.get("constants")
        .get("logEventTypes")
        .properties()
        .forEach(e -> eventTypes.put(e.getValue().asInt(), e.getKey()));
    Map<Integer, String> sourceTypes = new HashMap<>();
    root.get("constants")
        .get("logSourceType")
        .properties()
        .forEach(e -> sourceTypes.put(e.getValue().asInt(), e.getKey()));
    Map<Long, String> outside = new LinkedHashMap<>();
    Set<Long> udp = new HashSet<>();
    Set<Long> udpSent = new HashSet<>();
    int connects = 0;
    for (JsonNode event : root.get("events")) {
      String type = eventTypes.getOrDefault(event.get("type").asInt(), "?");
      long source = event.get("source").get("id").asLong();
      if (sourceTypes.getOrDefault(event.get("source").get("type").asInt(), "").contains("UDP")) {
        udp.add(source);
      }
      if (type.equals("UDP_BYTES_SENT")) {
        udpSent.add(source);
      }
      JsonNode address = event.path("params").path("address");
      if (type.contains("CONNECT") && address.isString()) {
        connects++;
        String a = address.asString();
        if (!(a.startsWith("127.") || a.startsWith("[::1]"))) {
          outside.putIfAbsent(source, type + " " + a);
        }
      }
    }
    assertThat(connects).as("connections in the net log (is it being written?)").isPositive();
    return outside.entrySet().stream()
        .filter(e -> !udp.contains(e.getKey()) || udpSent.contains(e.getKey()))
        .map(Map.Entry::getValue)
        .toList();
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
