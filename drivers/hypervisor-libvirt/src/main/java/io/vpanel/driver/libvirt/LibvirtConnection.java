package io.vpanel.driver.libvirt;

import io.vpanel.driver.libvirt.ConnectionSlot.Live;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.Subscription;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.HypervisorListener;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationHandle;
import io.vpanel.spi.hypervisor.MigrationInProgress;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.LibvirtException;
import org.libvirt.NodeInfo;
import org.libvirt.event.DomainEvent;
import org.libvirt.event.DomainEventType;
import org.libvirt.event.LifecycleListener;
import org.libvirt.event.ResumedDetail;
import org.libvirt.event.StartedDetail;
import org.libvirt.event.StoppedDetail;

/**
 * One host's libvirt daemon. Lifecycle events arrive on libvirt's event-loop thread and are only
 * queued there; a per-connection worker thread reads the guest's new state and tells subscribers,
 * in order. When the daemon goes away (close callback, keepalive timeout or a broken call) the
 * connection reports {@code ConnectionChanged(false)}, reconnects with back-off and reports {@code
 * ConnectionChanged(true)}; the engine then re-reads the inventory, so nothing that happened
 * meanwhile is lost.
 */
final class LibvirtConnection implements HypervisorConnection {
  private static final System.Logger log = System.getLogger(LibvirtConnection.class.getName());
  private static final long KIB = 1024;
  private static final Pattern POLICY =
      Pattern.compile("<(?:[\\w.-]+:)?policy(\\s[^>]*)?>\\s*([^<\\s]+)\\s*</", Pattern.DOTALL);
  private static final Pattern POSTCOPY_ATTRIBUTE =
      Pattern.compile("\\bpostcopy\\s*=\\s*[\"']\\s*([^\"']*?)\\s*[\"']");
  private static final Path UNPRIVILEGED_USERFAULTFD =
      Path.of("/proc/sys/vm/unprivileged_userfaultfd");

  private final LibvirtHypervisorDriver driver;
  private final HostEndpoint endpoint;
  private final LibvirtSettings settings;
  private final List<HypervisorListener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService worker;

  /** Guests that started arriving by migration and are not live here yet. */
  private final Set<String> arriving = ConcurrentHashMap.newKeySet();

  /**
   * The live libvirt connection and its generation, read and swapped as one value: every operation
   * uses the pair it read, so its failure can only ever report the connection it used.
   */
  private final ConnectionSlot<Connect> slot = new ConnectionSlot<>();

  /** The lifecycle listener registered on each generation's connection, removed when it goes. */
  private final Map<Long, LifecycleListener> lifecycles = new ConcurrentHashMap<>();

  private final Object lock = new Object(); // guards reconnector
  private Thread reconnector; // set while a reconnect loop runs; it clears it as it stops

  /** What subscribers were last told; worker thread only. Up once the constructor returns. */
  private boolean reportedConnected = true;

  private volatile Probe probe = new Probe() {};

  private final DirtyRateSampler dirtyRates;

  /** The host's CPU times at the last inventory, for the idle share the next one reports. */
  private final NodeCpu nodeCpu;

  /** The migration features this host offers, read once per connection generation. */
  private final AtomicReference<Offered> offered = new AtomicReference<>();

  private record Offered(long generation, Set<MigrationFeature> features) {}

  /** Test seams: where a test stalls a thread to force an interleaving. No-ops otherwise. */
  interface Probe {
    /** An operation has just read the connection (and its generation) it will use. */
    default void connectionRead(Connect connect) {}

    /** The reconnector has just put {@code connect} in place and not yet reported it. */
    default void reconnected(Connect connect) {}
  }

  void probe(Probe probe) {
    this.probe = probe;
  }

  /** Tests: returns once everything handed to the worker thread so far has run. */
  void awaitWorker() throws Exception {
    worker.submit(() -> {}).get();
  }

  LibvirtConnection(LibvirtHypervisorDriver driver, HostEndpoint endpoint, LibvirtSettings s) {
    this.driver = driver;
    this.endpoint = endpoint;
    this.settings = s;
    this.worker =
        Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("libvirt-" + endpoint.name()).factory());
    this.dirtyRates = new DirtyRateSampler(endpoint.name(), s.dirtyRateSampleSeconds(), this::live);
    this.nodeCpu = new NodeCpu();
    try {
      install(open());
    } catch (DriverException e) {
      worker.shutdownNow();
      throw e;
    }
    dirtyRates.start();
  }

  @Override
  public HostEndpoint endpoint() {
    return endpoint;
  }

  boolean isConnected() {
    return slot.live().isPresent();
  }

  boolean isClosed() {
    return slot.isClosed();
  }

  // ------------------------------------------------------------------ connection management

  private Connect open() {
    try {
      return new Connect(endpoint.uri());
    } catch (LibvirtException e) {
      String message = LibvirtErrors.message(e);
      throw new DriverException(
          "cannot connect to the hypervisor of "
              + endpoint.name()
              + " at "
              + endpoint.uri()
              + ": "
              + message
              + SocketAccess.explain(message).map(why -> ": " + why).orElse(""),
          e);
    }
  }

  /**
   * Sets {@code fresh} up under the next generation (keepalive, event and close callbacks) and puts
   * it in place; returns that generation. Closes {@code fresh} and throws when this connection has
   * been closed meanwhile, or when {@code fresh} was reported lost while it was being set up.
   */
  private long install(Connect fresh) {
    long gen = slot.reserve();
    LifecycleListener listener = (domain, event) -> onLibvirtEvent(gen, domain, event);
    try {
      if (settings.keepaliveSeconds() > 0) {
        try {
          fresh.setKeepAlive(settings.keepaliveSeconds(), settings.keepaliveCount());
        } catch (LibvirtException e) {
          // local drivers (test:///) have no keepalive; the close callback still works
          log.log(System.Logger.Level.DEBUG, "no keepalive on " + endpoint.uri());
        }
      }
      fresh.addLifecycleListener(listener);
      try {
        fresh.registerCloseListener(
            (c, reason) -> handOff(() -> lost(gen, "libvirt connection closed (" + reason + ")")));
      } catch (LibvirtException e) {
        log.log(System.Logger.Level.DEBUG, "no close callback on " + endpoint.uri());
      }
    } catch (LibvirtException e) {
      quietlyClose(fresh, null);
      throw new DriverException(
          "cannot subscribe to events of "
              + endpoint.name()
              + " at "
              + endpoint.uri()
              + ": "
              + LibvirtErrors.message(e),
          e);
    }
    lifecycles.put(gen, listener);
    if (!slot.publish(gen, fresh)) {
      lifecycles.remove(gen);
      quietlyClose(fresh, listener);
      if (slot.isClosed()) {
        throw new DriverException("the connection to " + endpoint.name() + " is closed");
      }
      throw new DriverException(
          "the connection to the hypervisor of "
              + endpoint.name()
              + " at "
              + endpoint.uri()
              + " closed while it was being set up");
    }
    return gen;
  }

  /**
   * The live libvirt connection together with its generation, read at once: an operation uses this
   * pair from start to end and reports a failure with {@link #failure(String, LibvirtException,
   * Live)}. Throws a DriverException saying that the connection is closed or being re-established.
   */
  Live<Connect> live() {
    Optional<Live<Connect>> live = slot.live();
    if (live.isEmpty()) {
      if (slot.isClosed()) {
        throw new DriverException("the connection to " + endpoint.name() + " is closed");
      }
      throw new DriverException(
          "the hypervisor of "
              + endpoint.name()
              + " at "
              + endpoint.uri()
              + " is unreachable; reconnecting");
    }
    probe.connectionRead(live.get().connection());
    return live.get();
  }

  /**
   * A call on {@code used} failed: if that connection itself broke, start over (a no-op when it has
   * already been replaced); return the operator's text.
   */
  DriverException failure(String what, LibvirtException e, Live<Connect> used) {
    if (LibvirtErrors.connectionBroken(e)) {
      long gen = used.generation();
      handOff(() -> lost(gen, LibvirtErrors.message(e)));
    }
    return new DriverException(what + ": " + LibvirtErrors.message(e), e);
  }

  /**
   * Generation {@code gen} broke. Runs on the worker thread. Nothing happens unless {@code gen} is
   * the live generation: an older one has already been replaced, and one still being set up fails
   * to be put in place (its installer then tries again).
   */
  private void lost(long gen, String reason) {
    Optional<Live<Connect>> taken = slot.lose(gen);
    if (taken.isEmpty()) {
      return;
    }
    Connect dead = taken.get().connection();
    LifecycleListener listener = lifecycles.remove(gen);
    arriving.clear();
    log.log(System.Logger.Level.WARNING, endpoint.name() + ": " + reason + "; reconnecting");
    if (reportedConnected) { // a connection lost before it was reported up is not news
      reportedConnected = false;
      emit(new HypervisorEvent.ConnectionChanged(endpoint.name(), Instant.now(), false, reason));
    }
    Thread.ofPlatform()
        .daemon()
        .name("libvirt-close-" + endpoint.name())
        .start(() -> quietlyClose(dead, listener));
    startReconnecting();
  }

  /** On the worker thread: tell subscribers {@code gen} is up, unless it has been lost again. */
  private void reportConnected(long gen, String note) {
    if (reportedConnected || !slot.isLive(gen)) {
      return;
    }
    reportedConnected = true;
    emit(new HypervisorEvent.ConnectionChanged(endpoint.name(), Instant.now(), true, note));
  }

  private void startReconnecting() {
    synchronized (lock) {
      if (slot.isClosed() || reconnector != null) {
        return; // the running loop sees that nothing is live and goes on
      }
      reconnector =
          Thread.ofPlatform()
              .daemon()
              .name("libvirt-reconnect-" + endpoint.name())
              .start(this::reconnectLoop);
    }
  }

  private void reconnectLoop() {
    try {
      reconnectUntilLive();
    } finally {
      synchronized (lock) {
        if (reconnector == Thread.currentThread()) {
          reconnector = null; // only after an unexpected error: a normal end has cleared it
        }
      }
    }
  }

  /**
   * Reconnects with back-off until a connection is live. It stops only under the lock, when it sees
   * one live (or this connection closed), and clears {@code reconnector} in the same step: a loss
   * reported after that starts a new loop, one reported before keeps this one going.
   */
  private void reconnectUntilLive() {
    long delayMillis = 250;
    int attempts = 0;
    while (true) {
      synchronized (lock) {
        if (slot.isClosed() || slot.live().isPresent()) {
          reconnector = null;
          return;
        }
      }
      if (attempts > 0) {
        try {
          Thread.sleep(delayMillis);
        } catch (InterruptedException e) {
          return; // closed
        }
        delayMillis = Math.min(delayMillis * 2, settings.reconnectMaxSeconds() * 1000L);
      }
      attempts++;
      try {
        Connect fresh = open();
        try {
          fresh.listAllDomains(0); // proves the daemon answers, not just accepts
        } catch (LibvirtException e) {
          quietlyClose(fresh, null);
          throw new DriverException(LibvirtErrors.message(e), e);
        }
        long gen = install(fresh);
        probe.reconnected(fresh);
        String note = "reconnected after " + attempts + " attempt" + (attempts == 1 ? "" : "s");
        log.log(System.Logger.Level.INFO, endpoint.name() + ": " + note);
        handOff(() -> reportConnected(gen, note));
      } catch (RuntimeException e) { // a DriverException, or anything else: try again later
        log.log(
            System.Logger.Level.DEBUG,
            endpoint.name() + ": reconnect attempt " + attempts + " failed: " + e.getMessage());
      }
    }
  }

  private static void quietlyClose(Connect c, LifecycleListener listener) {
    try {
      if (listener != null) {
        c.removeLifecycleListener(listener);
      }
    } catch (LibvirtException | RuntimeException e) {
      // the daemon is gone; nothing to unregister
    }
    try {
      c.unregisterCloseListener();
    } catch (LibvirtException | RuntimeException e) {
      // none was registered
    }
    try {
      c.close();
    } catch (LibvirtException | RuntimeException e) {
      // already broken
    }
  }

  private void handOff(Runnable task) {
    try {
      worker.execute(task);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  // ------------------------------------------------------------------ events

  /**
   * On libvirt's event-loop thread: read what is local to the domain object (uuid and name are kept
   * client side, no call to the daemon) and queue the rest. Never blocks.
   */
  private int onLibvirtEvent(long gen, Domain domain, DomainEvent event) {
    String uuid;
    String name;
    try {
      uuid = domain.getUUIDString();
      name = domain.getName();
    } catch (LibvirtException | RuntimeException e) {
      return 0;
    }
    DomainEventType type = event.getType();
    Object detail;
    try {
      detail = event.getDetail();
    } catch (RuntimeException e) {
      detail = null;
    }
    Object eventDetail = detail;
    Instant at = Instant.now();
    handOff(() -> onEvent(gen, uuid, name, type, eventDetail, at));
    return 0;
  }

  /** On the worker thread, in the order libvirt reported. */
  private void onEvent(
      long gen, String uuid, String name, DomainEventType type, Object detail, Instant at) {
    Optional<Live<Connect>> live = slot.live();
    if (live.isEmpty() || live.get().generation() != gen) {
      return; // from a connection that has since been replaced; the inventory re-read covers it
    }
    Live<Connect> from = live.get();
    switch (type) {
      case UNDEFINED -> gone(uuid, name, at);
      case STOPPED -> {
        if (detail == StoppedDetail.MIGRATED) {
          gone(uuid, name, at); // left by migration (no Undefined event follows)
        } else {
          arriving.remove(uuid);
          refresh(from, uuid, name, at);
        }
      }
      case STARTED -> {
        if (detail == StartedDetail.MIGRATED) {
          arriving.add(uuid); // incoming, paused: not live here until Resumed Migrated
        } else {
          refresh(from, uuid, name, at);
        }
      }
      case RESUMED -> {
        if (detail == ResumedDetail.MIGRATED) {
          arriving.remove(uuid);
        }
        refresh(from, uuid, name, at);
      }
      default -> refresh(from, uuid, name, at);
    }
  }

  private void gone(String uuid, String name, Instant at) {
    arriving.remove(uuid);
    emit(new HypervisorEvent.VmGone(endpoint.name(), at, uuid, name));
  }

  /** Reads the guest's new state through the connection its event came from. */
  private void refresh(Live<Connect> from, String uuid, String name, Instant at) {
    if (arriving.contains(uuid)) {
      return;
    }
    try {
      Domain domain = from.connection().domainLookupByUUIDString(uuid);
      Optional<VmInfo> vm = describe(domain);
      if (vm.isPresent()) {
        emit(new HypervisorEvent.VmChanged(endpoint.name(), at, vm.get()));
      }
    } catch (LibvirtException e) {
      if (LibvirtErrors.noDomain(e)) {
        emit(new HypervisorEvent.VmGone(endpoint.name(), at, uuid, name));
      } else if (LibvirtErrors.connectionBroken(e)) {
        lost(from.generation(), LibvirtErrors.message(e));
      } else {
        log.log(
            System.Logger.Level.WARNING,
            endpoint.name() + ": reading " + name + " after an event failed: " + e.getMessage());
      }
    }
  }

  private void emit(HypervisorEvent event) {
    for (HypervisorListener listener : listeners) {
      try {
        listener.onEvent(event);
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "a hypervisor listener failed", e);
      }
    }
  }

  @Override
  public Subscription subscribe(HypervisorListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  // ------------------------------------------------------------------ inventory

  @Override
  public HostInventory inventory() {
    Live<Connect> live = live();
    Connect c = live.connection();
    try {
      NodeInfo node = c.nodeInfo();
      List<VmInfo> vms = new ArrayList<>();
      for (Domain domain : c.listAllDomains(0)) {
        try {
          describe(domain).ifPresent(vms::add);
        } catch (LibvirtException e) {
          if (!LibvirtErrors.noDomain(e)) {
            throw e;
          }
        }
      }
      return new HostInventory(
          endpoint.name(),
          capacity(node),
          vms,
          migrationFeatures(live),
          nodeCpu.idleShareSinceLast(c));
    } catch (LibvirtException e) {
      throw failure("cannot read the guests of " + endpoint.name(), e, live);
    }
  }

  /**
   * The migration features this host's libvirt and QEMU offer, by version (read through the
   * connection: {@code virConnectGetLibVersion} gives the daemon's libvirt, {@code
   * virConnectGetVersion} its QEMU), once per connection generation. See {@link #offeredFeatures}.
   */
  Set<MigrationFeature> migrationFeatures(Live<Connect> live) {
    Offered known = offered.get();
    if (known != null && known.generation() == live.generation()) {
      return known.features();
    }
    Set<MigrationFeature> features;
    try {
      Connect c = live.connection();
      features =
          offeredFeatures(c.getLibVersion(), c.getVersion(), postCopyCanWork(endpoint.uri()));
    } catch (LibvirtException e) {
      features = Set.of(); // cannot tell: plain pre-copy
    }
    offered.set(new Offered(live.generation(), features));
    return features;
  }

  /**
   * The rule: auto-converge from libvirt 1.2.3 / QEMU 1.6; XBZRLE from libvirt 1.0.3 / QEMU 1.2;
   * multifd ({@code VIR_MIGRATE_PARALLEL}) from libvirt 5.2 / QEMU 4.0; zstd over multifd from
   * libvirt 9.4 (earlier libvirt refuses the method: {@code Unsupported compression method 'zstd'})
   * / QEMU 5.0; post-copy from libvirt 1.3.3 / QEMU 2.5 and only where it can work ({@code
   * postCopyPossible}). Versions are libvirt's encoding, major * 1,000,000 + minor * 1,000 +
   * release.
   */
  static Set<MigrationFeature> offeredFeatures(
      long libvirtVersion, long qemuVersion, boolean postCopyPossible) {
    Set<MigrationFeature> features = EnumSet.noneOf(MigrationFeature.class);
    if (libvirtVersion >= 1_002_003 && qemuVersion >= 1_006_000) {
      features.add(MigrationFeature.AUTO_CONVERGE);
    }
    if (libvirtVersion >= 1_000_003 && qemuVersion >= 1_002_000) {
      features.add(MigrationFeature.XBZRLE);
    }
    if (libvirtVersion >= 5_002_000 && qemuVersion >= 4_000_000) {
      features.add(MigrationFeature.MULTIFD);
      if (libvirtVersion >= 9_004_000 && qemuVersion >= 5_000_000) {
        features.add(MigrationFeature.ZSTD);
      }
    }
    if (postCopyPossible && libvirtVersion >= 1_003_003 && qemuVersion >= 2_005_000) {
      features.add(MigrationFeature.POST_COPY);
    }
    return features;
  }

  /**
   * Post-copy needs {@code userfaultfd} in the QEMUs on both ends. A system daemon's QEMU gets it;
   * a session daemon's QEMU runs as the unprivileged user, and the kernel refuses it unless {@code
   * vm.unprivileged_userfaultfd = 1} (the default is 0): offered for a session daemon only when it
   * runs on this machine (a unix-socket URI) and this machine's sysctl allows it.
   */
  static boolean postCopyCanWork(String uri) {
    URI parsed;
    try {
      parsed = URI.create(uri);
    } catch (IllegalArgumentException e) {
      return false;
    }
    String path = parsed.getPath() == null ? "" : parsed.getPath();
    if (path.startsWith("/system")) {
      return true;
    }
    boolean local = parsed.getHost() == null || parsed.getScheme().contains("+unix");
    if (!local) {
      return false;
    }
    try {
      return Files.readString(UNPRIVILEGED_USERFAULTFD).strip().equals("1");
    } catch (java.io.IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * What the planner may place on this host: the node's memory minus {@code hostReserveMiB}, and
   * its CPU threads times {@code vcpuOvercommit}; bandwidths from the settings.
   */
  private HostCapacity capacity(NodeInfo node) {
    long memory = Math.max(0, node.memory * KIB - settings.hostReserveMiB() * 1024 * 1024);
    int cpus = node.cpus > 0 ? node.cpus : node.maxCpus();
    int vcpus = (int) Math.max(1, Math.floor(cpus * settings.vcpuOvercommit()));
    return new HostCapacity(memory, vcpus, settings.nicBytesPerSec(), settings.streamBytesPerSec());
  }

  /** The guest as vpanel sees it; empty while it is still arriving by migration. */
  private Optional<VmInfo> describe(Domain domain) throws LibvirtException {
    String uuid = domain.getUUIDString();
    if (arriving.contains(uuid)) {
      return Optional.empty();
    }
    DomainInfo info = domain.getInfo();
    VmState state =
        switch (info.state) {
          case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED, VIR_DOMAIN_SHUTDOWN -> VmState.RUNNING;
          case VIR_DOMAIN_PAUSED, VIR_DOMAIN_PMSUSPENDED, VIR_DOMAIN_NOSTATE -> VmState.PAUSED;
          case VIR_DOMAIN_CRASHED -> VmState.CRASHED;
          case VIR_DOMAIN_SHUTOFF ->
              domain.hasManagedSaveImage() > 0 ? VmState.SUSPENDED : VmState.SHUTOFF;
        };
    if (state == VmState.PAUSED && incoming(domain)) {
      return Optional.empty();
    }
    Optional<String> metadata = vpanelMetadata(domain);
    return Optional.of(
        new VmInfo(
            uuid,
            domain.getName(),
            state,
            info.maxMem * KIB,
            info.nrVirtCpu,
            state.isRunning() ? dirtyRates.bytesPerSec(uuid) : 0,
            parsePolicy(metadata.orElse(null), settings.defaultPolicy()),
            parsePostCopyAllowed(metadata.orElse(null))));
  }

  /**
   * A paused guest is arriving by migration when libvirt says it is paused for a migration and it
   * is not the source of one (the source also pauses for the final copy).
   */
  private static boolean incoming(Domain domain) {
    Optional<int[]> state = NativeDomain.stateAndReason(domain);
    if (state.isEmpty() || state.get()[0] != NativeDomain.STATE_PAUSED) {
      return false;
    }
    int reason = state.get()[1];
    if (reason != NativeDomain.PAUSED_MIGRATION
        && reason != NativeDomain.PAUSED_STARTING_UP
        && reason != NativeDomain.PAUSED_POSTCOPY) {
      return false;
    }
    try {
      return !JobStats.of(domain.getJobStats(0)).outgoingMigration();
    } catch (LibvirtException e) {
      return true;
    }
  }

  /** vpanel's metadata element of the guest, empty when it has none. */
  private Optional<String> vpanelMetadata(Domain domain) {
    try {
      return Optional.ofNullable(
          domain.getMetadata(
              2 /* VIR_DOMAIN_METADATA_ELEMENT */, settings.policyMetadataNamespace(), 0));
    } catch (LibvirtException e) {
      return Optional.empty(); // no vpanel metadata: VIR_ERR_NO_DOMAIN_METADATA
    }
  }

  /**
   * Whether the guest's owner allows post-copy: {@code postcopy="allow"} on vpanel's policy element
   * ({@code <vpanel:policy postcopy="allow">migrate</vpanel:policy>}). Anything else, or no
   * attribute, means no: post-copy loses the guest if the link fails after the switch.
   */
  static boolean parsePostCopyAllowed(String xml) {
    if (xml == null) {
      return false;
    }
    Matcher m = POLICY.matcher(xml);
    if (!m.find() || m.group(1) == null) {
      return false;
    }
    Matcher attribute = POSTCOPY_ATTRIBUTE.matcher(m.group(1));
    return attribute.find() && attribute.group(1).equalsIgnoreCase("allow");
  }

  /**
   * The policy in vpanel's metadata element. A value vpanel does not know means someone meant to
   * protect the guest: it is treated as {@code block} (maintenance then says so), never migrated.
   */
  static VmPolicy parsePolicy(String xml, VmPolicy fallback) {
    if (xml == null) {
      return fallback;
    }
    Matcher m = POLICY.matcher(xml);
    if (!m.find()) {
      return fallback;
    }
    try {
      return VmPolicy.parse(m.group(2));
    } catch (IllegalArgumentException e) {
      return VmPolicy.BLOCK;
    }
  }

  // ------------------------------------------------------------------ actions

  Domain lookup(Live<Connect> live, String uuid) {
    try {
      return live.connection().domainLookupByUUIDString(uuid);
    } catch (LibvirtException e) {
      if (LibvirtErrors.noDomain(e)
          || LibvirtErrors.code(e) == org.libvirt.Error.ErrorNumber.VIR_ERR_INVALID_ARG) {
        throw new DriverException("no guest with uuid " + uuid + " on " + endpoint.name(), e);
      }
      throw failure("cannot find guest " + uuid + " on " + endpoint.name(), e, live);
    }
  }

  @Override
  public MigrationHandle migrate(
      String uuid, HostEndpoint destination, MigrationOptions options, MigrationListener listener) {
    LibvirtMigration migration =
        new LibvirtMigration(this, uuid, destination, options, settings, listener);
    // A platform thread, not a virtual one: the migration call blocks inside native code for
    // seconds to minutes, which would pin (and so take away) one of the few carrier threads.
    Thread.ofPlatform()
        .daemon()
        .name("libvirt-migrate-" + endpoint.name() + "-" + uuid)
        .start(
            () -> {
              // no dirty-rate calculation beside it (DirtyRateSampler says why)
              dirtyRates.migrationStarting();
              try {
                migration.run();
              } finally {
                dirtyRates.migrationEnded();
              }
            });
    return migration::abort;
  }

  /**
   * Takes over an outgoing migration of {@code uuid} that the source daemon still runs (libvirtd
   * carries on a peer-to-peer job after the client that started it died). The destination is the
   * host, among this driver's other connections, that holds the incoming guest; when none does, the
   * driver cannot tell where it goes and answers empty (the engine then re-queues the guest and
   * libvirt refuses a second migration while the first one runs).
   */
  @Override
  public Optional<MigrationInProgress> reattach(String uuid, MigrationListener listener) {
    Live<Connect> live = live();
    Domain domain;
    String name;
    long memoryBytes;
    try {
      domain = live.connection().domainLookupByUUIDString(uuid);
    } catch (LibvirtException e) {
      if (LibvirtErrors.noDomain(e)
          || LibvirtErrors.code(e) == org.libvirt.Error.ErrorNumber.VIR_ERR_INVALID_ARG) {
        return Optional.empty();
      }
      throw failure("cannot find guest " + uuid + " on " + endpoint.name(), e, live);
    }
    try {
      if (domain.isActive() == 0 || !JobStats.of(domain.getJobStats(0)).outgoingMigration()) {
        return Optional.empty();
      }
      name = domain.getName();
      memoryBytes = domain.getInfo().maxMem * KIB;
    } catch (LibvirtException e) {
      if (LibvirtErrors.noDomain(e)) {
        return Optional.empty();
      }
      throw failure("cannot read the jobs of " + uuid + " on " + endpoint.name(), e, live);
    }
    Optional<LibvirtConnection> destination = driver.holderOfIncoming(this, uuid);
    if (destination.isEmpty()) {
      log.log(
          System.Logger.Level.WARNING,
          endpoint.name()
              + ": "
              + name
              + " is migrating away, but to no host this agent is connected to;"
              + " not taking it over");
      return Optional.empty();
    }
    LibvirtReattach reattached =
        new LibvirtReattach(this, uuid, name, destination.get(), memoryBytes, settings, listener);
    reattached.start();
    return Optional.of(
        new MigrationInProgress(destination.get().endpoint().name(), reattached::abort));
  }

  /** Whether this host holds guest {@code uuid} (for example arriving by migration). */
  boolean holds(String uuid) {
    try {
      live().connection().domainLookupByUUIDString(uuid);
      return true;
    } catch (LibvirtException | DriverException e) {
      return false;
    }
  }

  LibvirtHypervisorDriver driver() {
    return driver;
  }

  @Override
  public void shutdown(String uuid) {
    Live<Connect> live = live();
    Domain domain = lookup(live, uuid);
    String name = uuid;
    try {
      name = domain.getName();
      if (domain.isActive() == 0) {
        return;
      }
      domain.shutdown();
      long deadline =
          System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.shutdownTimeoutSeconds());
      while (System.nanoTime() < deadline) {
        if (domain.isActive() == 0) {
          return;
        }
        Thread.sleep(200);
      }
      if (!settings.forceOffAfterShutdownTimeout()) {
        throw new DriverException(
            name
                + " on "
                + endpoint.name()
                + " did not shut down within "
                + settings.shutdownTimeoutSeconds()
                + " s (its OS ignored the ACPI request); shut it down from inside, or set"
                + " forceOffAfterShutdownTimeout: true");
      }
      domain.destroy();
    } catch (LibvirtException e) {
      if (LibvirtErrors.noDomain(e)) {
        return; // a transient guest: gone once off
      }
      throw failure("cannot shut down " + name + " on " + endpoint.name(), e, live);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DriverException("interrupted while shutting down " + name);
    }
  }

  @Override
  public void suspend(String uuid) {
    Live<Connect> live = live();
    Domain domain = lookup(live, uuid);
    String name = uuid;
    try {
      name = domain.getName();
      domain.managedSave();
    } catch (LibvirtException e) {
      throw failure("cannot suspend (managed save) " + name + " on " + endpoint.name(), e, live);
    }
  }

  @Override
  public void start(String uuid) {
    Live<Connect> live = live();
    Domain domain = lookup(live, uuid);
    String name = uuid;
    try {
      name = domain.getName();
      DomainInfo info = domain.getInfo();
      if (info.state == DomainInfo.DomainState.VIR_DOMAIN_PAUSED) {
        domain.resume();
      } else if (domain.isActive() == 0) {
        domain.create(); // restores a managed-save image when there is one
      }
    } catch (LibvirtException e) {
      throw failure("cannot start " + name + " on " + endpoint.name(), e, live);
    }
  }

  @Override
  public void close() {
    Optional<Live<Connect>> last;
    synchronized (lock) {
      if (slot.isClosed()) {
        return;
      }
      last = slot.close();
      if (reconnector != null) {
        reconnector.interrupt();
      }
    }
    listeners.clear();
    dirtyRates.stop();
    worker.shutdownNow();
    last.ifPresent(l -> quietlyClose(l.connection(), lifecycles.remove(l.generation())));
    driver.forget(this);
  }
}
