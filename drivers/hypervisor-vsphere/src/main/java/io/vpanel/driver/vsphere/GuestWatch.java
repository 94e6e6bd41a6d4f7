package io.vpanel.driver.vsphere;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.VmPolicy;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

/**
 * The driver's one change stream: a private PropertyCollector with a filter over the inventory view
 * (every VM's name, uuid, size, power state, {@code runtime.host} and policy; every host's name and
 * maintenance flag), read with WaitForUpdatesEx on a virtual thread. It keeps the state it was
 * told, turns each change into per-host events ({@code VmChanged} on the host a guest runs on,
 * {@code VmGone} on the host it left) and hands them to the host's sinks on one event thread, in
 * order. A guest's host is its {@code runtime.host}, never the host's {@code vm} list (stale in
 * vcsim). When the stream breaks (server down, session lost) it reports the hosts disconnected,
 * tries again with back-off, and on return diffs the full state against what it had, so a change
 * missed meanwhile still becomes an event.
 */
final class GuestWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GuestWatch.class);

  /** Receives one host's events; called on the event thread. */
  interface Sink {
    void onEvent(HypervisorEvent event);
  }

  private record Registration(String hostName, Sink sink) {}

  private record Waiter(Predicate<GuestWatch> condition, CompletableFuture<Void> done) {}

  private final Vim vim;
  private final VsphereSettings settings;
  private final InstantSource clock;
  private final Thread thread;
  private final ExecutorService events;
  private final List<Registration> sinks = new CopyOnWriteArrayList<>();
  private final List<Waiter> waiters = new CopyOnWriteArrayList<>();

  /** Completes with the first full state, or with the first failure to get one. */
  private final CompletableFuture<Void> firstSync = new CompletableFuture<>();

  private final Object sleepLock = new Object();
  private final List<Consumer<Map<MoRef, HostState>>> hostListeners = new CopyOnWriteArrayList<>();

  /** A host as the stream reports it. */
  record HostState(
      MoRef ref, String name, boolean inMaintenanceMode, String connectionState, MoRef parent) {}

  // state: written on the watch thread only, read under the monitor
  private final Map<MoRef, Guest> guests = new HashMap<>();
  private final Map<MoRef, HostState> hosts = new HashMap<>();
  private volatile int policyFieldKey = -1;
  private volatile boolean connected;
  private volatile String reason = "not connected to vSphere yet";
  private volatile boolean closed;

  GuestWatch(Vim vim, VsphereSettings settings, InstantSource clock) {
    this.vim = vim;
    this.settings = settings;
    this.clock = clock;
    this.events =
        Executors.newSingleThreadExecutor(Thread.ofVirtual().name("vsphere-events").factory());
    this.thread = Thread.ofVirtual().name("vsphere-watch").unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  /** Waits for the first full state, up to {@code timeout}; false when it did not come. */
  boolean awaitFirstSync(Duration timeout) {
    try {
      firstSync.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return false;
    }
  }

  boolean connected() {
    return connected;
  }

  /** Why the stream is down, or the last reason it was. */
  String reason() {
    return reason;
  }

  int policyFieldKey() {
    return policyFieldKey;
  }

  /** Runs {@code action} on the event thread, after every event handed to it so far. */
  void post(Runnable action) {
    events.execute(action);
  }

  Runnable subscribe(String hostName, Sink sink) {
    Registration registration = new Registration(hostName, sink);
    sinks.add(registration);
    return () -> sinks.remove(registration);
  }

  /** Called on the event thread with every host's state after a change of hosts. */
  void onHosts(Consumer<Map<MoRef, HostState>> listener) {
    hostListeners.add(listener);
  }

  synchronized Optional<HostState> host(String name) {
    return hosts.values().stream().filter(h -> h.name().equals(name)).findFirst();
  }

  synchronized Map<MoRef, HostState> hosts() {
    return Map.copyOf(hosts);
  }

  synchronized Optional<Guest> guest(MoRef ref) {
    return Optional.ofNullable(guests.get(ref));
  }

  synchronized Optional<Guest> guestByUuid(String uuid) {
    return guests.values().stream()
        .filter(g -> g.instanceUuid().equalsIgnoreCase(uuid))
        .findFirst();
  }

  /** Blocks until {@code condition} holds on the watched state, or {@code timeout} passes. */
  boolean await(Predicate<GuestWatch> condition, Duration timeout) {
    Waiter waiter = new Waiter(condition, new CompletableFuture<>());
    waiters.add(waiter);
    try {
      if (condition.test(this)) {
        return true;
      }
      waiter.done().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return false;
    } finally {
      waiters.remove(waiter);
    }
  }

  private void run() {
    long backoffMillis = 250;
    long renewedFor = -1;
    while (!closed) {
      MoRef collector = null;
      long epoch = -1;
      try {
        policyFieldKey = vim.customFieldKey(settings.policyField());
        collector = vim.createPropertyCollector();
        epoch = vim.client().epoch();
        vim.createFilter(
            collector,
            Map.of(
                "VirtualMachine",
                Guest.PATHS,
                "HostSystem",
                List.of("name", "parent", "runtime.inMaintenanceMode", "runtime.connectionState")),
            vim.view(),
            true);
        String version = "";
        boolean full = true;
        Set<MoRef> seen = new HashSet<>();
        while (!closed) {
          Optional<Element> set = vim.waitForUpdates(collector, version, settings.waitSeconds());
          if (set.isEmpty()) {
            continue;
          }
          version = String.valueOf(Xml.text(Xml.child(set.get(), "version")));
          boolean truncated = "true".equals(Xml.text(Xml.child(set.get(), "truncated")));
          List<ObjectUpdate> updates = ObjectUpdate.ofUpdateSet(set.get());
          updates.forEach(u -> seen.add(u.obj()));
          apply(updates, full && !truncated ? seen : null);
          if (full && !truncated) {
            full = false;
            seen.clear();
            backoffMillis = 250;
            up();
          }
        }
      } catch (RuntimeException e) {
        if (closed) {
          break;
        }
        String why = e instanceof DriverException ? e.getMessage() : e.toString();
        if (e instanceof VimFault f && ("ManagedObjectNotFound".equals(f.faultType()))) {
          vim.dropView();
        }
        long now = vim.client().epoch();
        if (epoch >= 0 && now != epoch && renewedFor != now) {
          // The server ended the session and a new login replaced it; the collector went with
          // the old one. Made again at once, without reporting the hosts lost: the full state on
          // return is diffed, so nothing changed meanwhile is missed.
          renewedFor = now;
          log.info("vSphere change stream made again after a new login ({})", why);
          continue;
        }
        down(why);
        sleep(backoffMillis);
        backoffMillis = Math.min(settings.reconnectMaxSeconds() * 1000L, backoffMillis * 2);
      } finally {
        if (collector != null && !closed) {
          MoRef c = collector;
          try {
            vim.destroyPropertyCollector(c);
          } catch (RuntimeException ignored) {
            // gone already
          }
        }
      }
    }
  }

  private void up() {
    firstSync.complete(null);
    if (!connected) {
      connected = true;
      log.info("vSphere change stream at {} is up", vim.client().sdk());
      List<Registration> now = List.copyOf(sinks);
      events.execute(
          () ->
              now.forEach(
                  r ->
                      r.sink()
                          .onEvent(
                              new HypervisorEvent.ConnectionChanged(
                                  r.hostName(),
                                  clock.instant(),
                                  true,
                                  "vSphere session restored"))));
    }
  }

  private void down(String why) {
    boolean was = connected || !why.equals(reason);
    connected = false;
    reason = why;
    if (was) {
      log.warn("vSphere change stream at {} is down: {}", vim.client().sdk(), why);
      List<Registration> now = List.copyOf(sinks);
      events.execute(
          () ->
              now.forEach(
                  r ->
                      r.sink()
                          .onEvent(
                              new HypervisorEvent.ConnectionChanged(
                                  r.hostName(), clock.instant(), false, why))));
    }
    firstSync.complete(null);
    waiters.forEach(w -> w.done().completeExceptionally(new DriverException(why)));
  }

  private void sleep(long millis) {
    synchronized (sleepLock) {
      try {
        if (!closed) {
          sleepLock.wait(millis);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Applies one batch. {@code fullSet} is every object of a complete state (the first answer after
   * a (re)start): objects known before and missing from it left meanwhile.
   */
  private void apply(List<ObjectUpdate> updates, Set<MoRef> fullSet) {
    List<Runnable> out = new ArrayList<>();
    boolean hostsChanged = false;
    synchronized (this) {
      Map<MoRef, String> hostNames = new HashMap<>();
      hosts.forEach((ref, h) -> hostNames.put(ref, h.name()));
      for (ObjectUpdate u : updates) {
        if (u.obj().type().equals("HostSystem")) {
          hostsChanged = true;
          if (u.leave()) {
            hosts.remove(u.obj());
          } else {
            HostState old =
                hosts.getOrDefault(u.obj(), new HostState(u.obj(), "", false, "", null));
            hosts.put(u.obj(), applyHost(old, u.changes()));
          }
        }
      }
      hosts.forEach((ref, h) -> hostNames.put(ref, h.name()));
      for (ObjectUpdate u : updates) {
        if (!u.obj().type().equals("VirtualMachine")) {
          continue;
        }
        Guest before = guests.get(u.obj());
        Guest after =
            u.leave() ? null : (before == null ? Guest.empty(u.obj()) : before).apply(u.changes());
        if (after == null) {
          guests.remove(u.obj());
        } else {
          guests.put(u.obj(), after);
        }
        out.addAll(events(before, after, hostNames));
      }
      if (fullSet != null) {
        for (MoRef gone : new ArrayList<>(guests.keySet())) {
          if (!fullSet.contains(gone)) {
            out.addAll(events(guests.remove(gone), null, hostNames));
          }
        }
        hosts.keySet().removeIf(ref -> !fullSet.contains(ref));
      }
    }
    Map<MoRef, HostState> hostsNow = hostsChanged ? hosts() : null;
    events.execute(
        () -> {
          out.forEach(Runnable::run);
          if (hostsNow != null) {
            hostListeners.forEach(l -> l.accept(hostsNow));
          }
        });
    for (Waiter w : waiters) {
      try {
        if (w.condition().test(this)) {
          w.done().complete(null);
        }
      } catch (RuntimeException e) {
        w.done().completeExceptionally(e);
      }
    }
  }

  private static HostState applyHost(HostState h, List<ObjectUpdate.Change> changes) {
    HostState s = h;
    for (ObjectUpdate.Change c : changes) {
      Element v = c.removed() ? null : c.val();
      s =
          switch (c.name()) {
            case "name" ->
                new HostState(
                    s.ref(),
                    String.valueOf(Xml.text(v)),
                    s.inMaintenanceMode(),
                    s.connectionState(),
                    s.parent());
            case "runtime.inMaintenanceMode" ->
                new HostState(
                    s.ref(), s.name(), "true".equals(Xml.text(v)), s.connectionState(), s.parent());
            case "runtime.connectionState" ->
                new HostState(
                    s.ref(),
                    s.name(),
                    s.inMaintenanceMode(),
                    String.valueOf(Xml.text(v)),
                    s.parent());
            case "parent" ->
                new HostState(
                    s.ref(), s.name(), s.inMaintenanceMode(), s.connectionState(), Xml.ref(v));
            default -> s;
          };
    }
    return s;
  }

  /** The events one guest's change means, as actions for the event thread. */
  private List<Runnable> events(Guest before, Guest after, Map<MoRef, String> hostNames) {
    List<Runnable> out = new ArrayList<>();
    boolean wasListed = before != null && before.listed() && before.host() != null;
    boolean isListed = after != null && after.listed() && after.host() != null;
    String oldHost = wasListed ? hostNames.get(before.host()) : null;
    String newHost = isListed ? hostNames.get(after.host()) : null;
    var at = clock.instant();
    if (oldHost != null && !Objects.equals(oldHost, newHost)) {
      String uuid = before.instanceUuid();
      String name = before.name();
      String host = oldHost;
      out.add(() -> deliver(host, new HypervisorEvent.VmGone(host, at, uuid, name)));
    }
    if (newHost != null
        && (before == null || !before.equals(after) || !Objects.equals(oldHost, newHost))) {
      int key = policyFieldKey;
      VmPolicy fallback = settings.defaultPolicy();
      String host = newHost;
      var info = after.info(key, settings.policyField(), fallback);
      out.add(() -> deliver(host, new HypervisorEvent.VmChanged(host, at, info)));
    }
    return out;
  }

  private void deliver(String hostName, HypervisorEvent event) {
    for (Registration r : sinks) {
      if (r.hostName().equals(hostName)) {
        try {
          r.sink().onEvent(event);
        } catch (RuntimeException e) {
          log.warn("a listener of {} failed on {}: {}", hostName, event, e.toString());
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (sleepLock) {
      sleepLock.notifyAll();
    }
    thread.interrupt();
    events.shutdown();
  }
}
