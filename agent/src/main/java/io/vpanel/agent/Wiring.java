package io.vpanel.agent;

import io.vpanel.agent.config.AgentConfig;
import io.vpanel.agent.config.ConfigException;
import io.vpanel.agent.config.DriverChoice;
import io.vpanel.agent.logging.ActivityLogger;
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
import io.vpanel.spi.panel.PanelDriverProvider;
import io.vpanel.web.ApiServer;
import io.vpanel.web.ApiTokens;
import io.vpanel.web.PemFiles;
import io.vpanel.web.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds a running agent from options or a configuration file: the one place drivers meet. */
public final class Wiring {
  private static final Logger log = LoggerFactory.getLogger(Wiring.class);

  private Wiring() {}

  /**
   * What {@code vpanel demo} starts.
   *
   * @param journal where the demo keeps its journal; empty for a temporary file deleted when the
   *     demo stops
   */
  public record DemoOptions(
      String listenHost,
      int port,
      SimSettings sim,
      String token,
      EngineSettings engine,
      Optional<Path> journal) {

    /** A demo whose journal is a temporary file. */
    public DemoOptions(
        String listenHost, int port, SimSettings sim, String token, EngineSettings engine) {
      this(listenHost, port, sim, token, engine, Optional.empty());
    }
  }

  /**
   * A simulated cluster in real time, every host with a web front panel, one API for all, and a
   * journal (a temporary file unless {@link DemoOptions#journal} names one to keep).
   */
  public static RunningAgent startDemo(DemoOptions options) {
    RealTimeScheduler scheduler = new RealTimeScheduler();
    ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
    List<AutoCloseable> resources = new ArrayList<>();
    try {
      DemoJournal demoJournal = DemoJournal.open(options.journal());
      // Closed last (resources close in reverse): a temporary file goes once the journal is shut.
      resources.add(demoJournal);
      OpenedJournal journal = openJournal(JournalSettings.defaults(demoJournal.path()), resources);
      String token = options.token() == null ? newToken() : options.token();
      ApiServer api = new ApiServer(token, "default", journal.reader());
      api.journalHealth(journal.writer()::unavailable);
      HypervisorDriver driver =
          new SimHypervisorProvider().create(options.sim(), new DriverContext(scheduler, "sim-01"));
      resources.add(driver);
      DriverChoice web = DriverChoice.byName(PanelDriverProvider.class, "panel driver", "web");
      List<HostBinding> bindings = new ArrayList<>();
      for (HostEndpoint endpoint : driver.discoveredHosts()) {
        HypervisorConnection connection = driver.connect(endpoint);
        resources.add(connection);
        DriverContext context = api.withServices(new DriverContext(scheduler, endpoint.name()));
        PanelDriver panel = (PanelDriver) create(web, context);
        resources.add(panel);
        bindings.add(new HostBinding(connection, true, List.of(panel), List.of()));
      }
      ManagementBackend management =
          new BuiltinManagement(new BuiltinSettings(List.of(), DrsMode.AUTOMATIC, true));
      ClusterEngine engine =
          new ClusterEngine(
              scheduler, io, options.engine(), management, bindings, journal.writer());
      engine.addListener(new ActivityLogger());
      engine.start();
      api.start(engine, options.listenHost(), options.port());
      resources.add(() -> closeAll(scheduler, io));
      return new RunningAgent(
          engine, api, token, options.listenHost(), resources, Optional.of(demoJournal));
    } catch (RuntimeException e) {
      closeResources(resources);
      closeAll(scheduler, io);
      throw e;
    }
  }

  /** The agent of one host, from its configuration file. */
  public static RunningAgent startAgent(AgentConfig config) {
    // One token (api.tokenFile), or named tokens with roles (api.tokensFile) and no single one.
    String token = config.tokensFile().isEmpty() ? readToken(config) : null;
    ApiTokens tokens =
        token != null
            ? ApiTokens.single(token, config.tokenName(), Role.ADMIN)
            : tokensFile(config);
    RealTimeScheduler scheduler = new RealTimeScheduler();
    ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
    List<AutoCloseable> resources = new ArrayList<>();
    try {
      Optional<OpenedJournal> journal =
          config
              .journalPath()
              .map(
                  path ->
                      openJournal(
                          new JournalSettings(
                              path,
                              config.journalMaxSizeMb() * 1024 * 1024,
                              Duration.ofDays(config.journalRetentionDays())),
                          resources));
      ApiServer api =
          new ApiServer(
              tokens,
              journal.map(OpenedJournal::reader).orElse(null),
              config.api().allowing(List.of(config.hostName())));
      journal.ifPresent(j -> api.journalHealth(j.writer()::unavailable));
      // The management backend publishes how the other agents reach this host (driver etcd).
      DriverContext context =
          api.withServices(new DriverContext(scheduler, config.hostName()))
              .with(
                  HostEndpoint.class,
                  new HostEndpoint(config.hostName(), config.uri(), config.migrationUri()));
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
      for (DriverChoice choice : config.panels()) {
        PanelDriver panel = (PanelDriver) create(choice, context);
        resources.add(panel);
        panels.add(panel);
      }
      List<AlertSource> alerts = new ArrayList<>();
      for (DriverChoice choice : config.alerts()) {
        AlertSource source = (AlertSource) create(choice, context);
        resources.add(source);
        alerts.add(source);
      }
      List<HostBinding> bindings = new ArrayList<>();
      List<String> discovered = driver.discoveredHosts().stream().map(HostEndpoint::name).toList();
      if (!discovered.isEmpty() && !discovered.contains(self.name())) {
        throw new ConfigException(
            config.hostNameSource()
                + ": host.name '"
                + self.name()
                + "' is not a host of the "
                + config.hypervisor().name()
                + " hypervisor driver (it has "
                + String.join(", ", discovered.size() > 8 ? discovered.subList(0, 8) : discovered)
                + (discovered.size() > 8 ? ", ..." : "")
                + ")");
      }
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
      ClusterEngine engine =
          new ClusterEngine(
              scheduler,
              io,
              config.engine(),
              management,
              bindings,
              journal.map(OpenedJournal::writer).orElse(Journal.NONE));
      // A peer that registers later (a registry such as etcd) is connected like those above.
      // The engine closes those connections itself.
      engine.connectPeersWith(driver::connect);
      engine.addListener(new ActivityLogger());
      engine.start();
      api.start(engine, config.listenHost(), config.listenPort());
      resources.add(() -> closeAll(scheduler, io));
      return new RunningAgent(engine, api, token, config.listenHost(), resources, Optional.empty());
    } catch (RuntimeException e) {
      closeResources(resources);
      closeAll(scheduler, io);
      throw e;
    }
  }

  /** A journal opened for the engine (writer) and the API (reader). */
  private record OpenedJournal(Journal writer, JournalReader reader) {}

  /**
   * Opens the journal at {@code settings}; call it before anything else is added to {@code
   * resources}, so the journal closes after the engine (resources close in reverse) and the last
   * records get in. A journal that cannot be opened is reported and replaced by one that refuses
   * new maintenance with the reason; the panels keep working and the file is left untouched for
   * whoever repairs it.
   */
  private static OpenedJournal openJournal(
      JournalSettings settings, List<AutoCloseable> resources) {
    try {
      SqliteJournal opened = SqliteJournal.open(settings);
      resources.add(opened);
      return new OpenedJournal(opened, opened);
    } catch (JournalException e) {
      log.error("{}; the agent runs without it and refuses new maintenance", e.getMessage());
      UnavailableJournal unavailable = new UnavailableJournal(e.getMessage());
      return new OpenedJournal(unavailable, unavailable);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object create(DriverChoice choice, DriverContext context) {
    DriverProvider provider = choice.provider();
    DriverSettings settings = choice.settings();
    return provider.create(settings, context);
  }

  /** The named tokens of {@code api.tokensFile}, re-read when the file changes. */
  private static ApiTokens tokensFile(AgentConfig config) {
    try {
      ApiTokens tokens = ApiTokens.fromFile(config.tokensFile().orElseThrow());
      log.info("API tokens: {}", tokens.describe());
      return tokens;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private static String readToken(AgentConfig config) {
    Path file =
        config
            .tokenFile()
            .orElseThrow(
                () ->
                    new ConfigException(
                        "api.tokenFile or api.tokensFile is required: mutating API calls need a"
                            + " token. Create one with: head -c 24 /dev/urandom | base64 >"
                            + " /etc/vpanel/token && chmod 600 /etc/vpanel/token (or named tokens"
                            + " with roles: vpanel token NAME ROLE >> /etc/vpanel/tokens)"));
    try {
      PemFiles.requireOwnerOnly(file);
    } catch (PemFiles.PemException e) {
      throw new ConfigException(
          e.getMessage().replace(": no such file", ": no such file; check api.tokenFile"));
    }
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
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
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
