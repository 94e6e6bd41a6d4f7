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

  private volatile List<HostEndpoint> peers = List.of();
  private volatile DrsMode drs = DrsMode.OFF;
  private volatile boolean ha;
  private volatile MoRef ownHost;
  private volatile MoRef cluster;
  private volatile boolean inMaintenanceMode;
  private volatile LinkStatus link = LinkStatus.LOST;
  private volatile String linkReason = "not connected to vCenter yet";
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

  /** Whether vCenter has this host in maintenance mode, as last read. */
  public boolean inMaintenanceMode() {
    return inMaintenanceMode;
  }

  @Override
  public void start(ManagementListener newListener) {
    listener.set(newListener);
    newListener.onLinkStatus(link, linkReason);
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
    Map<MoRef, ObjectUpdate> hosts =
        vim.all("HostSystem", List.of("name", "parent", "runtime.inMaintenanceMode"));
    Map<MoRef, String> names = new java.util.HashMap<>();
    Map<MoRef, MoRef> parents = new java.util.HashMap<>();
    boolean maintenance = false;
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
        maintenance =
            u.changes().stream()
                .anyMatch(
                    c ->
                        c.name().equals("runtime.inMaintenanceMode")
                            && "true".equals(Xml.text(c.val())));
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
    if (clusterRef != null && clusterRef.type().equals("ClusterComputeResource")) {
      for (ObjectUpdate u :
          vim.retrieve(
              Map.of("ClusterComputeResource", List.of("configurationEx")), clusterRef, false)) {
        for (ObjectUpdate.Change c : u.changes()) {
          applyConfiguration(c.val());
        }
      }
    } else {
      drs = DrsMode.OFF;
      ha = false;
    }
  }

  /** DRS and HA from a ClusterConfigInfoEx. */
  void applyConfiguration(Element configurationEx) {
    Element drsConfig = Xml.child(configurationEx, "drsConfig");
    boolean drsOn = "true".equals(Xml.text(Xml.child(drsConfig, "enabled")));
    String behavior = String.valueOf(Xml.text(Xml.child(drsConfig, "defaultVmBehavior")));
    // unset counts as fullyAutomated, vCenter's default for a DRS cluster (vcsim leaves it unset)
    boolean automatic =
        behavior.equals("fullyAutomated") || behavior.equals("null") || behavior.isEmpty();
    drs = !drsOn ? DrsMode.OFF : automatic ? DrsMode.AUTOMATIC : DrsMode.MANUAL;
    ha = "true".equals(Xml.text(Xml.path(configurationEx, "dasConfig", "enabled")));
  }

  private void streamLoop() {
    long backoff = 250;
    while (!closed) {
      MoRef collector = null;
      try {
        refresh();
        collector = vim.createPropertyCollector();
        vim.createFilter(
            collector,
            Map.of(
                "ClusterComputeResource",
                List.of("configurationEx"),
                "HostSystem",
                List.of("name", "parent", "runtime.inMaintenanceMode")),
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
            DrsMode before = drs;
            boolean haBefore = ha;
            refresh();
            if (before != drs || haBefore != ha) {
              linkChanged(
                  LinkStatus.CONNECTED,
                  "vCenter: DRS "
                      + drs.name().toLowerCase(java.util.Locale.ROOT)
                      + ", HA "
                      + (ha ? "on" : "off"));
            }
          }
        }
      } catch (RuntimeException e) {
        if (closed) {
          break;
        }
        vim.dropView();
        linkChanged(LinkStatus.LOST, e instanceof DriverException ? e.getMessage() : e.toString());
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
    boolean changed = status != link || !reason.equals(linkReason);
    link = status;
    linkReason = reason;
    ManagementListener l = listener.get();
    if (changed && l != null) {
      l.onLinkStatus(status, reason);
    }
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
  }
}
