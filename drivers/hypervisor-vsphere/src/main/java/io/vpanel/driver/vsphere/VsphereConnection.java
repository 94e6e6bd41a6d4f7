package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.Subscription;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.HypervisorConnection;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.HypervisorListener;
import io.vpanel.spi.hypervisor.MigrationHandle;
import io.vpanel.spi.hypervisor.MigrationInProgress;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.VmInfo;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ESXi host as vCenter shows it: its guests are the VMs whose {@code runtime.host} is it. Reads
 * go to vCenter at once (RetrievePropertiesEx); events come from the driver's shared {@link
 * GuestWatch}; moves are {@link VsphereMigration}s; power operations are tasks waited for through
 * the property collector.
 */
final class VsphereConnection implements HypervisorConnection {
  private static final Logger log = LoggerFactory.getLogger(VsphereConnection.class);

  private final VsphereHypervisorDriver driver;
  private final HostEndpoint endpoint;
  private final String hostSystemName;
  private final Vim vim;
  private final GuestWatch watch;
  private final VsphereSettings settings;
  private final InstantSource clock;
  private final List<Runnable> unsubscribes = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean closed;

  VsphereConnection(
      VsphereHypervisorDriver driver,
      HostEndpoint endpoint,
      Vim vim,
      GuestWatch watch,
      VsphereSettings settings,
      InstantSource clock) {
    this.driver = driver;
    this.endpoint = endpoint;
    this.hostSystemName = hostSystemName(endpoint);
    this.vim = vim;
    this.watch = watch;
    this.settings = settings;
    this.clock = clock;
  }

  /** The HostSystem name of an endpoint: its uri, or its vpanel name when the uri is blank. */
  static String hostSystemName(HostEndpoint endpoint) {
    return endpoint.uri().isBlank() ? endpoint.name() : endpoint.uri();
  }

  String hostSystemName() {
    return hostSystemName;
  }

  @Override
  public HostEndpoint endpoint() {
    return endpoint;
  }

  /** The host's HostSystem, read now; throws naming the host when vCenter has none of that name. */
  GuestWatch.HostState hostSystem() {
    return driver.hostSystem(hostSystemName, endpoint.name());
  }

  @Override
  public HostInventory inventory() {
    open();
    GuestWatch.HostState host = hostSystem();
    ObjectUpdate hostProps =
        vim.retrieve(Map.of("HostSystem", Vim.HOST_PATHS), host.ref(), false).stream()
            .findFirst()
            .orElseThrow(
                () ->
                    new DriverException(
                        "vSphere lost host " + hostSystemName + " of " + endpoint.name()));
    long memory = 0;
    long threads = 0;
    for (ObjectUpdate.Change c : hostProps.changes()) {
      if (c.name().equals("summary.hardware.memorySize")) {
        memory = Xml.number(c.val()).orElse(0L);
      } else if (c.name().equals("summary.hardware.numCpuThreads")) {
        threads = Xml.number(c.val()).orElse(0L);
      }
    }
    long usable = Math.max(0, memory - settings.hostReserveMiB() * 1024L * 1024L);
    int vcpus = (int) Math.min(Integer.MAX_VALUE, Math.round(threads * settings.vcpuOvercommit()));
    HostCapacity capacity =
        new HostCapacity(usable, vcpus, settings.nicBytesPerSec(), settings.streamBytesPerSec());
    // read each time: the field may have been added since the change stream started
    int key = vim.customFieldKey(settings.policyField());
    List<VmInfo> vms = new ArrayList<>();
    for (ObjectUpdate u : vim.all("VirtualMachine", Guest.PATHS).values()) {
      Guest g = Guest.empty(u.obj()).apply(u.changes());
      if (g.listed() && host.ref().equals(g.host())) {
        vms.add(g.info(key, settings.policyField(), settings.defaultPolicy()));
      }
    }
    vms.sort(Comparator.comparing(VmInfo::name));
    return new HostInventory(endpoint.name(), capacity, vms);
  }

  @Override
  public Subscription subscribe(HypervisorListener listener) {
    open();
    AtomicBoolean active = new AtomicBoolean(true);
    Runnable unsubscribe =
        watch.subscribe(
            hostSystemName,
            event -> {
              if (active.get()) {
                listener.onEvent(rename(event));
              }
            });
    unsubscribes.add(unsubscribe);
    if (!watch.connected()) {
      String reason = watch.reason();
      watch.post(
          () -> {
            if (active.get() && !watch.connected()) {
              listener.onEvent(
                  new HypervisorEvent.ConnectionChanged(
                      endpoint.name(), clock.instant(), false, reason));
            }
          });
    }
    return () -> {
      active.set(false);
      unsubscribe.run();
      unsubscribes.remove(unsubscribe);
    };
  }

  private HypervisorEvent rename(HypervisorEvent event) {
    String name = endpoint.name();
    return switch (event) {
      case HypervisorEvent.VmChanged c -> new HypervisorEvent.VmChanged(name, c.at(), c.vm());
      case HypervisorEvent.VmGone g -> new HypervisorEvent.VmGone(name, g.at(), g.uuid(), g.name());
      case HypervisorEvent.ConnectionChanged c ->
          new HypervisorEvent.ConnectionChanged(name, c.at(), c.connected(), c.reason());
    };
  }

  @Override
  public MigrationHandle migrate(
      String uuid, HostEndpoint destination, MigrationOptions options, MigrationListener listener) {
    open();
    GuestWatch.HostState target =
        driver.hostSystem(hostSystemName(destination), destination.name());
    GuestWatch.HostState source = hostSystem();
    if (target.ref().equals(source.ref())) {
      throw new DriverException(
          "cannot move guest " + uuid + " from " + endpoint.name() + " to itself");
    }
    Guest guest = guestHere(uuid);
    VsphereMigration migration =
        new VsphereMigration(vim, settings, clock, guest, target, destination.name(), listener);
    migration.start();
    return migration;
  }

  /**
   * A vMotion of the guest away from this host that vCenter still runs (an earlier run of the agent
   * started it): a RelocateVM_Task or MigrateVM_Task on the guest, queued or running, in the
   * guest's {@code recentTask} list or else the TaskManager's. It is followed from now on like one
   * this run started (progress, one outcome, CancelTask on abort). vCenter's task does not say
   * where the guest goes: the destination is known only at the end ({@code runtime.host}).
   */
  @Override
  public Optional<MigrationInProgress> reattach(String uuid, MigrationListener listener) {
    open();
    Guest guest;
    try {
      guest = guestHere(uuid);
    } catch (DriverException e) {
      return Optional.empty(); // not here (any more): nothing to follow
    }
    Optional<MoRef> task = runningMove(guest.ref(), vim.recentTasks(guest.ref()));
    MoRef taskManager = vim.client().content().taskManager();
    if (task.isEmpty() && taskManager != null) {
      task = runningMove(guest.ref(), vim.recentTasks(taskManager));
    }
    if (task.isEmpty()) {
      return Optional.empty();
    }
    String destination = "the host vCenter chose (task " + task.get().value() + ")";
    VsphereMigration migration =
        new VsphereMigration(vim, settings, clock, guest, null, destination, listener, task.get());
    migration.start();
    return Optional.of(new MigrationInProgress(destination, migration));
  }

  /** The newest queued or running move of {@code vm} among {@code tasks}. */
  static Optional<MoRef> runningMove(MoRef vm, List<ObjectUpdate> tasks) {
    MoRef found = null;
    for (ObjectUpdate u : tasks) {
      if (!u.obj().type().equals("Task")) {
        continue;
      }
      MoRef entity = null;
      String name = "";
      String description = "";
      String state = "";
      for (ObjectUpdate.Change c : u.changes()) {
        switch (c.name()) {
          case "info.entity" -> entity = Xml.ref(c.val());
          case "info.name" -> name = String.valueOf(Xml.text(c.val()));
          case "info.descriptionId" -> description = String.valueOf(Xml.text(c.val()));
          case "info.state" -> state = String.valueOf(Xml.text(c.val()));
          default -> {}
        }
      }
      String what = (name + " " + description).toLowerCase(java.util.Locale.ROOT);
      boolean move =
          what.contains("relocatevm_task")
              || what.contains("migratevm_task")
              || what.contains("virtualmachine.relocate")
              || what.contains("virtualmachine.migrate");
      if (vm.equals(entity) && move && (state.equals("running") || state.equals("queued"))) {
        found = u.obj(); // the lists are oldest first: the last one is the newest
      }
    }
    return Optional.ofNullable(found);
  }

  /** The guest with this instance uuid whose {@code runtime.host} is this host, read now. */
  Guest guestHere(String uuid) {
    GuestWatch.HostState host = hostSystem();
    for (ObjectUpdate u : vim.all("VirtualMachine", Guest.PATHS).values()) {
      Guest g = Guest.empty(u.obj()).apply(u.changes());
      if (g.listed() && g.instanceUuid().equalsIgnoreCase(uuid)) {
        if (!host.ref().equals(g.host())) {
          throw new DriverException(
              "guest " + uuid + " (" + g.name() + ") is not on " + endpoint.name());
        }
        return g;
      }
    }
    throw new DriverException("no guest with uuid " + uuid + " on " + endpoint.name());
  }

  @Override
  public void shutdown(String uuid) {
    open();
    Guest guest = guestHere(uuid);
    if (!guest.powerState().equals("poweredOn")) {
      return;
    }
    Duration timeout = Duration.ofSeconds(settings.shutdownTimeoutSeconds());
    String failure;
    try {
      vim.client().call(SoapBody.call("ShutdownGuest", guest.ref()));
      if (awaitPower(guest, "poweredOff", timeout)) {
        return;
      }
      failure =
          "the guest OS of "
              + guest.name()
              + " did not shut down within "
              + timeout.toSeconds()
              + " s";
    } catch (VimFault fault) {
      failure = "ShutdownGuest of " + guest.name() + " refused: " + fault.getMessage();
    }
    if (!settings.forceOffAfterShutdownTimeout()) {
      throw new DriverException(failure + " (forceOffAfterShutdownTimeout is false)");
    }
    log.warn("{}; powering it off", failure);
    runTask(SoapBody.call("PowerOffVM_Task", guest.ref()), "power off " + guest.name());
  }

  private boolean awaitPower(Guest guest, String state, Duration timeout) {
    if (!watch.connected()) {
      return false;
    }
    return watch.await(
        w -> w.guest(guest.ref()).map(g -> g.powerState().equals(state)).orElse(false), timeout);
  }

  @Override
  public void suspend(String uuid) {
    open();
    Guest guest = guestHere(uuid);
    if (guest.powerState().equals("suspended")) {
      return;
    }
    runTask(SoapBody.call("SuspendVM_Task", guest.ref()), "suspend " + guest.name());
  }

  @Override
  public void start(String uuid) {
    open();
    Guest guest = guestHere(uuid);
    if (guest.powerState().equals("poweredOn")) {
      return;
    }
    runTask(SoapBody.call("PowerOnVM_Task", guest.ref()), "power on " + guest.name());
  }

  private void runTask(SoapBody call, String what) {
    MoRef task = vim.startTask(call);
    TaskWatch.End end =
        TaskWatch.await(
            vim,
            task,
            settings.waitSeconds(),
            Duration.ofSeconds(settings.requestTimeoutSeconds()),
            p -> {},
            () -> closed);
    if (!end.success()) {
      throw new DriverException(
          what
              + " on "
              + endpoint.name()
              + " failed: "
              + end.faultType()
              + (end.message().equals(end.faultType()) ? "" : " (" + end.message() + ")"));
    }
  }

  private void open() {
    if (closed) {
      throw new DriverException("the vSphere connection to " + endpoint.name() + " is closed");
    }
  }

  @Override
  public void close() {
    closed = true;
    unsubscribes.forEach(Runnable::run);
    unsubscribes.clear();
    driver.forget(this);
  }
}
