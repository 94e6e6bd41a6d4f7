package io.vpanel.agent;

import io.vpanel.agent.config.AgentConfig;
import io.vpanel.agent.config.ConfigException;
import io.vpanel.agent.config.DriverChoice;
import io.vpanel.core.RealTimeScheduler;
import io.vpanel.core.engine.ClusterEngine;
import io.vpanel.core.engine.EngineSettings;
import io.vpanel.core.engine.HostBinding;
import io.vpanel.core.journal.Journal;
import io.vpanel.core.journal.JournalReader;
import io.vpanel.core.management.BuiltinManagement;
import io.vpanel.core.management.BuiltinSettings;
import io.vpanel.driver.sim.SimHypervisorProvider;
import io.vpanel.driver.sim.SimSettings;
import io.vpanel.journal.JournalException;
import io.vpanel.journal.JournalSettings;
import io.vpanel.journal.SqliteJournal;
import io.vpanel.journal.UnavailableJournal;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.DriverProvider;
import io.vpanel.spi.DriverSettings;
import io.vpanel.spi.alert.AlertSource;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorDriver;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.ManagementBackend;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.web.ApiServer;
import io.vpanel.web.WebPanelDriver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds a running agent from options or a configuration file: the one place drivers meet. */
public final class Wiring {
  private static final Logger log = LoggerFactory.getLogger(Wiring.class);

  private Wiring() {}

  /** What {@code vpanel demo} starts. */
  public record DemoOptions(
      String listenHost, int port, SimSettings sim, String token, EngineSettings engine) {}

  /** A simulated cluster in real time, every host with a web front panel, one API for all. */
  public static RunningAgent startDemo(DemoOptions options) {
    RealTimeScheduler scheduler = new RealTimeScheduler();
    ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
    List<AutoCloseable> resources = new ArrayList<>();
    try {
      HypervisorDriver driver =
          new SimHypervisorProvider().create(options.sim(), new DriverContext(scheduler, "sim-01"));
      resources.add(driver);
      List<HostBinding> bindings = new ArrayList<>();
      List<WebPanelDriver> panels = new ArrayList<>();
      for (HostEndpoint endpoint : driver.discoveredHosts()) {
        HypervisorConnection connection = driver.connect(endpoint);
        resources.add(connection);
        WebPanelDriver panel = new WebPanelDriver(endpoint.name(), scheduler);
        panels.add(panel);
        bindings.add(new HostBinding(connection, true, List.of(panel), List.of()));
      }
      ManagementBackend management =
          new BuiltinManagement(new BuiltinSettings(List.of(), DrsMode.AUTOMATIC, true));
      ClusterEngine engine =
          new ClusterEngine(scheduler, io, options.engine(), management, bindings);
      String token = options.token() == null ? newToken() : options.token();
      engine.start();
      ApiServer api =
          new ApiServer(engine, token, panels).start(options.listenHost(), options.port());
      resources.add(() -> closeAll(scheduler, io));
      return new RunningAgent(engine, api, token, options.listenHost(), resources);
    } catch (RuntimeException e) {
      closeResources(resources);
      closeAll(scheduler, io);
      throw e;
    }
  }

  /** The agent of one host, from its configuration file. */
  public static RunningAgent startAgent(AgentConfig config) {
    String token = readToken(config);
    RealTimeScheduler scheduler = new RealTimeScheduler();
    ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
    List<AutoCloseable> resources = new ArrayList<>();
    try {
      DriverContext context = new DriverContext(scheduler, config.hostName());
      HypervisorDriver driver = (HypervisorDriver) create(config.hypervisor(), context);
      resources.add(driver);
      ManagementBackend management =
          config.management().map(m -> (ManagementBackend) create(m, context)).orElse(null);
      if (management != null) {
        resources.add(management);
      }
      HostEndpoint self = new HostEndpoint(config.hostName(), config.uri(), config.migrationUri());
      List<HostEndpoint> peers = new ArrayList<>();
      if (management != null) {
        peers.addAll(management.peers());
      }
      if (peers.isEmpty()) {
        driver.discoveredHosts().stream()
            .filter(h -> !h.name().equals(self.name()))
            .forEach(peers::add);
      }
      List<PanelDriver> panels = new ArrayList<>();
      List<WebPanelDriver> webPanels = new ArrayList<>();
      for (DriverChoice choice : config.panels()) {
        PanelDriver panel = (PanelDriver) create(choice, context);
        resources.add(panel);
        panels.add(panel);
        if (panel instanceof WebPanelDriver web) {
          webPanels.add(web);
        }
      }
      List<AlertSource> alerts = new ArrayList<>();
      for (DriverChoice choice : config.alerts()) {
        AlertSource source = (AlertSource) create(choice, context);
        resources.add(source);
        alerts.add(source);
      }
      List<HostBinding> bindings = new ArrayList<>();
      HypervisorConnection own = driver.connect(self);
      resources.add(own);
      bindings.add(new HostBinding(own, true, panels, alerts));
      for (HostEndpoint peer : peers) {
        try {
          HypervisorConnection connection = driver.connect(peer);
          resources.add(connection);
          bindings.add(new HostBinding(connection, false, List.of(), List.of()));
        } catch (DriverException e) {
          log.warn(
              "peer {} unreachable at start, left out of placement: {}",
              peer.name(),
              e.getMessage());
        }
      }
      Journal journal = Journal.NONE;
      JournalReader reader = null;
      if (config.journalPath().isPresent()) {
        Path path = config.journalPath().get();
        try {
          SqliteJournal opened =
              SqliteJournal.open(
                  new JournalSettings(
                      path,
                      config.journalMaxSizeMb() * 1024 * 1024,
                      Duration.ofDays(config.journalRetentionDays())));
          // Closed after the engine (resources close in reverse): the last records get in.
          resources.add(0, opened);
          journal = opened;
          reader = opened;
        } catch (JournalException e) {
          // The panels keep working; new maintenance is refused with this reason. The file is
          // left untouched for whoever repairs it.
          log.error("{}; the agent runs without it and refuses new maintenance", e.getMessage());
          UnavailableJournal unavailable = new UnavailableJournal(e.getMessage());
          journal = unavailable;
          reader = unavailable;
        }
      }
      ClusterEngine engine =
          new ClusterEngine(scheduler, io, config.engine(), management, bindings, journal);
      engine.start();
      ApiServer api =
          new ApiServer(engine, token, config.tokenName(), webPanels, reader)
              .start(config.listenHost(), config.listenPort());
      resources.add(() -> closeAll(scheduler, io));
      return new RunningAgent(engine, api, token, config.listenHost(), resources);
    } catch (RuntimeException e) {
      closeResources(resources);
      closeAll(scheduler, io);
      throw e;
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object create(DriverChoice choice, DriverContext context) {
    DriverProvider provider = choice.provider();
    DriverSettings settings = choice.settings();
    return provider.create(settings, context);
  }

  private static String readToken(AgentConfig config) {
    Path file =
        config
            .tokenFile()
            .orElseThrow(
                () ->
                    new ConfigException(
                        "api.tokenFile is required: mutating API calls need a token. Create one"
                            + " with: head -c 24 /dev/urandom | base64 > /etc/vpanel/token &&"
                            + " chmod 600 /etc/vpanel/token"));
    try {
      String token = Files.readString(file).trim();
      if (token.length() < 16) {
        throw new ConfigException(
            file + ": the API token must be at least 16 characters; generate a longer one");
      }
      return token;
    } catch (IOException e) {
      throw new ConfigException(
          file + ": cannot read the API token (" + e.getMessage() + "); check api.tokenFile");
    }
  }

  /** A fresh random token: 128 bits as hex. */
  public static String newToken() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static void closeResources(List<AutoCloseable> resources) {
    for (AutoCloseable resource : resources.reversed()) {
      try {
        resource.close();
      } catch (Exception e) {
        log.debug("closing after a failed start", e);
      }
    }
  }

  private static void closeAll(RealTimeScheduler scheduler, ExecutorService io) {
    io.shutdownNow();
    scheduler.close();
  }
}
