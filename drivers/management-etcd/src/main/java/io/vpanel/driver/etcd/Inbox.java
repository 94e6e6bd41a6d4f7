package io.vpanel.driver.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.vpanel.driver.etcd.EtcdClients.EtcdUnavailable;
import io.vpanel.spi.MaintenanceAction;
import io.vpanel.spi.management.MaintenanceRequest;
import io.vpanel.spi.management.ManagementListener;
import io.vpanel.spi.management.Notice;
import io.vpanel.spi.management.NoticeSeverity;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the management side sends this host through etcd: notices ({@code notices/<host>/<id>}) and
 * maintenance requests ({@code requests/<host>/<id>}), written by another agent, a tool or a script
 * with {@code etcdctl put}. Read at start, then watched. Each is taken with a transaction that
 * deletes the key only if it is still the one read, and handed to the engine only if that delete
 * succeeded: a message is delivered once, even when the watch and a re-read both see it.
 */
final class Inbox implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Inbox.class);

  /** A notice as written to etcd (JSON). {@code at} and {@code ttlSeconds} may be left out. */
  record NoticeMessage(String text, String from, Instant at, Long ttlSeconds, String severity) {}

  /** The longest notice text taken from etcd, as the API allows. */
  static final int MAX_TEXT = 200;

  /** A maintenance request as written to etcd (JSON): {@code action} enter, exit or cancel. */
  record RequestMessage(String action, String from) {}

  private final Client client;
  private final EtcdSettings settings;
  private final JsonMapper json;
  private final String host;
  private final String notices;
  private final String requests;
  private final ManagementListener listener;
  private final ExecutorService takers = Executors.newVirtualThreadPerTaskExecutor();
  private final Thread thread;
  private volatile boolean closed;
  private volatile boolean stale = true;
  private volatile Watch.Watcher watcher;

  Inbox(
      Client client,
      EtcdSettings settings,
      EtcdKeys keys,
      JsonMapper json,
      String host,
      ManagementListener listener) {
    this.client = client;
    this.settings = settings;
    this.json = json;
    this.host = host;
    this.notices = keys.notices(host);
    this.requests = keys.requests(host);
    this.listener = listener;
    this.thread = Thread.ofVirtual().name("etcd-inbox-" + host).unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  private void run() {
    while (!closed) {
      if (stale) {
        try {
          load();
        } catch (EtcdUnavailable e) {
          log.debug("etcd inbox not read: {}", e.getMessage());
        }
      }
      try {
        Thread.sleep(stale ? 500 : 1000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Both prefixes share {@code <root>}; one range read and one watch cover them. */
  private synchronized void load() throws EtcdUnavailable {
    Watch.Watcher old = watcher;
    if (old != null) {
      old.close();
    }
    GetResponse noticesNow = read(notices);
    GetResponse requestsNow = read(requests);
    long revision =
        Math.max(noticesNow.getHeader().getRevision(), requestsNow.getHeader().getRevision());
    noticesNow.getKvs().forEach(this::take);
    requestsNow.getKvs().forEach(this::take);
    Watch.Watcher n = watch(notices, revision);
    Watch.Watcher r = watch(requests, revision);
    watcher =
        new Watch.Watcher() {
          @Override
          public void close() {
            n.close();
            r.close();
          }

          @Override
          public void requestProgress() {}

          @Override
          public boolean isClosed() {
            return n.isClosed() && r.isClosed();
          }
        };
    stale = false;
  }

  private GetResponse read(String prefix) throws EtcdUnavailable {
    return EtcdClients.await(
        client
            .getKVClient()
            .get(EtcdKeys.bytes(prefix), GetOption.builder().isPrefix(true).build()),
        settings);
  }

  private Watch.Watcher watch(String prefix, long revision) {
    return client
        .getWatchClient()
        .watch(
            EtcdKeys.bytes(prefix),
            WatchOption.builder().isPrefix(true).withRevision(revision + 1).build(),
            Watch.listener(
                response -> {
                  for (WatchEvent event : response.getEvents()) {
                    if (event.getEventType() == WatchEvent.EventType.PUT) {
                      take(event.getKeyValue());
                    }
                  }
                },
                failure -> stale = !closed,
                () -> stale = !closed));
  }

  /** Off the watch's thread: the delete is a round trip. */
  private void take(KeyValue kv) {
    takers.execute(() -> takeNow(kv));
  }

  private void takeNow(KeyValue kv) {
    String key = EtcdKeys.text(kv.getKey());
    ByteSequence k = kv.getKey();
    boolean mine;
    try {
      mine =
          EtcdClients.await(
                  client
                      .getKVClient()
                      .txn()
                      .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision())))
                      .Then(Op.delete(k, DeleteOption.DEFAULT))
                      .commit(),
                  settings)
              .isSucceeded();
    } catch (EtcdUnavailable e) {
      stale = true; // read again later; the key is still there
      return;
    }
    if (!mine) {
      return; // taken already, or rewritten: the newer write arrives by itself
    }
    byte[] value = kv.getValue().getBytes();
    if (key.startsWith(notices)) {
      notice(value).ifPresentOrElse(listener::onNotice, () -> unreadable(key));
    } else {
      request(value).ifPresentOrElse(listener::onMaintenanceRequest, () -> unreadable(key));
    }
  }

  private static String clip(String text, int max) {
    return text.codePointCount(0, text.length()) > max
        ? text.substring(0, text.offsetByCodePoints(0, max))
        : text;
  }

  private Optional<Notice> notice(byte[] value) {
    try {
      NoticeMessage message = json.readValue(value, NoticeMessage.class);
      if (message.text() == null || message.text().isBlank()) {
        return Optional.empty();
      }
      String from = message.from() == null || message.from().isBlank() ? "etcd" : message.from();
      Instant at = message.at() == null ? Instant.now() : message.at();
      Duration ttl = Duration.ofSeconds(message.ttlSeconds() == null ? 60 : message.ttlSeconds());
      NoticeSeverity severity =
          message.severity() == null
              ? NoticeSeverity.INFO
              : NoticeSeverity.parse(message.severity()).orElse(NoticeSeverity.INFO);
      String text = message.text();
      if (text.codePointCount(0, text.length()) > MAX_TEXT) {
        text = text.substring(0, text.offsetByCodePoints(0, MAX_TEXT));
      }
      return Optional.of(new Notice(host, text, severity, clip(from, 64), at, ttl));
    } catch (JacksonException e) {
      return Optional.empty();
    }
  }

  private Optional<MaintenanceRequest> request(byte[] value) {
    try {
      RequestMessage message = json.readValue(value, RequestMessage.class);
      String from = message.from() == null || message.from().isBlank() ? "etcd" : message.from();
      return MaintenanceAction.parse(message.action())
          .map(action -> new MaintenanceRequest(host, action, from));
    } catch (JacksonException e) {
      return Optional.empty();
    }
  }

  private static void unreadable(String key) {
    log.warn(
        "dropped unreadable message at {} (a notice is {{\"text\":...,\"from\":...,"
            + "\"ttlSeconds\":N}}, a request {{\"action\":\"enter|exit|cancel\",\"from\":...}})",
        key);
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    Watch.Watcher current = watcher;
    if (current != null) {
      current.close();
    }
    takers.shutdownNow();
  }
}
