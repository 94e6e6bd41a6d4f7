package io.vpanel.driver.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.vpanel.driver.etcd.EtcdClients.EtcdUnavailable;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.management.DrsMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The leader's cluster work, done by one agent of the cluster at a time: the cluster's status under
 * {@code leader/status} (hosts, hosts out of operation, each host's HA verdict, the DRS mode), read
 * by every agent for its panels' HA and DRS lights; and the end of stale reservations (held for an
 * agent that is no longer the registered agent of any host: it restarted or is gone, and its old
 * lease has not run out yet).
 *
 * <p>Every round reads the registry, the slots, the reservations and the status in one snapshot.
 * The status is written only when what it says changed (at most once a second within a term; a new
 * leader's first at once), so each change is written once, and every write is a transaction fenced
 * on this agent's election key ({@link LeaderElection#fence}) and on the revision of the status (or
 * reservation) it read: a leader deposed without noticing writes nothing, and a write repeated
 * after an answer was lost does not commit twice.
 */
final class ClusterWork implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterWork.class);
  private static final long ROUND_MILLIS = 1000;

  /**
   * What the leader publishes about the cluster (JSON under {@code leader/status}).
   *
   * @param leader the leading agent that wrote it
   * @param term the revision at which that agent won the election
   * @param hosts hosts registered
   * @param inMaintenance hosts that hold a maintenance slot or report a state other than
   *     OPERATIONAL
   * @param ha per registered host: {@code PROTECTED} when the other operational hosts have room
   *     (memory and vCPUs, summed) for its guests, {@code INSUFFICIENT} when not, {@code FAULT}
   *     when its agent does not reach its hypervisor
   * @param drs the cluster's DRS mode, the leader's setting
   * @param largestUsedMemoryBytes the busiest operational host's guests' memory
   * @param freeMemoryBytesOfOthers the free memory of the operational hosts besides it
   * @param haReserveKept whether those have room for the busiest host's guests
   * @param at when it was written
   */
  record ClusterStatus(
      String leader,
      long term,
      int hosts,
      List<String> inMaintenance,
      Map<String, String> ha,
      DrsMode drs,
      long largestUsedMemoryBytes,
      long freeMemoryBytesOfOthers,
      boolean haReserveKept,
      Instant at) {

    /** The same status at another time: two are the same change when these are equal. */
    ClusterStatus at(Instant when) {
      return new ClusterStatus(
          leader,
          term,
          hosts,
          inMaintenance,
          ha,
          drs,
          largestUsedMemoryBytes,
          freeMemoryBytesOfOthers,
          haReserveKept,
          when);
    }
  }

  private final Client client;
  private final EtcdSettings settings;
  private final EtcdKeys keys;
  private final JsonMapper json;
  private final LeaderElection election;
  private final String agent;
  private final Thread thread;
  private final AtomicLong statusWrites = new AtomicLong();
  private final AtomicLong reservationsEnded = new AtomicLong();
  private volatile boolean closed;

  /** The term and time of this agent's last status write: a term's first write goes at once. */
  private long lastTerm;

  private long lastWriteNanos;

  /** Status writes of one term come at most this often; changes in between are written together. */
  static final long STATUS_EVERY_MILLIS = 1000;

  ClusterWork(
      Client client,
      EtcdSettings settings,
      EtcdKeys keys,
      JsonMapper json,
      LeaderElection election,
      String agent) {
    this.client = client;
    this.settings = settings;
    this.keys = keys;
    this.json = json;
    this.election = election;
    this.agent = agent;
    this.thread = Thread.ofVirtual().name("etcd-cluster-work-" + agent).unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  /** Status writes this agent committed as leader (tests). */
  long statusWrites() {
    return statusWrites.get();
  }

  /** Stale reservations this agent ended as leader (tests). */
  long reservationsEnded() {
    return reservationsEnded.get();
  }

  private void run() {
    long roundTerm = 0;
    long roundNanos = 0;
    while (!closed) {
      Optional<LeaderElection.Fence> fence = election.fence();
      // A round a second, and one at once when this agent has just become leader.
      if (fence.isPresent()
          && (fence.get().term() != roundTerm
              || System.nanoTime() - roundNanos >= ROUND_MILLIS * 1_000_000L)) {
        roundTerm = fence.get().term();
        roundNanos = System.nanoTime();
        try {
          round(fence.get());
        } catch (EtcdUnavailable e) {
          log.debug("cluster work not done this round: {}", e.getMessage());
        } catch (RuntimeException e) {
          log.warn("cluster work failed: {}", e.toString(), e);
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** One round as leader: the status if it changed, then stale reservations. */
  void round(LeaderElection.Fence fence) throws EtcdUnavailable {
    TxnResponse snapshot =
        EtcdClients.await(
            client
                .getKVClient()
                .txn()
                .Then(
                    prefix(keys.hosts()),
                    prefix(keys.slots()),
                    prefix(keys.root() + "reservations/"),
                    Op.get(EtcdKeys.bytes(keys.leaderStatus()), GetOption.DEFAULT))
                .commit(),
            settings);
    List<GetResponse> got = snapshot.getGetResponses();
    List<Registration> hosts = new ArrayList<>();
    for (KeyValue kv : got.get(0).getKvs()) {
      read(kv, Registration.class).ifPresent(hosts::add);
    }
    Set<String> slotHolders = new HashSet<>();
    for (KeyValue kv : got.get(1).getKvs()) {
      read(kv, EtcdCoordinator.Slot.class).ifPresent(s -> slotHolders.add(s.host()));
    }
    ClusterStatus now = status(fence, hosts, slotHolders);
    List<KeyValue> current = got.get(3).getKvs();
    Optional<ClusterStatus> written =
        current.isEmpty() ? Optional.empty() : read(current.get(0), ClusterStatus.class);
    boolean due =
        fence.term() != lastTerm
            || System.nanoTime() - lastWriteNanos >= STATUS_EVERY_MILLIS * 1_000_000L;
    if (due && (written.isEmpty() || !same(written.get(), now))) {
      long seen = current.isEmpty() ? 0 : current.get(0).getModRevision();
      ByteSequence key = EtcdKeys.bytes(keys.leaderStatus());
      boolean committed =
          election.asLeader(
              fence,
              new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(seen)),
              Op.put(key, EtcdKeys.bytes(json.writeValueAsString(now)), PutOption.DEFAULT));
      if (committed) {
        lastTerm = fence.term();
        lastWriteNanos = System.nanoTime();
        statusWrites.incrementAndGet();
        log.debug("cluster status written: {}", now);
      }
    }
    endStaleReservations(fence, hosts, got.get(2).getKvs());
  }

  /**
   * Reservations held for an agent instance that is no longer the registered agent of any host: it
   * restarted (a new instance name) or its host left. They would end with that agent's lease; the
   * leader ends them at once, each only if unchanged since this round read it.
   */
  private void endStaleReservations(
      LeaderElection.Fence fence, List<Registration> hosts, List<KeyValue> reservations)
      throws EtcdUnavailable {
    Set<String> live = new HashSet<>();
    hosts.forEach(r -> live.add(r.agent()));
    for (KeyValue kv : reservations) {
      Optional<EtcdCoordinator.Held> held = read(kv, EtcdCoordinator.Held.class);
      if (held.isEmpty() || live.contains(held.get().agent())) {
        continue;
      }
      ByteSequence key = kv.getKey();
      if (election.asLeader(
          fence,
          new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision())),
          Op.delete(key, DeleteOption.DEFAULT))) {
        reservationsEnded.incrementAndGet();
        log.info(
            "ended stale reservation {} (its agent {} is no longer registered)",
            EtcdKeys.text(key),
            held.get().agent());
        // The guest's claim, if it is still this reservation's, goes with it.
        ByteSequence claim = EtcdKeys.bytes(keys.guest(held.get().vm()));
        election.asLeader(
            fence,
            new Cmp(
                claim,
                Cmp.Op.EQUAL,
                CmpTarget.value(
                    EtcdKeys.bytes(
                        json.writeValueAsString(
                            new EtcdCoordinator.Claim(
                                EtcdKeys.text(key),
                                held.get().destination(),
                                held.get().agent()))))),
            Op.delete(claim, DeleteOption.DEFAULT));
      }
    }
  }

  private ClusterStatus status(
      LeaderElection.Fence fence, List<Registration> hosts, Set<String> slotHolders) {
    List<String> out = new ArrayList<>();
    List<Registration> operational = new ArrayList<>();
    for (Registration r : hosts) {
      if (r.state() != MaintenanceState.OPERATIONAL || slotHolders.contains(r.host())) {
        out.add(r.host());
      } else if (r.capacityKnown() && r.hypervisorConnected()) {
        operational.add(r);
      }
    }
    long freeMemory = operational.stream().mapToLong(Registration::freeMemoryBytes).sum();
    long freeVcpus = operational.stream().mapToLong(Registration::freeVcpus).sum();
    Map<String, String> ha = new TreeMap<>();
    for (Registration r : hosts) {
      if (!r.hypervisorConnected()) {
        ha.put(r.host(), "FAULT");
        continue;
      }
      boolean counted = operational.contains(r);
      long roomMemory = freeMemory - (counted ? r.freeMemoryBytes() : 0);
      long roomVcpus = freeVcpus - (counted ? r.freeVcpus() : 0);
      ha.put(
          r.host(),
          r.usedMemoryBytes() <= roomMemory && r.usedVcpus() <= roomVcpus
              ? "PROTECTED"
              : "INSUFFICIENT");
    }
    Registration largest =
        operational.stream()
            .max(java.util.Comparator.comparingLong(Registration::usedMemoryBytes))
            .orElse(null);
    long others = freeMemory - (largest == null ? 0 : largest.freeMemoryBytes());
    long need = largest == null ? 0 : largest.usedMemoryBytes();
    return new ClusterStatus(
        agent,
        fence.term(),
        hosts.size(),
        List.copyOf(new java.util.TreeSet<>(out)),
        ha,
        settings.drs(),
        need,
        others,
        others >= need,
        Instant.now());
  }

  /** Whether two statuses say the same (their times aside). */
  static boolean same(ClusterStatus a, ClusterStatus b) {
    return a.at(Instant.EPOCH).equals(b.at(Instant.EPOCH));
  }

  private static Op prefix(String prefix) {
    return Op.get(EtcdKeys.bytes(prefix), GetOption.builder().isPrefix(true).build());
  }

  private <T> Optional<T> read(KeyValue kv, Class<T> type) {
    try {
      return Optional.of(json.readValue(kv.getValue().getBytes(), type));
    } catch (JacksonException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(settings.requestTimeoutMillis() * 2L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
