package io.vpanel.web;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.awaitility.Awaitility;

/**
 * For tests: an API server on a free loopback port over a running engine, either with the
 * simulator's default cluster (hosts {@code sim-01} ... {@code sim-04}, no panel bound to the
 * engine) or with no host at all. Web panels are made through their provider with the server's
 * endpoint, as the agent makes them.
 */
public final class SimulatedApi implements AutoCloseable {
  private final RealTimeScheduler scheduler = new RealTimeScheduler();
  private final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
  private final SimHypervisorDriver sim;
  private final ClusterEngine engine;
  private final ApiServer api;

  private SimulatedApi(boolean withHosts, String token) {
    this(withHosts, token, ApiSettings.defaults());
  }

  private SimulatedApi(boolean withHosts, String token, ApiSettings settings) {
    this(withHosts, ApiTokens.single(token, "default", Role.ADMIN), settings);
  }

  private SimulatedApi(boolean withHosts, ApiTokens tokens, ApiSettings settings) {
    List<HostBinding> bindings = new ArrayList<>();
    if (withHosts) {
      sim =
          (SimHypervisorDriver)
              new SimHypervisorProvider()
                  .create(SimSettings.defaults(), new DriverContext(scheduler, "sim-01"));
      for (HostEndpoint host : sim.discoveredHosts()) {
        bindings.add(new HostBinding(sim.connect(host), true, List.of(), List.of()));
      }
    } else {
      sim = null;
    }
    engine = new ClusterEngine(scheduler, io, EngineSettings.defaults(), null, bindings);
    engine.start();
    api = new ApiServer(tokens, null, settings);
  }

  /** The simulator's default cluster; call {@link #start} once its web panels are made. */
  public static SimulatedApi withSimulatedHosts(String token) {
    return new SimulatedApi(true, token);
  }

  /** An engine without hosts, already serving. */
  public static SimulatedApi withoutHosts(String token) {
    return new SimulatedApi(false, token).start();
  }

  /** The simulator's default cluster with these tokens and settings, already serving. */
  public static SimulatedApi withSimulatedHosts(ApiTokens tokens, ApiSettings settings) {
    return new SimulatedApi(true, tokens, settings).start();
  }

  /** An engine without hosts and with these API settings, already serving. */
  public static SimulatedApi withoutHosts(String token, ApiSettings settings) {
    return new SimulatedApi(false, token, settings).start();
  }

  /** The simulator's default cluster with these API settings, already serving. */
  public static SimulatedApi withSimulatedHosts(String token, ApiSettings settings) {
    return new SimulatedApi(true, token, settings).start();
  }

  /** A web panel for {@code host}, registered with this server (not started, not bound). */
  public PanelDriver webPanel(String host, WebPanelSettings settings) {
    return new WebPanelProvider()
        .create(settings, api.withServices(new DriverContext(scheduler, host)));
  }

  /** Serves, and returns once the engine knows its hosts. */
  public SimulatedApi start() {
    api.start(engine, "127.0.0.1", 0);
    if (sim != null) {
      Awaitility.await()
          .until(() -> engine.snapshot().hosts().size() == sim.discoveredHosts().size());
    }
    return this;
  }

  public ApiServer api() {
    return api;
  }

  public RealTimeScheduler scheduler() {
    return scheduler;
  }

  /** {@code http://127.0.0.1:PORT} (or https) and {@code path}. */
  public String url(String path) {
    return api.scheme() + "://127.0.0.1:" + api.port() + path;
  }

  @Override
  public void close() {
    api.close();
    engine.close();
    if (sim != null) {
      sim.close();
    }
    io.shutdownNow();
    scheduler.close();
  }
}
