package io.vpanel.driver.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.vpanel.driver.etcd.EtcdClients.EtcdUnavailable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every registered host of the cluster, as the registry holds it: read once, then kept current by a
 * watch on {@code hosts/}. jetcd resumes a watch by itself when its member dies; a watch it ends
 * (an error other than unavailable) is read and watched afresh. While etcd is unreachable the view
 * keeps the hosts last seen.
 */
final class HostDirectory implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostDirectory.class);

  private final Client client;
  private final EtcdSettings settings;
  private final EtcdKeys keys;
  private final JsonMapper json;
  private final Map<String, Entry> hosts = new ConcurrentHashMap<>();
  private final List<Consumer<Map<String, Registration>>> listeners = new CopyOnWriteArrayList<>();
  private final List<java.util.function.BiConsumer<String, Optional<Registration>>> events =
      new CopyOnWriteArrayList<>();
  private final Thread resync;
  private volatile boolean closed;
  private volatile Watch.Watcher watcher;
  private volatile boolean stale = true;

  /**
   * A host joined or left, changed its addresses or its maintenance state since the listeners were
   * last told: they are told from the directory's thread, at most every {@link #COALESCE_MILLIS}. A
   * report that changes only the host's guests and room tells them nothing (the coordinator reads
   * those from etcd itself), so a thousand hosts reporting cost no thousand copies of the view.
   */
  private volatile boolean dirty;

  private long toldNanos;

  /** How often the listeners hear of changes at most. */
  static final long COALESCE_MILLIS = 1000;

  /** A registration and the revision it was written at. */
  record Entry(Registration registration, long modRevision) {}

  HostDirectory(Client client, EtcdSettings settings, EtcdKeys keys, JsonMapper json, String name) {
    this.client = client;
    this.settings = settings;
    this.keys = keys;
    this.json = json;
    this.resync = Thread.ofVirtual().name(name).unstarted(this::run);
  }

  /** Reads the registry once (so the first {@link #view} is filled) and starts watching. */
  void start() {
    try {
      load();
    } catch (EtcdUnavailable e) {
      log.warn("etcd registry not read at start ({}); retrying", e.getMessage());
    }
    resync.start();
  }

  /**
   * {@code listener} hears the whole view when a host joined or left or changed its addresses or
   * maintenance state (at most every {@link #COALESCE_MILLIS}, from the directory's thread).
   */
  void onChange(Consumer<Map<String, Registration>> listener) {
    listeners.add(listener);
  }

  /**
   * {@code listener} hears every registration the watch delivers, as it arrives (empty: the host's
   * key is gone), on jetcd's thread: it must return at once. For diagnostics and benchmarks.
   */
  void onEvent(java.util.function.BiConsumer<String, Optional<Registration>> listener) {
    events.add(listener);
  }

  /** Every registered host by name, sorted. */
  Map<String, Registration> view() {
    Map<String, Registration> view = new TreeMap<>();
    hosts.forEach((name, entry) -> view.put(name, entry.registration()));
    return view;
  }

  Optional<Entry> entry(String host) {
    return Optional.ofNullable(hosts.get(host));
  }

  private void run() {
    long lastLoad = 0;
    while (!closed) {
      long now = System.nanoTime();
      if (stale && now - lastLoad >= 500_000_000L) {
        lastLoad = now;
        try {
          load();
        } catch (EtcdUnavailable e) {
          log.debug("etcd registry not read: {}", e.getMessage());
        }
      }
      long coalesce = COALESCE_MILLIS * 1_000_000L;
      if (dirty && (toldNanos == 0 || now - toldNanos >= coalesce)) {
        dirty = false;
        toldNanos = now;
        changed();
      }
      java.util.concurrent.locks.LockSupport.parkNanos(
          dirty ? Math.max(1_000_000L, coalesce - (System.nanoTime() - toldNanos)) : 500_000_000L);
      if (Thread.interrupted()) {
        return;
      }
    }
  }

  /** Something the listeners hear of changed: they are told soon, from the directory's thread. */
  private void markDirty() {
    dirty = true;
    java.util.concurrent.locks.LockSupport.unpark(resync);
  }

  private synchronized void load() throws EtcdUnavailable {
    if (closed) {
      return;
    }
    Watch.Watcher old = watcher;
    if (old != null) {
      old.close();
    }
    String prefix = keys.hosts();
    GetResponse got =
        EtcdClients.await(
            client
                .getKVClient()
                .get(EtcdKeys.bytes(prefix), GetOption.builder().isPrefix(true).build()),
            settings);
    Map<String, Entry> fresh = new ConcurrentHashMap<>();
    for (KeyValue kv : got.getKvs()) {
      parse(kv).ifPresent(e -> fresh.put(e.registration().host(), e));
    }
    hosts.keySet().retainAll(fresh.keySet());
    hosts.putAll(fresh);
    long revision = got.getHeader().getRevision();
    watcher =
        client
            .getWatchClient()
            .watch(
                EtcdKeys.bytes(prefix),
                WatchOption.builder().isPrefix(true).withRevision(revision + 1).build(),
                Watch.listener(this::onEvents, this::onError, this::onCompleted));
    stale = false;
    if (resync.isAlive()) {
      markDirty();
    } else {
      changed(); // the first read, before the thread runs: the view is complete at once
    }
  }

  private void onEvents(WatchResponse response) {
    boolean material = false;
    for (WatchEvent event : response.getEvents()) {
      KeyValue kv = event.getKeyValue();
      String host = keys.hostOf(EtcdKeys.text(kv.getKey()));
      switch (event.getEventType()) {
        case PUT -> {
          Optional<Entry> parsed = parse(kv);
          if (parsed.isPresent()) {
            Entry before = hosts.put(host, parsed.get());
            material |=
                before == null || differs(before.registration(), parsed.get().registration());
            tell(host, Optional.of(parsed.get().registration()));
          }
        }
        case DELETE -> {
          material |= hosts.remove(host) != null;
          tell(host, Optional.empty());
        }
        default -> {}
      }
    }
    if (material) {
      markDirty();
    }
  }

  /** Whether a new registration of a host matters to the listeners (see {@link #dirty}). */
  private static boolean differs(Registration before, Registration after) {
    return before.state() != after.state()
        || before.capacityKnown() != after.capacityKnown()
        || !before.endpoint().equals(after.endpoint())
        || !before.agent().equals(after.agent());
  }

  private void tell(String host, Optional<Registration> registration) {
    for (var listener : events) {
      try {
        listener.accept(host, registration);
      } catch (RuntimeException e) {
        log.warn("registry event listener failed: {}", e.toString());
      }
    }
  }

  private void onError(Throwable failure) {
    if (closed) {
      return;
    }
    log.debug("etcd registry watch: {}", EtcdClients.reason(failure));
    if (!jetcdResumes(failure)) {
      stale = true; // jetcd closes this watch: read and watch afresh
    }
  }

  /**
   * Whether jetcd resumes a watch after {@code failure} by itself, from the revision after the last
   * it delivered, so nothing is missed: it does after UNAVAILABLE and INTERNAL (a member died, a
   * connection closed), except "no leader" (its own {@code Errors.isHaltError} and {@code
   * isNoLeaderError}). Reading the whole registry again after every such error would make every
   * agent of a large cluster read it at once whenever a member dies.
   */
  static boolean jetcdResumes(Throwable failure) {
    if (failure instanceof io.etcd.jetcd.common.exception.EtcdException etcd) {
      io.etcd.jetcd.common.exception.ErrorCode code = etcd.getErrorCode();
      return (code == io.etcd.jetcd.common.exception.ErrorCode.UNAVAILABLE
              || code == io.etcd.jetcd.common.exception.ErrorCode.INTERNAL)
          && !String.valueOf(etcd.getMessage()).contains("no leader");
    }
    return false;
  }

  private void onCompleted() {
    // jetcd ended the watch (not a member dying, which it resumes): read and watch again.
    if (!closed) {
      stale = true;
    }
  }

  private Optional<Entry> parse(KeyValue kv) {
    try {
      Registration registration = json.readValue(kv.getValue().getBytes(), Registration.class);
      return Optional.of(new Entry(registration, kv.getModRevision()));
    } catch (JacksonException e) {
      log.warn(
          "ignoring unreadable registration at {}: {}",
          EtcdKeys.text(kv.getKey()),
          e.getOriginalMessage());
      return Optional.empty();
    }
  }

  private void changed() {
    Map<String, Registration> view = view();
    for (Consumer<Map<String, Registration>> listener : listeners) {
      try {
        listener.accept(view);
      } catch (RuntimeException e) {
        log.warn("registry listener failed: {}", e.toString());
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    resync.interrupt();
    java.util.concurrent.locks.LockSupport.unpark(resync);
    Watch.Watcher current = watcher;
    if (current != null) {
      current.close();
    }
  }
}
