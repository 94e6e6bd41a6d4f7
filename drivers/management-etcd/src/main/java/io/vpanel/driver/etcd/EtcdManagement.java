package io.vpanel.driver.etcd;

import io.etcd.jetcd.Client;
import io.vpanel.driver.etcd.EtcdClients.EtcdUnavailable;
import io.vpanel.spi.DriverContext;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.Coordinator;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.HostReport;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.management.ManagementBackend;
import io.vpanel.spi.management.ManagementListener;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The management backend {@code etcd}: the agents of a cluster coordinate through etcd. This agent
 * registers its host under a lease ({@link Registrar}; the management link follows the lease), sees
 * the others through a watch ({@link HostDirectory}; {@link #peers} and {@link #hosts}), admits
 * maintenance and reserves placement in transactions ({@link EtcdCoordinator}) and takes part in
 * the election of one leader for cluster work ({@link LeaderElection}).
 */
public final class EtcdManagement implements ManagementBackend {
  private static final Logger log = LoggerFactory.getLogger(EtcdManagement.class);

  private final EtcdSettings settings;
  private final String host;
  private final String agent;
  private final HostEndpoint endpoint;
  private final EtcdKeys keys;
  private final JsonMapper json = JsonMapper.builder().build();
  private final Client client;
  private final Optional<EtcdClientPool> pool;
  private final HostDirectory directory;
  private final Registrar registrar;
  private final EtcdCoordinator coordinator;
  private final LeaderElection election;
  private final ClusterWork clusterWork;
  private final ClusterStatusView clusterStatus;
  private final AtomicReference<ManagementListener> listener = new AtomicReference<>();

  /** Where notices and requests for other hosts are written to etcd from (blocking calls). */
  private final java.util.concurrent.ExecutorService sends =
      java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

  private volatile Inbox inbox;
  private volatile LinkStatus link = LinkStatus.LOST;
  private volatile String linkReason = "not registered in etcd yet";
  private volatile boolean started;
  private volatile boolean closed;

  /** The peers last reported to the listener, so it hears of changes only. */
  private List<HostEndpoint> reportedPeers;

  /** The peers' maintenance states last reported to the listener. */
  private Map<String, MaintenanceState> reportedStates = Map.of();

  /** Connects and reads the registry once, so {@link #peers} answers at once. */
  public EtcdManagement(EtcdSettings settings, DriverContext context) {
    this.settings = settings;
    this.host = context.localHost();
    this.agent = host + "@" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    HostEndpoint own = context.service(HostEndpoint.class).orElse(new HostEndpoint(host, "", ""));
    // The agent's own uri is often the local socket (qemu:///system); its migration URI is what
    // the other hosts can reach.
    String reachable =
        settings.hypervisorUri().isEmpty() ? own.migrationUri() : settings.hypervisorUri();
    this.endpoint =
        new HostEndpoint(
            host,
            reachable,
            settings.migrationUri().isEmpty() ? own.migrationUri() : settings.migrationUri());
    this.keys = new EtcdKeys(settings.cluster());
    // Many agents in one JVM (a simulation, the benchmark) share one Vert.x and executor.
    this.pool = context.service(EtcdClientPool.class);
    this.client = pool.map(p -> p.create(settings)).orElseGet(() -> EtcdClients.create(settings));
    this.directory = new HostDirectory(client, settings, keys, json, "etcd-registry-" + host);
    this.registrar =
        new Registrar(
            client,
            settings,
            keys.host(host),
            json.writeValueAsString(
                Registration.starting(agent, settings.apiAddress(), endpoint, Instant.now())),
            "etcd-lease-" + host,
            this::linkChanged);
    this.coordinator =
        new EtcdCoordinator(client, settings, keys, json, registrar, directory, agent);
    this.election = new LeaderElection(client, settings, keys, agent, this::leadershipChanged);
    this.clusterWork = new ClusterWork(client, settings, keys, json, election, agent);
    this.clusterStatus =
        new ClusterStatusView(client, settings, keys, json, this::clusterStatusChanged);
    directory.start();
  }

  @Override
  public List<HostEndpoint> peers() {
    return directory.view().values().stream()
        .filter(r -> !r.host().equals(host))
        .map(Registration::endpoint)
        .toList();
  }

  /**
   * {@code listener} hears every registration this agent's watch delivers, as it arrives (empty:
   * the host's key is gone), on jetcd's thread; it must return at once. Diagnostics and benchmarks
   * (the time from one agent's write to the others' watches).
   */
  public void watchRegistry(
      java.util.function.BiConsumer<String, Optional<Registration>> listener) {
    directory.onEvent(listener);
  }

  /** Every host registered in the cluster now, this one included, by name. */
  public Map<String, Registration> hosts() {
    return directory.view();
  }

  /** The cluster's DRS mode as the leader published it; this agent's own setting until then. */
  @Override
  public DrsMode drsMode() {
    return clusterStatus.status().map(ClusterWork.ClusterStatus::drs).orElse(settings.drs());
  }

  @Override
  public boolean haEnabled() {
    return settings.ha();
  }

  /**
   * The leader's HA verdict for {@code host} (PROTECTED: true, INSUFFICIENT: false); empty before a
   * leader published one for it, or for FAULT (core tells a hypervisor it cannot reach itself).
   */
  @Override
  public Optional<Boolean> haProtected(String host) {
    return clusterStatus
        .status()
        .map(s -> s.ha().get(host))
        .filter(v -> v.equals("PROTECTED") || v.equals("INSUFFICIENT"))
        .map(v -> v.equals("PROTECTED"));
  }

  /** What the leader last published about the cluster (tests, diagnostics). */
  Optional<ClusterWork.ClusterStatus> clusterStatus() {
    return clusterStatus.status();
  }

  ClusterWork clusterWork() {
    return clusterWork;
  }

  @Override
  public synchronized void start(ManagementListener listener) {
    this.listener.set(listener);
    listener.onLinkStatus(link, linkReason);
    if (started) {
      return;
    }
    started = true;
    reportedPeers = peers();
    directory.onChange(
        view -> {
          peersMayHaveChanged();
          statesMayHaveChanged(view);
        });
    statesMayHaveChanged(directory.view());
    inbox = new Inbox(client, settings, keys, json, host, new ForwardingListener());
    inbox.start();
    registrar.start();
    coordinator.start();
    clusterStatus.start();
    if (settings.leaderCandidate()) {
      election.start();
      clusterWork.start();
    }
  }

  @Override
  public void publish(HostReport report) {
    if (!report.host().equals(host)) {
      return;
    }
    registrar.publish(
        json.writeValueAsString(Registration.of(report, agent, settings.apiAddress(), endpoint)));
  }

  @Override
  public Optional<Coordinator> coordinator() {
    return Optional.of(coordinator);
  }

  /**
   * Sends {@code host}'s agent a notice for its panels, through etcd; true once etcd has it.
   *
   * @param ttl how long the panel shows it
   */
  public boolean sendNotice(String toHost, String text, String from, java.time.Duration ttl) {
    return sendNotice(new io.vpanel.spi.management.Notice(toHost, text, from, Instant.now(), ttl));
  }

  private boolean sendNotice(io.vpanel.spi.management.Notice notice) {
    return send(
        keys.notices(notice.host()),
        new Inbox.NoticeMessage(
            notice.text(),
            notice.from(),
            notice.at(),
            Math.max(1, notice.ttl().toSeconds()),
            notice.severity().label()));
  }

  @Override
  public java.util.concurrent.CompletableFuture<Boolean> forwardNotice(
      io.vpanel.spi.management.Notice notice) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> sendNotice(notice), sends);
  }

  @Override
  public java.util.concurrent.CompletableFuture<Boolean> forwardRequest(
      io.vpanel.spi.management.MaintenanceRequest request) {
    return java.util.concurrent.CompletableFuture.supplyAsync(
        () -> requestMaintenance(request.host(), request.action(), request.from()), sends);
  }

  /** Asks {@code host}'s agent to enter, exit or cancel maintenance, through etcd. */
  public boolean requestMaintenance(
      String toHost, io.vpanel.spi.MaintenanceAction action, String from) {
    return send(keys.requests(toHost), new Inbox.RequestMessage(action.label(), from));
  }

  private boolean send(String prefix, Object message) {
    String id =
        Instant.now().toEpochMilli()
            + "-"
            + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    try {
      EtcdClients.await(
          client
              .getKVClient()
              .put(EtcdKeys.bytes(prefix + id), EtcdKeys.bytes(json.writeValueAsString(message))),
          settings);
      return true;
    } catch (EtcdUnavailable e) {
      log.warn("not sent to {}: {}", prefix, e.getMessage());
      return false;
    }
  }

  /** Hands the inbox's messages to whoever {@link #start} was given. */
  private final class ForwardingListener implements ManagementListener {
    @Override
    public void onLinkStatus(LinkStatus status, String reason) {}

    @Override
    public void onNotice(io.vpanel.spi.management.Notice notice) {
      listener.get().onNotice(notice);
    }

    @Override
    public void onMaintenanceRequest(io.vpanel.spi.management.MaintenanceRequest request) {
      listener.get().onMaintenanceRequest(request);
    }
  }

  /** The management link as it stands. */
  public LinkStatus link() {
    return link;
  }

  /** True while this agent leads cluster work. */
  public boolean leading() {
    return election.isLeader();
  }

  /** The agent leading cluster work, as etcd has it. */
  public Optional<String> leader() {
    return election.leader();
  }

  /** This agent's instance name: its host and a random suffix. */
  public String agent() {
    return agent;
  }

  long leaseId() {
    return registrar.leaseId();
  }

  LeaderElection election() {
    return election;
  }

  EtcdCoordinator etcdCoordinator() {
    return coordinator;
  }

  /** Tells the listener the peers when a host joined or left (not when one published a report). */
  private synchronized void peersMayHaveChanged() {
    List<HostEndpoint> now = peers();
    ManagementListener current = listener.get();
    if (closed || current == null || now.equals(reportedPeers)) {
      return;
    }
    reportedPeers = now;
    current.onPeersChanged(now);
  }

  /** Tells the listener the peers' reports when one's maintenance state changed. */
  private synchronized void statesMayHaveChanged(Map<String, Registration> view) {
    Map<String, MaintenanceState> states = new java.util.TreeMap<>();
    List<HostReport> reports = new java.util.ArrayList<>();
    for (Registration r : view.values()) {
      if (r.host().equals(host)) {
        continue;
      }
      states.put(r.host(), r.state());
      reports.add(r.report());
    }
    ManagementListener current = listener.get();
    if (closed || current == null || states.equals(reportedStates)) {
      return;
    }
    reportedStates = states;
    current.onPeerReports(reports);
  }

  private void linkChanged(LinkStatus status, String reason) {
    link = status;
    linkReason = reason;
    ManagementListener current = listener.get();
    if (current != null) {
      current.onLinkStatus(status, reason);
    }
  }

  private void leadershipChanged(boolean leads) {
    log.info("{} {} cluster work", agent, leads ? "leads" : "stopped leading");
  }

  private void clusterStatusChanged() {
    ManagementListener current = listener.get();
    if (!closed && current != null) {
      current.onClusterStatus();
    }
  }

  private void closeInbox() {
    Inbox current = inbox;
    if (current != null) {
      current.close();
    }
  }

  /** Stops as a crashed agent would: no resign, no revoke; its lease runs out (tests). */
  void abandon() {
    closed = true;
    clusterWork.close();
    clusterStatus.close();
    sends.shutdownNow();
    closeInbox();
    election.abandon();
    registrar.abandon();
    coordinator.close();
    directory.close();
    closeClient();
  }

  private void closeClient() {
    if (pool.isPresent()) {
      pool.get().release(client);
    } else {
      client.close();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    clusterWork.close();
    clusterStatus.close();
    sends.shutdownNow();
    closeInbox();
    election.close();
    coordinator.close();
    registrar.close();
    directory.close();
    closeClient();
  }
}
