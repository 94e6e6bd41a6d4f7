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
  private final Thread resync;
  private volatile boolean closed;
  private volatile Watch.Watcher watcher;
  private volatile boolean stale = true;

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

  void onChange(Consumer<Map<String, Registration>> listener) {
    listeners.add(listener);
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
    while (!closed) {
      if (stale) {
        try {
          load();
        } catch (EtcdUnavailable e) {
          log.debug("etcd registry not read: {}", e.getMessage());
        }
      }
      try {
        Thread.sleep(stale ? 500 : 1000);
      } catch (InterruptedException e) {
        return;
      }
    }
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
    changed();
  }

  private void onEvents(WatchResponse response) {
    for (WatchEvent event : response.getEvents()) {
      KeyValue kv = event.getKeyValue();
      String host = keys.hostOf(EtcdKeys.text(kv.getKey()));
      switch (event.getEventType()) {
        case PUT -> parse(kv).ifPresent(e -> hosts.put(host, e));
        case DELETE -> hosts.remove(host);
        default -> {}
      }
    }
    changed();
  }

  private void onError(Throwable failure) {
    // Read and watch afresh rather than trust that jetcd resumes this one: a load replaces the
    // whole view, so nothing missed in between stays missed.
    if (!closed) {
      log.debug("etcd registry watch: {}", EtcdClients.reason(failure));
      stale = true;
    }
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
    Watch.Watcher current = watcher;
    if (current != null) {
      current.close();
    }
  }
}
