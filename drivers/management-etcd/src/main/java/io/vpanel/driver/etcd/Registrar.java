package io.vpanel.driver.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import io.vpanel.driver.etcd.EtcdClients.EtcdUnavailable;
import io.vpanel.spi.management.LinkStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this agent's host registered: a lease with keep-alive, the host's key on it, and every
 * other key this agent holds on the lease (its reservations). The management link follows the
 * lease: CONNECTED while keep-alives are answered, DEGRADED when an answer is late or the stream
 * failed, LOST once the lease's time to live passed without an answer (or etcd said the lease is
 * gone); then it grants a new lease and registers again, its held keys with it, and revokes the old
 * lease. One thread does all of it, so writes of the host's key are ordered.
 */
final class Registrar implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Registrar.class);
  private static final long TICK_MILLIS = 250;

  /** Where link changes go; called from the registrar's thread, must return quickly. */
  interface LinkListener {
    void onLink(LinkStatus status, String reason);
  }

  private final Client client;
  private final EtcdSettings settings;
  private final String hostKey;
  private final LinkListener listener;
  private final AtomicReference<String> pending = new AtomicReference<>();
  private final Map<String, String> held = new LinkedHashMap<>();
  private final java.util.Set<String> unwritten = new java.util.LinkedHashSet<>();
  private final List<Long> oldLeases = new ArrayList<>();
  private final long ttlNanos;
  private final long lateNanos;
  private final Thread thread;

  private volatile boolean closed;
  private volatile long leaseId;
  private volatile long lastAnswerNanos;
  private volatile boolean leaseGone;
  private volatile String streamError = "";
  private volatile long streamErrorNanos;
  private CloseableClient keepAlive;
  private String written;
  private long nextAttemptNanos;
  private long backoffMillis = 250;
  private LinkStatus status = LinkStatus.NONE;
  private String statusReason = "";

  Registrar(
      Client client,
      EtcdSettings settings,
      String hostKey,
      String firstValue,
      String threadName,
      LinkListener listener) {
    this.client = client;
    this.settings = settings;
    this.hostKey = hostKey;
    this.listener = listener;
    this.pending.set(firstValue);
    this.ttlNanos = settings.leaseTtl().toNanos();
    // jetcd answers every TTL/3 on a 500 ms tick: late is a full interval plus a second of slack
    this.lateNanos = Math.min(ttlNanos * 4 / 5, ttlNanos / 3 + Duration.ofMillis(1000).toNanos());
    this.thread = Thread.ofVirtual().name(threadName).unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  /** The lease this agent's keys are on now; 0 while not registered. */
  long leaseId() {
    return leaseId;
  }

  /** The newest value of the host's key; written from the registrar's thread, woken for it. */
  void publish(String value) {
    pending.set(value);
    java.util.concurrent.locks.LockSupport.unpark(thread);
  }

  /**
   * Keeps {@code key} on the agent's lease: put now by the caller under {@link #leaseId}, put again
   * with every new lease until {@link #drop}.
   */
  synchronized void hold(String key, String value) {
    held.put(key, value);
  }

  /**
   * Keeps {@code key} on the agent's lease like {@link #hold}, for a key etcd does not have yet (it
   * was decided while etcd was unreachable): written by the registrar as soon as it can.
   */
  synchronized void holdUnwritten(String key, String value) {
    held.put(key, value);
    unwritten.add(key);
  }

  synchronized void drop(String key) {
    held.remove(key);
    unwritten.remove(key);
  }

  synchronized java.util.Optional<String> heldValue(String key) {
    return java.util.Optional.ofNullable(held.get(key));
  }

  /** Stops keep-alives without revoking anything: what a crashed agent leaves (tests). */
  void abandon() {
    closed = true;
    thread.interrupt();
    joinThread();
    closeKeepAlive();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    thread.interrupt();
    joinThread();
    closeKeepAlive();
    long lease = leaseId;
    leaseId = 0;
    if (lease != 0) {
      // Revoking deletes the host's key and every reservation on the lease at once.
      try {
        EtcdClients.await(client.getLeaseClient().revoke(lease), settings);
      } catch (EtcdUnavailable e) {
        log.warn("could not revoke lease {} on close ({}); it expires by itself", hex(lease), e);
      }
    }
  }

  private void joinThread() {
    try {
      thread.join(settings.requestTimeoutMillis() * 3L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    while (!closed) {
      try {
        tick();
      } catch (RuntimeException e) {
        log.warn("etcd registrar: {}", e.toString(), e);
      }
      // A tick, or sooner when a report is to be written (publish wakes the thread).
      java.util.concurrent.locks.LockSupport.parkNanos(TICK_MILLIS * 1_000_000L);
      if (Thread.interrupted() || closed) {
        return;
      }
    }
  }

  private void tick() {
    long now = System.nanoTime();
    if (leaseId == 0) {
      if (now - nextAttemptNanos >= 0) {
        register(now);
      }
      return;
    }
    long age = now - lastAnswerNanos;
    if (leaseGone) {
      lost("etcd lease expired (etcd no longer knows it)");
      return;
    }
    if (age >= ttlNanos && !stillAlive(age)) {
      return;
    }
    age = System.nanoTime() - lastAnswerNanos;
    if (age > lateNanos) {
      link(
          LinkStatus.DEGRADED,
          "etcd keep-alive late: last answer "
              + Duration.ofNanos(age).toMillis()
              + " ms ago"
              + (streamError.isEmpty() ? "" : " (" + streamError + ")"));
    } else if (!streamError.isEmpty() && streamErrorNanos - lastAnswerNanos > 0) {
      link(LinkStatus.DEGRADED, "etcd link error: " + streamError);
    } else {
      link(LinkStatus.CONNECTED, connectedReason());
    }
    writePending();
    writeUnwritten();
    revokeOld();
  }

  private void writeUnwritten() {
    Map<String, String> keys = new LinkedHashMap<>();
    synchronized (this) {
      unwritten.forEach(k -> keys.put(k, held.get(k)));
    }
    PutOption onLease = PutOption.builder().withLeaseId(leaseId).build();
    for (Map.Entry<String, String> key : keys.entrySet()) {
      try {
        EtcdClients.await(
            client
                .getKVClient()
                .put(EtcdKeys.bytes(key.getKey()), EtcdKeys.bytes(key.getValue()), onLease),
            settings);
        synchronized (this) {
          if (key.getValue().equals(held.get(key.getKey()))) {
            unwritten.remove(key.getKey());
          }
        }
        log.info("{} written to etcd after the link came back", key.getKey());
      } catch (EtcdUnavailable e) {
        return;
      }
    }
  }

  /**
   * No keep-alive answer for a whole TTL: asks etcd whether the lease still lives (a new raft
   * leader renews every lease, and jetcd gives a lease up for good once an answer is a TTL late).
   * If it does, keeps it with a fresh keep-alive stream; if not, or etcd does not answer, the link
   * is lost. True when the lease lives.
   */
  private boolean stillAlive(long age) {
    long lease = leaseId;
    long remaining;
    try {
      remaining =
          EtcdClients.await(
                  client
                      .getLeaseClient()
                      .timeToLive(lease, io.etcd.jetcd.options.LeaseOption.DEFAULT),
                  settings)
              .getTTL();
    } catch (EtcdUnavailable e) {
      lost(
          "etcd unreachable: no keep-alive answer for "
              + Duration.ofNanos(age).toMillis()
              + " ms ("
              + e.getMessage()
              + ")");
      return false;
    }
    if (remaining <= 0) {
      lost(
          "etcd lease expired: no keep-alive answer for "
              + Duration.ofNanos(age).toMillis()
              + " ms"
              + (streamError.isEmpty() ? "" : " (" + streamError + ")"));
      return false;
    }
    closeKeepAlive();
    lastAnswerNanos =
        System.nanoTime() - Math.max(0, ttlNanos - Duration.ofSeconds(remaining).toNanos());
    keepAlive = client.getLeaseClient().keepAlive(lease, observer(lease));
    log.info(
        "{}: keep-alive answers were late but the lease lives ({} s left)", hostKey, remaining);
    return true;
  }

  private String connectedReason() {
    return "etcd lease " + hex(leaseId) + " alive (TTL " + settings.leaseTtlSeconds() + " s)";
  }

  private void register(long now) {
    long lease;
    try {
      lease =
          EtcdClients.await(client.getLeaseClient().grant(settings.leaseTtlSeconds()), settings)
              .getID();
    } catch (EtcdUnavailable e) {
      retryLater(now, "etcd unreachable: " + e.getMessage());
      return;
    }
    String value = pending.get();
    Map<String, String> keys;
    synchronized (this) {
      keys = new LinkedHashMap<>(held);
    }
    keys.put(hostKey, value);
    PutOption onLease = PutOption.builder().withLeaseId(lease).build();
    List<Op> puts = new ArrayList<>();
    keys.forEach((k, v) -> puts.add(Op.put(EtcdKeys.bytes(k), EtcdKeys.bytes(v), onLease)));
    try {
      for (int from = 0; from < puts.size(); from += 100) {
        List<Op> batch = puts.subList(from, Math.min(puts.size(), from + 100));
        EtcdClients.await(
            client.getKVClient().txn().Then(batch.toArray(Op[]::new)).commit(), settings);
      }
    } catch (EtcdUnavailable e) {
      oldLeases.add(lease);
      retryLater(now, "etcd unreachable: " + e.getMessage());
      return;
    }
    written = value;
    synchronized (this) {
      unwritten.removeAll(keys.keySet());
    }
    leaseGone = false;
    streamError = "";
    lastAnswerNanos = System.nanoTime();
    keepAlive = client.getLeaseClient().keepAlive(lease, observer(lease));
    leaseId = lease;
    backoffMillis = 250;
    log.info(
        "registered {} in etcd on lease {} ({} reservation(s) held)",
        hostKey,
        hex(lease),
        keys.size() - 1);
    link(LinkStatus.CONNECTED, connectedReason());
    revokeOld();
  }

  private void retryLater(long now, String reason) {
    link(LinkStatus.LOST, reason);
    nextAttemptNanos = now + Duration.ofMillis(backoffMillis).toNanos();
    backoffMillis = Math.min(backoffMillis * 2, 4000);
  }

  private void lost(String reason) {
    log.warn("{}: {}; registering again", hostKey, reason);
    closeKeepAlive();
    oldLeases.add(leaseId);
    leaseId = 0;
    nextAttemptNanos = System.nanoTime();
    link(LinkStatus.LOST, reason);
  }

  private StreamObserver<LeaseKeepAliveResponse> observer(long lease) {
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveResponse response) {
        if (leaseId != lease && leaseId != 0) {
          return;
        }
        if (response.getTTL() <= 0) {
          leaseGone = true;
        } else {
          lastAnswerNanos = System.nanoTime();
        }
      }

      @Override
      public void onError(Throwable failure) {
        if (closed) {
          return;
        }
        streamError = EtcdClients.reason(failure);
        streamErrorNanos = System.nanoTime();
        if (leaseId == lease && streamError.startsWith("NOT_FOUND")) {
          leaseGone = true; // jetcd's word for a keep-alive answered with TTL 0: revoked, expired
        }
      }

      @Override
      public void onCompleted() {
        // jetcd gave the lease up (no answer within its TTL) and never renews it again.
        if (leaseId == lease) {
          leaseGone = true;
        }
      }
    };
  }

  private void writePending() {
    String value = pending.get();
    if (value.equals(written)) {
      return;
    }
    long lease = leaseId;
    try {
      EtcdClients.await(
          client
              .getKVClient()
              .put(
                  EtcdKeys.bytes(hostKey),
                  EtcdKeys.bytes(value),
                  PutOption.builder().withLeaseId(lease).build()),
          settings);
      written = value;
    } catch (EtcdUnavailable e) {
      log.debug("{}: report not written yet: {}", hostKey, e.getMessage());
    }
  }

  private void revokeOld() {
    while (!oldLeases.isEmpty()) {
      long old = oldLeases.get(0);
      try {
        EtcdClients.await(client.getLeaseClient().revoke(old), settings);
      } catch (EtcdUnavailable e) {
        if (!e.getMessage().contains("NOT_FOUND") && !e.getMessage().contains("not found")) {
          return; // try again on the next tick
        }
      }
      oldLeases.remove(0);
    }
  }

  private void closeKeepAlive() {
    CloseableClient current = keepAlive;
    keepAlive = null;
    if (current != null) {
      try {
        current.close();
      } catch (RuntimeException e) {
        log.debug("closing keep-alive: {}", e.toString());
      }
    }
  }

  private void link(LinkStatus next, String reason) {
    boolean changed = next != status || (next == LinkStatus.LOST && !reason.equals(statusReason));
    if (!changed) {
      return;
    }
    status = next;
    statusReason = reason;
    listener.onLink(next, reason);
  }

  static String hex(long lease) {
    return Long.toHexString(lease);
  }

  /** A key held on the lease, as bytes (for callers' transactions). */
  static ByteSequence key(String key) {
    return EtcdKeys.bytes(key);
  }
}
