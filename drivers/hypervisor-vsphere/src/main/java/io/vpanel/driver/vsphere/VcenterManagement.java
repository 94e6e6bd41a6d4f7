package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.Coordinator;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.HostReport;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.management.ManagementBackend;
import io.vpanel.spi.management.ManagementListener;
import io.vpanel.spi.management.Notice;
import io.vpanel.spi.management.NoticeSeverity;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

/**
 * The management backend {@code vcenter}: vCenter is the management side of a VMware host. Its own
 * session (separate from the hypervisor driver's) and a change stream (WaitForUpdatesEx on the
 * cluster's {@code configurationEx} and its hosts) drive the management-link light (connected while
 * the stream runs, lost with vCenter's reason otherwise), the DRS light ({@code drsConfig.enabled}
 * and {@code defaultVmBehavior}) and HA ({@code dasConfig.enabled}). The peers are the other hosts
 * of the cluster. Maintenance follows {@code planner}: {@code vpanel} lets core move the guests and
 * then calls EnterMaintenanceMode_Task once this host is in maintenance; {@code vcenter} hands
 * admission to vCenter (EnterMaintenanceMode_Task, DRS evacuates; granted when the task succeeds).
 * Leaving maintenance calls ExitMaintenanceMode_Task before the guests come back (vCenter places
 * nothing on a host in maintenance mode).
 */
public final class VcenterManagement implements ManagementBackend {
  private static final Logger log = LoggerFactory.getLogger(VcenterManagement.class);

  private final VsphereSettings settings;
  private final InstantSource clock;
  private final String host;
  private final String hostSystemName;
  private final Vim vim;
  private final ExecutorService work =
      Executors.newSingleThreadExecutor(Thread.ofVirtual().name("vcenter-maintenance").factory());
  private final Thread stream;
  private final AtomicReference<ManagementListener> listener = new AtomicReference<>();
  private final Object sleepLock = new Object();

  /** The key of this backend's one notice about its link (lost, session ended, restored). */
  static final String LINK_NOTICE = "vcenter-link";

  /** The key of its notice about the host's HA agent or Proactive HA quarantine. */
  static final String HEALTH_NOTICE = "vcenter-host-health";

  private static final List<String> HOST_PATHS =
      List.of(
          "name",
          "parent",
          "runtime.inMaintenanceMode",
          "runtime.dasHostState",
          "runtime.inQuarantineMode");

  private volatile List<HostEndpoint> peers = List.of();
  private volatile DrsMode drs = DrsMode.OFF;
  private volatile boolean ha;
  private volatile ClusterState clusterState = ClusterState.NONE;
  private volatile Optional<String> dasHostState = Optional.empty();
  private volatile boolean inQuarantineMode;
  private volatile String healthNotice = "";
  private volatile String linkNotice = "";
  private volatile MoRef ownHost;
  private volatile MoRef cluster;
  private volatile boolean inMaintenanceMode;
  private volatile LinkStatus link = LinkStatus.LOST;

  /** How long "vCenter link restored" stays on the panels. */
  static final Duration RESTORED_SHOWN_FOR = Duration.ofMinutes(5);

  private static final String NOT_YET = "not connected to vCenter yet";
  private volatile String linkReason = NOT_YET;
  private volatile MaintenanceState lastState = MaintenanceState.OPERATIONAL;
  private volatile boolean closed;

  public VcenterManagement(VsphereSettings settings, DriverContext context) {
    this.settings = settings.requireConnection();
    this.clock = context.scheduler()::now;
    this.host = context.localHost();
    this.hostSystemName =
        context.service(HostEndpoint.class).map(VsphereConnection::hostSystemName).orElse(host);
    this.vim = new Vim(new VimClient(settings, TrustBundle.of(settings.caFile())));
    this.stream = Thread.ofVirtual().name("vcenter-stream").unstarted(this::streamLoop);
    vim.client()
        .onSession(
            new VimClient.SessionListener() {
              @Override
              public void sessionEnded(String reason) {
                if (link != LinkStatus.LOST) {
                  // a link lost already (vCenter restarted) stays lost with its first reason
                  linkChanged(LinkStatus.DEGRADED, reason + "; logging in again");
                }
              }

              @Override
              public void sessionRenewed() {
                log.info("vCenter session at {} renewed", settings.url());
              }

              @Override
              public void renewalFailed(String reason) {
                linkChanged(LinkStatus.LOST, reason);
              }
            });
    try {
      refresh();
    } catch (DriverException e) {
      linkReason = e.getMessage();
      log.warn("vCenter at {} cannot be read now: {}", settings.url(), e.getMessage());
    }
  }

  @Override
  public List<HostEndpoint> peers() {
    return peers;
  }

  @Override
  public DrsMode drsMode() {
    return drs;
  }

  @Override
  public boolean haEnabled() {
    return ha;
  }

  /**
   * HA's own word on this host: its HA agent's state ({@code runtime.dasHostState}) other than
   * {@code master} or {@code connectedToMaster} (isolated, partitioned, unreachable, an
   * initialization error, an election running) means vSphere HA does not protect it now; in those
   * two states, or when vCenter sends no state, core's capacity check decides.
   */
  @Override
  public Optional<Boolean> haProtected(String name) {
    if (!name.equals(host) || !ha || link == LinkStatus.LOST) {
      return Optional.empty();
    }
    return dasHostState.filter(s -> !ClusterState.haProtects(s)).map(s -> false);
  }

  /**
   * PFA protect from vCenter's Proactive HA ({@code infraUpdateHaConfig}): true when it is on with
   * a health provider, false when the cluster has it off, empty when vCenter sends no such setting.
   */
  @Override
  public Optional<Boolean> pfaProtected(String name) {
    if (!name.equals(host)) {
      return Optional.empty();
    }
    return clusterState.proactiveHa().map(ClusterState.ProactiveHa::protects);
  }

  /** The cluster's settings as last read (tests). */
  ClusterState clusterState() {
    return clusterState;
  }

  /** Whether vCenter has this host in maintenance mode, as last read. */
  public boolean inMaintenanceMode() {
    return inMaintenanceMode;
  }

  @Override
  public void start(ManagementListener newListener) {
    listener.set(newListener);
    newListener.onLinkStatus(link, linkReason);
    if (link == LinkStatus.LOST && !linkReason.equals(NOT_YET)) {
      // the first read failed (refused login, TLS, unreachable): its reason on the panels now
      linkNotice(newListener, link, linkReason, "");
    }
    synchronized (this) {
      if (!stream.isAlive() && !closed) {
        stream.start();
      }
    }
  }

  /** Reads the own host, the cluster, its other hosts and its DRS and HA settings. */
  private void refresh() {
    MoRef own = null;
    MoRef parent = null;
    Map<MoRef, ObjectUpdate> hosts = vim.all("HostSystem", HOST_PATHS);
    Map<MoRef, String> names = new java.util.HashMap<>();
    Map<MoRef, MoRef> parents = new java.util.HashMap<>();
    boolean maintenance = false;
    Element ownDas = null;
    boolean quarantine = false;
    for (ObjectUpdate u : hosts.values()) {
      for (ObjectUpdate.Change c : u.changes()) {
        switch (c.name()) {
          case "name" -> names.put(u.obj(), String.valueOf(Xml.text(c.val())));
          case "parent" -> parents.put(u.obj(), Xml.ref(c.val()));
          default -> {}
        }
      }
      if (hostSystemName.equals(names.get(u.obj()))) {
        own = u.obj();
        parent = parents.get(u.obj());
        for (ObjectUpdate.Change c : u.changes()) {
          switch (c.name()) {
            case "runtime.inMaintenanceMode" -> maintenance = "true".equals(Xml.text(c.val()));
            case "runtime.inQuarantineMode" -> quarantine = "true".equals(Xml.text(c.val()));
            case "runtime.dasHostState" -> ownDas = c.val();
            default -> {}
          }
        }
      }
    }
    if (own == null) {
      throw new DriverException(
          "vCenter at "
              + settings.url()
              + " has no host named '"
              + hostSystemName
              + "' (host "
              + host
              + ")");
    }
    MoRef clusterRef = parent;
    if (!settings.cluster().isEmpty()) {
      clusterRef = null;
      for (ObjectUpdate u : vim.all("ClusterComputeResource", List.of("name")).values()) {
        if (u.changes().stream().anyMatch(c -> settings.cluster().equals(Xml.text(c.val())))) {
          clusterRef = u.obj();
        }
      }
      if (clusterRef == null) {
        throw new DriverException(
            "vCenter at " + settings.url() + " has no cluster named '" + settings.cluster() + "'");
      }
    }
    List<HostEndpoint> others = new ArrayList<>();
    for (MoRef h : names.keySet()) {
      if (!h.equals(own) && clusterRef != null && clusterRef.equals(parents.get(h))) {
        String n = names.get(h);
        others.add(new HostEndpoint(n, n, n));
      }
    }
    others.sort(java.util.Comparator.comparing(HostEndpoint::name));
    ownHost = own;
    cluster = clusterRef;
    peers = List.copyOf(others);
    inMaintenanceMode = maintenance;
    dasHostState = ClusterState.dasHostState(ownDas);
    inQuarantineMode = quarantine;
    if (clusterRef != null && clusterRef.type().equals("ClusterComputeResource")) {
      for (ObjectUpdate u :
          vim.retrieve(
              Map.of("ClusterComputeResource", List.of("configurationEx")), clusterRef, false)) {
        for (ObjectUpdate.Change c : u.changes()) {
          applyConfiguration(c.val());
        }
      }
    } else {
      applyConfiguration(null);
    }
    healthNotice();
  }

  /** DRS, HA and Proactive HA from a ClusterConfigInfoEx ({@code null}: none). */
  void applyConfiguration(Element configurationEx) {
    ClusterState parsed = ClusterState.parse(configurationEx);
    clusterState = parsed;
    drs = parsed.drs();
    ha = parsed.ha();
  }

  /** This host's HA agent state and its own host state, as last read (tests). */
  void applyHostState(Element dasState, boolean quarantine) {
    dasHostState = ClusterState.dasHostState(dasState);
    inQuarantineMode = quarantine;
    healthNotice();
  }

  /**
   * One keyed notice says what keeps this host unprotected: its HA agent in a state other than
   * master or connected to the master, or Proactive HA holding it in quarantine mode; withdrawn
   * when neither holds.
   */
  private void healthNotice() {
    List<String> parts = new ArrayList<>();
    if (ha && dasHostState.isPresent() && !ClusterState.haProtects(dasHostState.get())) {
      parts.add("vSphere HA agent " + dasHostState.get());
    }
    if (inQuarantineMode) {
      parts.add("Proactive HA: host in quarantine mode");
    }
    String text = parts.isEmpty() ? "" : "vCenter: " + String.join("; ", parts);
    ManagementListener l = listener.get();
    if (l == null || text.equals(healthNotice)) {
      return;
    }
    healthNotice = text;
    if (text.isEmpty()) {
      l.onNoticeWithdrawn(host, HEALTH_NOTICE, "vcenter");
    } else {
      l.onNotice(
          new Notice(
              host,
              SoapResponse.clip(text),
              NoticeSeverity.WARNING,
              "vcenter",
              clock.instant(),
              Duration.ofHours(12)),
          HEALTH_NOTICE);
    }
    l.onClusterStatus();
  }

  private void streamLoop() {
    long backoff = 250;
    healthNotice();
    while (!closed) {
      MoRef collector = null;
      long epoch = -1;
      try {
        refresh();
        collector = vim.createPropertyCollector();
        epoch = vim.client().epoch();
        vim.createFilter(
            collector,
            Map.of("ClusterComputeResource", List.of("configurationEx"), "HostSystem", HOST_PATHS),
            vim.view(),
            true);
        String version = "";
        linkChanged(LinkStatus.CONNECTED, "vCenter " + vim.client().content().fullName());
        backoff = 250;
        while (!closed) {
          Optional<Element> set = vim.waitForUpdates(collector, version, settings.waitSeconds());
          // also after a quiet wait: vcsim does not stream every change of the cluster
          {
            if (set.isPresent()) {
              version = String.valueOf(Xml.text(Xml.child(set.get(), "version")));
            }
            ClusterState before = clusterState;
            Optional<String> dasBefore = dasHostState;
            refresh();
            if (!before.equals(clusterState) || !dasBefore.equals(dasHostState)) {
              log.info(
                  "vCenter: DRS {}, HA {} (agent {}), {}",
                  drs.name().toLowerCase(java.util.Locale.ROOT),
                  ha ? "on" : "off",
                  dasHostState.orElse("state not sent"),
                  clusterState
                      .proactiveHa()
                      .map(ClusterState.ProactiveHa::describe)
                      .orElse("no Proactive HA setting sent"));
              ManagementListener l = listener.get();
              if (l != null) {
                l.onClusterStatus();
              }
            }
          }
        }
      } catch (RuntimeException e) {
        if (closed) {
          break;
        }
        vim.dropView();
        String why = e instanceof DriverException ? e.getMessage() : e.toString();
        if (epoch >= 0 && vim.client().epoch() != epoch && link == LinkStatus.DEGRADED) {
          // vCenter ended the session and a new login replaced it: the collector went with the
          // old session. Make the stream again at once; the link stays degraded until it runs.
          log.info("vCenter change stream made again after a new login ({})", why);
          continue;
        }
        linkChanged(LinkStatus.LOST, why);
        synchronized (sleepLock) {
          try {
            sleepLock.wait(backoff);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        backoff = Math.min(settings.reconnectMaxSeconds() * 1000L, backoff * 2);
      } finally {
        if (collector != null && !closed) {
          vim.destroyPropertyCollector(collector);
        }
      }
    }
  }

  private void linkChanged(LinkStatus status, String reason) {
    LinkStatus before = link;
    String reasonBefore = linkReason;
    boolean changed = status != before || !reason.equals(reasonBefore);
    link = status;
    linkReason = reason;
    ManagementListener l = listener.get();
    if (changed && l != null) {
      l.onLinkStatus(status, reason);
      linkNotice(l, status, reason, reasonBefore);
    }
  }

  /**
   * The cause in words that fit a 20-column display after the severity's {@code CRIT: } or {@code
   * WARN: } (14 characters): a panel shows the start of a notice; the API shows all of it.
   */
  static String headline(String reason) {
    String r = reason.toLowerCase(java.util.Locale.ROOT);
    if (r.contains("ended the session")) {
      return "VC SESSION END";
    }
    if (r.contains("refused the login") || r.contains("password")) {
      return "VC BAD LOGIN";
    }
    if (r.contains("tls with vsphere")) {
      return "VC TLS FAILED";
    }
    if (r.contains("cannot reach") || r.contains("received no bytes")) {
      return "VC UNREACHABLE";
    }
    if (r.contains("timed out")) {
      return "VC TIMED OUT";
    }
    if (r.contains("has no host named") || r.contains("has no cluster named")) {
      return "VC NO SUCH HOST";
    }
    return "VC LINK LOST";
  }

  /**
   * The link's reason on the panels and in the API's notices, under one key: lost (CRITICAL) or
   * degraded (WARNING) with vCenter's own reason, replaced by "restored" (INFO, shown a few
   * minutes) when the stream runs again.
   */
  private void linkNotice(
      ManagementListener l, LinkStatus status, String reason, String reasonBefore) {
    String text;
    NoticeSeverity severity;
    Duration ttl;
    switch (status) {
      case LOST -> {
        text = headline(reason) + ": vCenter link lost: " + reason;
        severity = NoticeSeverity.CRITICAL;
        ttl = Duration.ofHours(12);
      }
      case DEGRADED -> {
        text = headline(reason) + ": vCenter link degraded: " + reason;
        severity = NoticeSeverity.WARNING;
        ttl = Duration.ofHours(12);
      }
      default -> {
        if (linkNotice.isEmpty()) {
          return; // nothing was wrong: the first connection says nothing
        }
        text = "VC LINK OK: vCenter link restored after: " + reasonBefore;
        severity = NoticeSeverity.INFO;
        ttl = RESTORED_SHOWN_FOR;
      }
    }
    linkNotice = status == LinkStatus.CONNECTED ? "" : text;
    log.warn("{}", text);
    l.onNotice(
        new Notice(host, SoapResponse.clip(text), severity, "vcenter", clock.instant(), ttl),
        LINK_NOTICE);
  }

  @Override
  public void publish(HostReport report) {
    if (!report.host().equals(host)) {
      return;
    }
    MaintenanceState previous = lastState;
    MaintenanceState now = report.state();
    lastState = now;
    if (now == previous) {
      return;
    }
    if (now == MaintenanceState.IN_MAINTENANCE) {
      work.execute(this::enterMaintenanceMode);
    } else if (now == MaintenanceState.EXITING
        || (now == MaintenanceState.OPERATIONAL && previous != MaintenanceState.ENTERING)) {
      work.execute(this::exitMaintenanceMode);
    }
  }

  private void enterMaintenanceMode() {
    try {
      refresh();
      if (inMaintenanceMode) {
        return;
      }
      TaskWatch.End end = runHostTask("EnterMaintenanceMode_Task", true);
      if (!end.success()) {
        notice("vCenter: EnterMaintenanceMode failed: " + end.message(), NoticeSeverity.WARNING);
      }
    } catch (DriverException e) {
      notice("vCenter: EnterMaintenanceMode failed: " + e.getMessage(), NoticeSeverity.WARNING);
    }
  }

  private void exitMaintenanceMode() {
    try {
      refresh();
      if (!inMaintenanceMode) {
        return;
      }
      TaskWatch.End end = runHostTask("ExitMaintenanceMode_Task", false);
      if (!end.success()) {
        notice("vCenter: ExitMaintenanceMode failed: " + end.message(), NoticeSeverity.WARNING);
      }
    } catch (DriverException e) {
      notice("vCenter: ExitMaintenanceMode failed: " + e.getMessage(), NoticeSeverity.WARNING);
    }
  }

  /** Runs Enter/ExitMaintenanceMode_Task on this host and waits for it; re-reads the flag after. */
  TaskWatch.End runHostTask(String method, boolean enter) {
    MoRef own = ownHost;
    if (own == null) {
      refresh();
      own = ownHost;
    }
    SoapBody call =
        SoapBody.call(method, own).text("timeout", settings.maintenanceTimeoutSeconds());
    if (enter) {
      call.text("evacuatePoweredOffVms", false);
    }
    MoRef task = vim.startTask(call);
    Duration limit = Duration.ofSeconds(settings.requestTimeoutSeconds());
    TaskWatch.End end =
        TaskWatch.await(vim, task, settings.waitSeconds(), limit, p -> {}, () -> closed);
    // vcsim does not stream the flag; a real vCenter does. Read it back either way.
    refresh();
    log.info(
        "{} on {}: {} (inMaintenanceMode={})",
        method,
        hostSystemName,
        end.success() ? "done" : end.message(),
        inMaintenanceMode);
    return end;
  }

  private void notice(String text, NoticeSeverity severity) {
    log.warn("{}", text);
    ManagementListener l = listener.get();
    if (l != null) {
      l.onNotice(
          new Notice(
              host,
              SoapResponse.clip(text),
              severity,
              "vcenter",
              clock.instant(),
              Duration.ofMinutes(10)));
    }
  }

  @Override
  public Optional<Coordinator> coordinator() {
    return settings.planner().equals("vcenter")
        ? Optional.of(new VcenterCoordinator())
        : Optional.empty();
  }

  /**
   * {@code planner: vcenter}: vCenter decides and evacuates. Admission runs
   * EnterMaintenanceMode_Task (DRS in fully automated mode moves the guests; vCenter refuses or
   * times out otherwise) and is granted when it succeeds; core then finds the host empty.
   */
  private final class VcenterCoordinator implements Coordinator {
    @Override
    public CompletableFuture<Admission> admit(AdmissionRequest request) {
      CompletableFuture<Admission> answer = new CompletableFuture<>();
      work.execute(
          () -> {
            try {
              TaskWatch.End end = runHostTask("EnterMaintenanceMode_Task", true);
              answer.complete(
                  end.success()
                      ? Admission.granted(
                          "vCenter put the host into maintenance mode (EnterMaintenanceMode_Task)")
                      : end.faultType().equals("Unreachable")
                          ? Admission.unavailable(end.message())
                          : Admission.refused(
                              "vCenter refused maintenance mode: " + end.message()));
            } catch (DriverException e) {
              answer.complete(Admission.unavailable("vCenter: " + e.getMessage()));
            }
          });
      return answer;
    }

    @Override
    public void release(String releasedHost) {}

    @Override
    public CompletableFuture<Reservation> reserve(PlacementRequest request) {
      return CompletableFuture.completedFuture(new Reservation(request, true, ""));
    }

    @Override
    public void unreserve(Reservation reservation) {}
  }

  @Override
  public void close() {
    closed = true;
    synchronized (sleepLock) {
      sleepLock.notifyAll();
    }
    stream.interrupt();
    work.shutdownNow();
    vim.close();
    // The stream ends with its session: once close returns, nothing it read is applied any more.
    if (Thread.currentThread() != stream && stream.isAlive()) {
      try {
        stream.join(java.time.Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
