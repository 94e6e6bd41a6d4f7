package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.RealTimeScheduler;
import io.vpanel.core.engine.ClusterEngine;
import io.vpanel.core.engine.EngineSettings;
import io.vpanel.core.engine.HostBinding;
import io.vpanel.driver.sim.SimHypervisorDriver;
import io.vpanel.driver.sim.SimHypervisorProvider;
import io.vpanel.driver.sim.SimSettings;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelState;
import io.vpanel.testkit.PanelDriverContract;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;

/**
 * The panel contract for the web front panel. Its peer is the HTTP API the page talks to: the
 * button goes through {@code POST /api/v1/hosts/{host}/panel/button} on a real server. What the
 * browser draws from the same state is proven in Chromium by the e2e module.
 */
class WebPanelContractTest extends PanelDriverContract {
  private static final String TOKEN = "contract-token-0123456789";
  private final HttpClient http = HttpClient.newHttpClient();
  private RealTimeScheduler scheduler;
  private SimHypervisorDriver driver;
  private ClusterEngine engine;
  private ApiServer api;
  private WebPanelDriver panel;

  @Override
  protected PanelDriver createPanel() {
    scheduler = new RealTimeScheduler();
    driver =
        (SimHypervisorDriver)
            new SimHypervisorProvider()
                .create(SimSettings.defaults(), new DriverContext(scheduler, "sim-01"));
    List<HostBinding> bindings = new ArrayList<>();
    for (HostEndpoint host : driver.discoveredHosts()) {
      bindings.add(new HostBinding(driver.connect(host), true, List.of(), List.of()));
    }
    engine =
        new ClusterEngine(
            scheduler,
            Executors.newVirtualThreadPerTaskExecutor(),
            EngineSettings.defaults(),
            null,
            bindings);
    engine.start();
    panel = new WebPanelDriver(host(), scheduler);
    api = new ApiServer(engine, TOKEN, List.of(panel)).start("127.0.0.1", 0);
    Awaitility.await().until(() -> engine.snapshot().host(host()).isPresent());
    return panel;
  }

  @AfterEach
  void stopServer() {
    api.close();
    engine.close();
    driver.close();
    scheduler.close();
  }

  @Override
  protected String host() {
    return "sim-01";
  }

  @Override
  protected void pressOnPeer(boolean pressed) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + api.port() + "/api/v1/hosts/sim-01/panel/button"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"pressed\":" + pressed + "}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
  }

  @Override
  protected List<String> shownOnPeer() {
    PanelState latest = panel.latest();
    return latest == null ? List.of() : latest.lines();
  }

  @Override
  protected void await(BooleanSupplier condition, Duration timeout) {
    Awaitility.await().atMost(timeout).until(condition::getAsBoolean);
  }
}
