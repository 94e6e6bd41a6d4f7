package io.vpanel.bench;

import io.vpanel.core.RealTimeScheduler;
import io.vpanel.core.engine.ClusterEngine;
import io.vpanel.core.engine.EngineSettings;
import io.vpanel.core.engine.HostBinding;
import io.vpanel.core.management.BuiltinManagement;
import io.vpanel.core.management.BuiltinSettings;
import io.vpanel.driver.sim.SimCluster;
import io.vpanel.driver.sim.SimHypervisorDriver;
import io.vpanel.driver.sim.SimSettings;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.web.ApiServer;
import io.vpanel.web.WebPanelProvider;
import io.vpanel.web.WebPanelSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The demo's wiring in real time (the engine, the simulator, web panels, the API on a free port),
 * keeping the simulator at hand so a benchmark can make things happen on a host.
 */
final class LiveCluster implements AutoCloseable {
  static final String TOKEN = "bench-token-0123456789abcdef";

  final RealTimeScheduler scheduler = new RealTimeScheduler();
  final ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
  final SimCluster cluster;
  final ClusterEngine engine;
  final ApiServer api;
  final Map<String, HypervisorConnection> connections = new LinkedHashMap<>();
  private final List<PanelDriver> panels = new ArrayList<>();

  /** The 16 x 2 panel of each host in a three-panel cluster, by host. */
  final Map<String, BenchPanels.Watched> lcds = new LinkedHashMap<>();

  /** The slow panel of each host in a three-panel cluster, by host. */
  final Map<String, BenchPanels.Slow> slow = new LinkedHashMap<>();

  LiveCluster(SimSettings sim, Duration confirmHold) {
    this(sim, confirmHold, null);
  }

  /**
   * With {@code lcdChanged} set, every host gets two more panels besides its web panel: a 16 x 2
   * one that notifies {@code lcdChanged} on each render, and a slow one.
   */
  LiveCluster(SimSettings sim, Duration confirmHold, Object lcdChanged) {
    this(sim, confirmHold, lcdChanged, (host, context) -> java.util.Optional.empty());
  }

  /**
   * With {@code extra} giving a host one more panel (a real LCD through LCDd), made with this
   * cluster's scheduler; the cluster closes it.
   */
  LiveCluster(
      SimSettings sim,
      Duration confirmHold,
      Object lcdChanged,
      java.util.function.BiFunction<String, DriverContext, java.util.Optional<PanelDriver>> extra) {
    cluster = SimCluster.generate(sim, scheduler);
    SimHypervisorDriver driver = new SimHypervisorDriver(cluster);
    // The load benchmark's hundreds of event streams all come from loopback: the per-address
    // stream limit is raised to the total. And the benchmarks press buttons and cancel far faster
    // than a technician: latency is measured, not the rate limits.
    api =
        new ApiServer(
            TOKEN, "default", null, new io.vpanel.web.ApiSettings(java.util.List.of(), 1000, 1000));
    api.withoutRateLimits();
    List<HostBinding> bindings = new ArrayList<>();
    for (HostEndpoint endpoint : driver.discoveredHosts()) {
      HypervisorConnection connection = driver.connect(endpoint);
      connections.put(endpoint.name(), connection);
      PanelDriver panel =
          new WebPanelProvider()
              .create(
                  WebPanelSettings.defaults(),
                  api.withServices(new DriverContext(scheduler, endpoint.name())));
      panels.add(panel);
      List<PanelDriver> ofHost = new ArrayList<>(List.of(panel));
      if (lcdChanged != null) {
        BenchPanels.Watched lcd = new BenchPanels.Watched(lcdChanged);
        BenchPanels.Slow slowPanel = new BenchPanels.Slow();
        lcds.put(endpoint.name(), lcd);
        slow.put(endpoint.name(), slowPanel);
        ofHost.add(lcd);
        ofHost.add(slowPanel);
      }
      extra
          .apply(endpoint.name(), new DriverContext(scheduler, endpoint.name()))
          .ifPresent(
              more -> {
                panels.add(more);
                ofHost.add(more);
              });
      bindings.add(new HostBinding(connection, true, ofHost, List.of()));
    }
    engine =
        new ClusterEngine(
            scheduler,
            io,
            EngineSettings.defaults().withConfirmHold(confirmHold),
            new BuiltinManagement(new BuiltinSettings(List.of(), DrsMode.AUTOMATIC, true)),
            bindings);
    engine.start();
    api.start(engine, "127.0.0.1", 0);
  }

  String url() {
    return "http://127.0.0.1:" + api.port();
  }

  @Override
  public void close() {
    api.close();
    engine.close();
    panels.forEach(PanelDriver::close);
    cluster.close();
    io.shutdownNow();
    scheduler.close();
  }
}
