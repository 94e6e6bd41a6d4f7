package io.vpanel.driver.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.vpanel.driver.etcd.ClusterWork.ClusterStatus;
import io.vpanel.driver.etcd.EtcdClients.EtcdUnavailable;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cluster status the leader published ({@code leader/status}), as every agent reads it for its
 * panels' HA and DRS lights: read once, then watched. {@code onChange} hears when what it says
 * changed (its time aside).
 */
final class ClusterStatusView implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterStatusView.class);

  private final Client client;
  private final EtcdSettings settings;
  private final EtcdKeys keys;
  private final JsonMapper json;
  private final Runnable onChange;
  private final Thread thread;
  private volatile ClusterStatus status;
  private volatile Watch.Watcher watcher;
  private volatile boolean stale = true;
  private volatile boolean closed;

  ClusterStatusView(
      Client client, EtcdSettings settings, EtcdKeys keys, JsonMapper json, Runnable onChange) {
    this.client = client;
    this.settings = settings;
    this.keys = keys;
    this.json = json;
    this.onChange = onChange;
    this.thread = Thread.ofVirtual().name("etcd-cluster-status").unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  /** What the leader last published; empty before any leader wrote. */
  Optional<ClusterStatus> status() {
    return Optional.ofNullable(status);
  }

  private void run() {
    while (!closed) {
      if (stale) {
        try {
          load();
        } catch (EtcdUnavailable e) {
          log.debug("cluster status not read: {}", e.getMessage());
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
    GetResponse got =
        EtcdClients.await(
            client.getKVClient().get(EtcdKeys.bytes(keys.leaderStatus()), GetOption.DEFAULT),
            settings);
    got.getKvs().forEach(this::take);
    watcher =
        client
            .getWatchClient()
            .watch(
                EtcdKeys.bytes(keys.leaderStatus()),
                WatchOption.builder().withRevision(got.getHeader().getRevision() + 1).build(),
                Watch.listener(
                    response -> {
                      for (WatchEvent event : response.getEvents()) {
                        if (event.getEventType() == WatchEvent.EventType.PUT) {
                          take(event.getKeyValue());
                        }
                      }
                    },
                    failure -> {
                      if (!closed && !HostDirectory.jetcdResumes(failure)) {
                        stale = true;
                      }
                    },
                    () -> stale = !closed));
    stale = false;
  }

  private void take(KeyValue kv) {
    ClusterStatus next;
    try {
      next = json.readValue(kv.getValue().getBytes(), ClusterStatus.class);
    } catch (JacksonException e) {
      log.warn("ignoring an unreadable cluster status: {}", e.getOriginalMessage());
      return;
    }
    ClusterStatus before = status;
    status = next;
    if (before == null
        || !before.ha().equals(next.ha())
        || before.drs() != next.drs()
        || !before.leader().equals(next.leader())) {
      onChange.run();
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    Watch.Watcher current = watcher;
    if (current != null) {
      current.close();
    }
  }
}
