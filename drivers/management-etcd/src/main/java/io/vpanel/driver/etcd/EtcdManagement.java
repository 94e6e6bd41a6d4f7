package io.vpanel.driver.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
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
  private final HostDirectory directory;
  private final Registrar registrar;
  private final EtcdCoordinator coordinator;
  private final LeaderElection election;
  private final Thread leaderWork;
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
    this.client = EtcdClients.create(settings);
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
    this.leaderWork =
        Thread.ofVirtual().name("etcd-leader-work-" + host).unstarted(this::leaderLoop);
    directory.start();
  }

  @Override
  public List<HostEndpoint> peers() {
    return directory.view().values().stream()
        .filter(r -> !r.host().equals(host))
        .map(Registration::endpoint)
        .toList();
  }

  /** Every host registered in the cluster now, this one included, by name. */
  public Map<String, Registration> hosts() {
    return directory.view();
  }

  @Override
  public DrsMode drsMode() {
    return settings.drs();
  }

  @Override
  public boolean haEnabled() {
    return settings.ha();
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
    election.start();
    leaderWork.start();
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

  /**
   * The leader's cluster work: the cluster's summary under {@code leader/status}, fenced on the
   * leader's election key.
   */
  private void leaderLoop() {
    while (!closed) {
      if (election.isLeader()) {
        try {
          election.asLeader(
              Op.put(
                  EtcdKeys.bytes(keys.leaderStatus()),
                  EtcdKeys.bytes(json.writeValueAsString(summary())),
                  PutOption.DEFAULT));
        } catch (EtcdUnavailable e) {
          log.debug("cluster status not written: {}", e.getMessage());
        }
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** What the leader publishes about the cluster. */
  record ClusterStatus(
      String leader,
      int hosts,
      List<String> inMaintenance,
      long largestUsedMemoryBytes,
      long freeMemoryBytesOfOthers,
      boolean haReserveKept,
      Instant at) {}

  private ClusterStatus summary() {
    Map<String, Registration> view = directory.view();
    List<String> out =
        view.values().stream()
            .filter(r -> r.state() != MaintenanceState.OPERATIONAL)
            .map(Registration::host)
            .toList();
    Registration largest =
        view.values().stream()
            .filter(r -> r.state() == MaintenanceState.OPERATIONAL)
            .max(java.util.Comparator.comparingLong(Registration::usedMemoryBytes))
            .orElse(null);
    long others =
        view.values().stream()
            .filter(r -> r.state() == MaintenanceState.OPERATIONAL && r != largest)
            .mapToLong(Registration::freeMemoryBytes)
            .sum();
    long need = largest == null ? 0 : largest.usedMemoryBytes();
    return new ClusterStatus(agent, view.size(), out, need, others, others >= need, Instant.now());
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
    leaderWork.interrupt();
    sends.shutdownNow();
    closeInbox();
    election.abandon();
    registrar.abandon();
    coordinator.close();
    directory.close();
    client.close();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    leaderWork.interrupt();
    sends.shutdownNow();
    closeInbox();
    election.close();
    coordinator.close();
    registrar.close();
    directory.close();
    client.close();
  }
}
