package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorDriver;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vSphere hypervisor driver ({@code driver: vsphere}): one session with vCenter (or an ESXi
 * host agent) for all the hosts it serves, one change stream ({@link GuestWatch}) for all their
 * guests, and one {@link VsphereConnection} per host.
 */
public final class VsphereHypervisorDriver implements HypervisorDriver {
  private static final Logger log = LoggerFactory.getLogger(VsphereHypervisorDriver.class);

  /** A host vCenter does not have (as opposed to a vCenter that cannot be asked). */
  static final class NoSuchHost extends DriverException {
    private static final long serialVersionUID = 1L;

    NoSuchHost(String message) {
      super(message);
    }
  }

  private final VsphereSettings settings;
  private final InstantSource clock;
  private final Vim vim;
  private final GuestWatch watch;
  private final List<VsphereConnection> connections = new CopyOnWriteArrayList<>();
  private final Object startLock = new Object();
  private boolean started;
  private volatile boolean closed;

  public VsphereHypervisorDriver(VsphereSettings settings, InstantSource clock) {
    this.settings = settings.requireConnection();
    this.clock = clock;
    this.vim = new Vim(new VimClient(settings, TrustBundle.of(settings.caFile())));
    this.watch = new GuestWatch(vim, settings, clock);
  }

  public VsphereSettings settings() {
    return settings;
  }

  Vim vim() {
    return vim;
  }

  GuestWatch watch() {
    ensureStarted();
    return watch;
  }

  private void ensureStarted() {
    synchronized (startLock) {
      if (!started) {
        started = true;
        watch.start();
      }
    }
    // the first full state, so that events start from what vCenter has now
    watch.awaitFirstSync(Duration.ofSeconds(settings.requestTimeoutSeconds()));
  }

  /**
   * Connects to one host. Throws when vCenter answers and has no such host; when vCenter cannot be
   * reached or refuses the login, the connection is made anyway and reports that reason (its reads
   * throw it, its subscribers get {@code ConnectionChanged(false)}) until vCenter answers.
   */
  @Override
  public HypervisorConnection connect(HostEndpoint endpoint) {
    if (closed) {
      throw new DriverException("the vsphere driver is closed");
    }
    ensureStarted();
    VsphereConnection connection =
        new VsphereConnection(this, endpoint, vim, watch, settings, clock);
    try {
      connection.hostSystem();
    } catch (NoSuchHost e) {
      throw e;
    } catch (DriverException e) {
      log.warn(
          "host {}: vSphere cannot be asked now ({}); connecting anyway",
          endpoint.name(),
          e.getMessage());
    }
    connections.add(connection);
    return connection;
  }

  /** The HostSystem named {@code name}, from the change stream or read now. */
  GuestWatch.HostState hostSystem(String name, String vpanelName) {
    if (watch.connected()) {
      var known = watch.host(name);
      if (known.isPresent()) {
        return known.get();
      }
    }
    for (ObjectUpdate u :
        vim.all(
                "HostSystem",
                List.of("name", "parent", "runtime.inMaintenanceMode", "runtime.connectionState"))
            .values()) {
      for (ObjectUpdate.Change c : u.changes()) {
        if (c.name().equals("name") && name.equals(Xml.text(c.val()))) {
          return new GuestWatch.HostState(u.obj(), name, false, "", null);
        }
      }
    }
    throw new NoSuchHost(
        "host '"
            + vpanelName
            + "': vSphere at "
            + vim.client().sdk()
            + " has no host named '"
            + name
            + "'");
  }

  /** The hosts of the configured cluster (or all); empty when vCenter cannot be asked now. */
  @Override
  public List<HostEndpoint> discoveredHosts() {
    try {
      Map<MoRef, ObjectUpdate> clusters = vim.all("ClusterComputeResource", List.of("name"));
      MoRef cluster = null;
      if (!settings.cluster().isEmpty()) {
        for (ObjectUpdate u : clusters.values()) {
          if (u.changes().stream()
              .anyMatch(
                  c -> c.name().equals("name") && settings.cluster().equals(Xml.text(c.val())))) {
            cluster = u.obj();
          }
        }
        if (cluster == null) {
          log.warn(
              "vSphere at {} has no cluster named '{}'", vim.client().sdk(), settings.cluster());
          return List.of();
        }
      }
      List<HostEndpoint> out = new ArrayList<>();
      for (ObjectUpdate u : vim.all("HostSystem", List.of("name", "parent")).values()) {
        String name = null;
        MoRef parent = null;
        for (ObjectUpdate.Change c : u.changes()) {
          if (c.name().equals("name")) {
            name = Xml.text(c.val());
          } else if (c.name().equals("parent")) {
            parent = Xml.ref(c.val());
          }
        }
        if (name != null && (cluster == null || cluster.equals(parent))) {
          out.add(new HostEndpoint(name, name, name));
        }
      }
      out.sort(java.util.Comparator.comparing(HostEndpoint::name));
      return out;
    } catch (DriverException e) {
      log.warn("cannot list the hosts of vSphere at {}: {}", vim.client().sdk(), e.getMessage());
      return List.of();
    }
  }

  void forget(VsphereConnection connection) {
    connections.remove(connection);
  }

  @Override
  public void close() {
    closed = true;
    for (VsphereConnection c : List.copyOf(connections)) {
      c.close();
    }
    watch.close();
    vim.close();
  }
}
