package io.vpanel.driver.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import io.vpanel.driver.etcd.EtcdClients.EtcdUnavailable;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One leader among the agents of the cluster for cluster work, with jetcd's Election on a lease of
 * its own ({@code electionTtlSeconds}, short, so a dead leader is replaced within about that time;
 * the registration lease may be much longer). A leader steps down by itself once its lease's
 * answers are late by three quarters of its time to live, before etcd could pass leadership on, and
 * every write it makes as leader is a transaction fenced on its election key: a deposed leader's
 * write fails, so no cluster work is done twice across a change of leader.
 */
final class LeaderElection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

  private final Client client;
  private final EtcdSettings settings;
  private final ByteSequence name;
  private final String agent;
  private final Consumer<Boolean> onLeadership;
  private final Thread thread;
  private final long ttlNanos;
  private volatile boolean closed;
  private volatile long lease;
  private volatile long lastAnswerNanos;
  private volatile boolean leaseGone;
  private volatile LeaderKey leaderKey;
  private long lastRefreshNanos;
  private CloseableClient keepAlive;

  LeaderElection(
      Client client,
      EtcdSettings settings,
      EtcdKeys keys,
      String agent,
      Consumer<Boolean> onLeadership) {
    this.client = client;
    this.settings = settings;
    this.name = EtcdKeys.bytes(keys.election());
    this.agent = agent;
    this.onLeadership = onLeadership;
    this.ttlNanos = Duration.ofSeconds(settings.electionTtlSeconds()).toNanos();
    this.thread = Thread.ofVirtual().name("etcd-election-" + agent).unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  /** True while this agent leads (its lease answered within three quarters of its TTL). */
  boolean isLeader() {
    return leaderKey != null && healthy();
  }

  /** The leading agent as etcd has it now; empty when none leads or etcd does not answer. */
  Optional<String> leader() {
    try {
      LeaderResponse response =
          EtcdClients.await(client.getElectionClient().leader(name), settings);
      return Optional.of(EtcdKeys.text(response.getKv().getValue()));
    } catch (EtcdUnavailable e) {
      return Optional.empty();
    }
  }

  /**
   * What a leader's writes are fenced on: its election key and the revision it won at (its term).
   */
  record Fence(ByteSequence key, long term) {}

  /** This agent's fence while it leads; empty when it does not. */
  Optional<Fence> fence() {
    LeaderKey key = leaderKey;
    if (key == null || !healthy()) {
      return Optional.empty();
    }
    return Optional.of(new Fence(key.getKey(), key.getRevision()));
  }

  /**
   * Commits {@code op} only while the term of {@code fence} lasts (its election key still exists
   * with the revision it won at) and {@code also} holds; false when either does not.
   */
  boolean asLeader(Fence fence, Cmp also, Op op) throws EtcdUnavailable {
    if (fence().filter(fence::equals).isEmpty()) {
      return false;
    }
    return EtcdClients.await(
            client
                .getKVClient()
                .txn()
                .If(
                    new Cmp(fence.key(), Cmp.Op.EQUAL, CmpTarget.createRevision(fence.term())),
                    also)
                .Then(op)
                .commit(),
            settings)
        .isSucceeded();
  }

  /**
   * Commits {@code ops} only while this agent is still the leader (its election key still exists
   * with the revision it won at); false when it is not.
   */
  boolean asLeader(Op... ops) throws EtcdUnavailable {
    LeaderKey key = leaderKey;
    if (key == null || !healthy()) {
      return false;
    }
    return EtcdClients.await(
            client
                .getKVClient()
                .txn()
                .If(
                    new Cmp(
                        key.getKey(), Cmp.Op.EQUAL, CmpTarget.createRevision(key.getRevision())))
                .Then(ops)
                .commit(),
            settings)
        .isSucceeded();
  }

  private boolean healthy() {
    return lease != 0 && !leaseGone && System.nanoTime() - lastAnswerNanos < ttlNanos * 3 / 4;
  }

  private void run() {
    while (!closed) {
      try {
        if (lease != 0 && !leaseGone && late()) {
          refresh();
        }
        if (lease == 0 || !healthy()) {
          stepDown();
          newLease();
        } else if (leaderKey == null) {
          campaign();
        } else {
          Thread.sleep(50);
        }
      } catch (InterruptedException e) {
        return;
      } catch (EtcdUnavailable e) {
        log.debug("election: {}", e.getMessage());
        try {
          Thread.sleep(250);
        } catch (InterruptedException stop) {
          return;
        }
      }
    }
  }

  private boolean late() {
    long now = System.nanoTime();
    if (now - lastAnswerNanos <= ttlNanos / 2 || now - lastRefreshNanos < 250_000_000L) {
      return false;
    }
    lastRefreshNanos = now;
    return true;
  }

  /**
   * Keep-alive answers are late (a member died, or jetcd gave the stream up): asks etcd how long
   * the lease has left and renews the stream, so a leader whose lease lives keeps leading.
   */
  private void refresh() {
    long id = lease;
    long asked = System.nanoTime();
    try {
      long remaining =
          EtcdClients.await(
                  client.getLeaseClient().timeToLive(id, io.etcd.jetcd.options.LeaseOption.DEFAULT),
                  settings)
              .getTTL();
      if (remaining <= 0) {
        leaseGone = true;
        return;
      }
      lastAnswerNanos = Math.max(lastAnswerNanos, asked - (ttlNanos - remaining * 1_000_000_000L));
      closeKeepAlive();
      keepAlive = client.getLeaseClient().keepAlive(id, observer(id));
    } catch (EtcdUnavailable e) {
      log.debug("election lease not checked: {}", e.getMessage());
    }
  }

  private void newLease() throws EtcdUnavailable {
    closeKeepAlive();
    long old = lease;
    lease = 0;
    if (old != 0) {
      client.getLeaseClient().revoke(old); // best effort: it expires anyway
    }
    long granted =
        EtcdClients.await(client.getLeaseClient().grant(settings.electionTtlSeconds()), settings)
            .getID();
    leaseGone = false;
    lastAnswerNanos = System.nanoTime();
    keepAlive = client.getLeaseClient().keepAlive(granted, observer(granted));
    lease = granted;
  }

  /** Waits to win, giving up when the lease goes; a campaign whose member died is repeated. */
  private void campaign() throws InterruptedException {
    CompletableFuture<CampaignResponse> won =
        client.getElectionClient().campaign(name, lease, EtcdKeys.bytes(agent));
    while (!closed) {
      try {
        LeaderKey key = won.get(100, TimeUnit.MILLISECONDS).getLeader();
        if (!healthy()) {
          return; // won on a lease that is going: the next round steps down and campaigns again
        }
        leaderKey = key;
        log.info("{} leads cluster work (election revision {})", agent, key.getRevision());
        onLeadership.accept(true);
        return;
      } catch (TimeoutException e) {
        if (!healthy()) {
          won.cancel(true);
          return;
        }
      } catch (ExecutionException e) {
        log.debug("campaign failed ({}); campaigning again", EtcdClients.reason(e.getCause()));
        Thread.sleep(100);
        return;
      }
    }
    won.cancel(true);
  }

  private void stepDown() {
    if (leaderKey != null) {
      leaderKey = null;
      log.info("{} no longer leads cluster work", agent);
      onLeadership.accept(false);
    }
  }

  private StreamObserver<LeaseKeepAliveResponse> observer(long id) {
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveResponse response) {
        if (lease != id) {
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
        if (lease == id && EtcdClients.reason(failure).startsWith("NOT_FOUND")) {
          leaseGone = true;
        }
      }

      @Override
      public void onCompleted() {
        if (lease == id) {
          leaseGone = true;
        }
      }
    };
  }

  private void closeKeepAlive() {
    CloseableClient current = keepAlive;
    keepAlive = null;
    if (current != null) {
      current.close();
    }
  }

  /** Stops without resigning: what a crashed agent leaves (tests). */
  void abandon() {
    closed = true;
    thread.interrupt();
    join();
    closeKeepAlive();
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    join();
    LeaderKey key = leaderKey;
    leaderKey = null;
    closeKeepAlive();
    try {
      if (key != null) {
        EtcdClients.await(client.getElectionClient().resign(key), settings);
      }
      if (lease != 0) {
        EtcdClients.await(client.getLeaseClient().revoke(lease), settings);
      }
    } catch (EtcdUnavailable e) {
      log.debug("election not left cleanly: {}", e.getMessage());
    }
    lease = 0;
  }

  private void join() {
    try {
      thread.join(settings.requestTimeoutMillis() * 2L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
