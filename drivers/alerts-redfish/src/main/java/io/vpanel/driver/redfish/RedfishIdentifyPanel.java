package io.vpanel.driver.redfish;

import io.vpanel.spi.panel.ButtonInput;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Panel driver {@code redfish-identify}: shows only the panel state's identify LED, on the BMC's
 * locator. It PATCHes {@code LocationIndicatorActive} on {@code identifyResource}, or {@code
 * IndicatorLED} ({@code Lit}/{@code Off}) where the resource has no {@code
 * LocationIndicatorActive}; only on a change, retried with back-off until the service takes it.
 * Render never blocks: a thread of its own talks to the service.
 */
final class RedfishIdentifyPanel implements PanelDriver {
  private static final Logger log = LoggerFactory.getLogger(RedfishIdentifyPanel.class);

  static final String NAME = "redfish-identify";

  private static final PanelCapabilities CAPABILITIES =
      new PanelCapabilities(
          new DisplayGeometry(1, 8), ButtonInput.PRESS_AND_RELEASE, Set.of(), false);

  private final RedfishSettings settings;
  private final Credentials credentials;
  private final Object lock = new Object();
  private Boolean wanted;
  private Boolean shown;
  private boolean closed;
  private PanelListener listener;
  private Thread worker;
  private RedfishClient client;
  private Optional<String> problem = Optional.empty();

  RedfishIdentifyPanel(RedfishSettings settings, Credentials credentials) {
    this.settings = settings;
    this.credentials = credentials;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PanelCapabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public void start(PanelListener panelListener) {
    synchronized (lock) {
      listener = panelListener;
      worker = Thread.ofVirtual().name("redfish-identify").start(this::run);
    }
  }

  @Override
  public void render(PanelState state) {
    synchronized (lock) {
      wanted = state.identify();
      lock.notifyAll();
    }
  }

  private void run() {
    Duration backoff = Duration.ofMillis(250);
    Duration max = Duration.ofSeconds(settings.reconnectMaxSeconds());
    while (true) {
      boolean target;
      synchronized (lock) {
        while (!closed && (wanted == null || wanted.equals(shown))) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        target = wanted;
      }
      try {
        if (client == null) {
          client = new RedfishClient(settings, credentials);
        }
        set(target);
        synchronized (lock) {
          shown = target;
        }
        fault(Optional.empty());
        backoff = Duration.ofMillis(250);
      } catch (RedfishException e) {
        log.info("redfish-identify: {}", e.getMessage());
        fault(Optional.of("identify LED: " + e.getMessage()));
        synchronized (lock) {
          try {
            lock.wait(backoff.toMillis());
          } catch (InterruptedException x) {
            return;
          }
        }
        backoff = backoff.multipliedBy(2).compareTo(max) > 0 ? max : backoff.multipliedBy(2);
      }
    }
  }

  /** Switches the locator, the newer property where the resource has it. */
  private void set(boolean on) throws RedfishException {
    String path = settings.identifyPath();
    RedfishClient.Answer current = client.send("GET", path, null, Optional.empty());
    if (current.status() != 200) {
      throw new RedfishException(
          RedfishException.Kind.HTTP, "GET " + path + " answered HTTP " + current.status());
    }
    JsonNode resource = RedfishClient.parse(path, current.body());
    ObjectNode patch = RedfishClient.JSON.createObjectNode();
    if (resource.has("LocationIndicatorActive")) {
      patch.put("LocationIndicatorActive", on);
    } else if (resource.has("IndicatorLED")) {
      patch.put("IndicatorLED", on ? "Lit" : "Off");
    } else {
      throw new RedfishException(
          RedfishException.Kind.HTTP,
          path + " has neither LocationIndicatorActive nor IndicatorLED: no locator to switch");
    }
    Optional<String> etag = current.etag();
    if (etag.isEmpty() && !Classifier.text(resource, "@odata.etag").isEmpty()) {
      etag = Optional.of(Classifier.text(resource, "@odata.etag"));
    }
    RedfishClient.Answer answer = client.send("PATCH", path, patch.toString(), etag);
    if (answer.status() / 100 != 2) {
      throw new RedfishException(
          RedfishException.Kind.HTTP,
          "PATCH "
              + path
              + " "
              + patch
              + " answered HTTP "
              + answer.status()
              + (answer.status() == 403
                  ? " (the account needs the ConfigureComponents privilege)"
                  : ""));
    }
    log.info("redfish-identify: {} {}", path, patch);
  }

  private void fault(Optional<String> now) {
    PanelListener to;
    synchronized (lock) {
      if (now.equals(problem)) {
        return;
      }
      problem = now;
      to = listener;
    }
    if (to != null) {
      to.onFault(now);
    }
  }

  @Override
  public void close() {
    Thread thread;
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
      thread = worker;
    }
    if (thread != null) {
      try {
        thread.join(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (client != null) {
      client.close();
    }
  }
}
