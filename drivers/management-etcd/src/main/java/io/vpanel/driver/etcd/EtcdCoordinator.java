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
import io.vpanel.spi.management.Coordinator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cluster's coordinator in etcd transactions.
 *
 * <p>Admission: {@code maxHostsInMaintenance} slot keys; a host takes a free one with a
 * compare-and-swap (the slot's create revision is 0, the host's guard unchanged), so two hosts
 * asking at once can never both pass. Slots have no lease: a host in maintenance is often powered
 * off for service, its agent with it, and must keep its slot until it is operational again.
 *
 * <p>Placement: a reservation per guest under the destination, on the asking agent's lease. A
 * transaction reads the destination's registration, its reservations, the slots and its guard in
 * one snapshot, checks the room and that the destination is operational and holds no slot, and
 * commits only if neither the guard nor the registration changed since; every admission of a host
 * and every reservation on it rewrites its guard. A reservation ends with its agent's lease, or
 * after its move once the destination published a newer report (which counts the guest), at most
 * {@code releaseGraceMillis} later.
 */
final class EtcdCoordinator implements Coordinator, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EtcdCoordinator.class);
  private static final int ATTEMPTS = 30;

  /** The holder of a maintenance slot (JSON). */
  record Slot(String host, String agent, String origin, Instant at) {}

  /** Room held on a destination for one guest (JSON). */
  record Held(
      String vm,
      String vmName,
      String source,
      String destination,
      long memoryBytes,
      int vcpus,
      String agent,
      Instant at) {}

  /** Which reservation moves a guest now, and whose it is (JSON, under {@code guests/}). */
  record Claim(String reservation, String destination, String agent) {}

  /** A reservation whose move ended, deleted once the destination reported since. */
  private record Ending(
      String key, String value, String destination, long seenRevision, long due) {}

  private final Client client;
  private final EtcdSettings settings;
  private final EtcdKeys keys;
  private final JsonMapper json;
  private final Registrar registrar;
  private final HostDirectory directory;
  private final String agent;
  private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
  private final ConcurrentLinkedQueue<Ending> ending = new ConcurrentLinkedQueue<>();

  /**
   * Hosts admitted locally while etcd was unreachable, whose slot is to be taken once it is back.
   */
  private final ConcurrentLinkedQueue<AdmissionRequest> claimLater = new ConcurrentLinkedQueue<>();

  /** Hosts this agent was granted a slot for and has not released: their evacuation runs. */
  private final java.util.Set<String> admitted = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final Thread releaser;
  private volatile boolean closed;

  EtcdCoordinator(
      Client client,
      EtcdSettings settings,
      EtcdKeys keys,
      JsonMapper json,
      Registrar registrar,
      HostDirectory directory,
      String agent) {
    this.client = client;
    this.settings = settings;
    this.keys = keys;
    this.json = json;
    this.registrar = registrar;
    this.directory = directory;
    this.agent = agent;
    this.releaser = Thread.ofVirtual().name("etcd-releases-" + agent).unstarted(this::releaseLoop);
  }

  void start() {
    releaser.start();
  }

  // ---- admission

  @Override
  public CompletableFuture<Admission> admit(AdmissionRequest request) {
    return CompletableFuture.supplyAsync(() -> admitNow(request), calls);
  }

  private Admission admitNow(AdmissionRequest request) {
    Admission answer = decideAdmission(request);
    if (answer.unavailable() && settings.admitsLocally()) {
      // whenUnreachable: local — the operator chose to go on against the peers last seen.
      log.warn(
          "{}: {}; admitted locally (whenUnreachable: local), the slot is taken when etcd is back",
          request.host(),
          answer.reason());
      claimLater.add(request);
      answer =
          Admission.granted(
              "admitted locally while etcd is unreachable (whenUnreachable: local): "
                  + answer.reason());
    }
    if (answer.granted()) {
      admitted.add(request.host());
    }
    return answer;
  }

  private Admission decideAdmission(AdmissionRequest request) {
    if (registrar.leaseId() == 0) {
      return Admission.unavailable(
          "management link lost: " + request.host() + " is not registered in etcd");
    }
    String host = request.host();
    long deadline = deadline();
    EtcdUnavailable lastFailure = null;
    for (int attempt = 0; attempt < ATTEMPTS && !closed; attempt++) {
      try {
        TxnResponse snapshot =
            EtcdClients.await(
                client
                    .getKVClient()
                    .txn()
                    .Then(
                        prefix(keys.slots()),
                        Op.get(
                            EtcdKeys.bytes(keys.reservationsOn(host)),
                            GetOption.builder().isPrefix(true).withCountOnly(true).build()),
                        Op.get(EtcdKeys.bytes(keys.guard(host)), GetOption.DEFAULT),
                        Op.get(EtcdKeys.bytes(keys.admissions()), GetOption.DEFAULT),
                        settings.haReserve()
                            ? prefix(keys.hosts())
                            : Op.get(EtcdKeys.bytes(keys.hosts()), GetOption.DEFAULT))
                    .commit(),
                settings);
        Map<Integer, Slot> slots = slots(snapshot.getGetResponses().get(0));
        for (Map.Entry<Integer, Slot> slot : slots.entrySet()) {
          if (slot.getValue().host().equals(host)) {
            return Admission.granted(
                "etcd maintenance slot "
                    + slot.getKey()
                    + " of "
                    + settings.maxHostsInMaintenance()
                    + " already held by "
                    + host);
          }
        }
        if (slots.size() >= settings.maxHostsInMaintenance()) {
          return Admission.refused(full(slots));
        }
        long incoming = snapshot.getGetResponses().get(1).getCount();
        if (incoming > 0) {
          return Admission.refused(
              host + " is the destination of " + incoming + " move(s) in flight; try again");
        }
        if (settings.haReserve()) {
          Optional<String> short_ =
              haShortfall(request, slots, snapshot.getGetResponses().get(4).getKvs());
          if (short_.isPresent()) {
            return Admission.refused(short_.get());
          }
        }
        int free = 0;
        while (slots.containsKey(free)) {
          free++;
        }
        long guardRevision = modRevision(snapshot.getGetResponses().get(2));
        long admissionsRevision = modRevision(snapshot.getGetResponses().get(3));
        ByteSequence slotKey = EtcdKeys.bytes(keys.slot(free));
        String value = write(new Slot(host, agent, request.origin(), Instant.now()));
        TxnResponse taken =
            EtcdClients.await(
                client
                    .getKVClient()
                    .txn()
                    .If(
                        new Cmp(slotKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0)),
                        new Cmp(
                            EtcdKeys.bytes(keys.guard(host)),
                            Cmp.Op.EQUAL,
                            CmpTarget.modRevision(guardRevision)),
                        // every admission rewrites it: two decided on the same view cannot both
                        // commit (the HA reserve is checked against the whole cluster)
                        new Cmp(
                            EtcdKeys.bytes(keys.admissions()),
                            Cmp.Op.EQUAL,
                            CmpTarget.modRevision(admissionsRevision)))
                    .Then(
                        Op.put(slotKey, EtcdKeys.bytes(value), PutOption.DEFAULT),
                        Op.put(
                            EtcdKeys.bytes(keys.guard(host)),
                            EtcdKeys.bytes("admitted by " + agent),
                            PutOption.DEFAULT),
                        Op.put(
                            EtcdKeys.bytes(keys.admissions()),
                            EtcdKeys.bytes(host + " admitted by " + agent),
                            PutOption.DEFAULT))
                    .commit(),
                settings);
        if (taken.isSucceeded()) {
          log.info("{} took etcd maintenance slot {} ({})", host, free, request.origin());
          return Admission.granted(
              "etcd maintenance slot " + free + " of " + settings.maxHostsInMaintenance());
        }
      } catch (EtcdUnavailable e) {
        // Safe to repeat: a slot this host already holds is granted again.
        lastFailure = e;
        if (System.nanoTime() - deadline > 0) {
          break;
        }
      }
      pause(attempt);
    }
    return lastFailure != null
        ? Admission.unavailable("etcd unreachable: " + lastFailure.getMessage())
        : Admission.refused("etcd admission contended; try again");
  }

  /** Until when a request retries after etcd failed it: a member dying costs about a second. */
  private long deadline() {
    return System.nanoTime() + Duration.ofMillis(2L * settings.requestTimeoutMillis()).toNanos();
  }

  /**
   * The HA reserve: once {@code request}'s guests have left for the other operational hosts, the
   * hosts besides the busiest one must still have room for the busiest one's guests. Assumes none
   * of the leaving guests lands on the busiest host (the planner may choose otherwise: this errs on
   * the side of refusing). Why not, empty when the reserve is kept.
   */
  private Optional<String> haShortfall(
      AdmissionRequest request, Map<Integer, Slot> slots, List<KeyValue> hosts) {
    List<String> out = slots.values().stream().map(Slot::host).toList();
    List<Registration> others = new ArrayList<>();
    for (KeyValue kv : hosts) {
      read(kv, Registration.class)
          .filter(r -> !r.host().equals(request.host()))
          .filter(r -> r.state() == MaintenanceState.OPERATIONAL && r.capacityKnown())
          .filter(r -> !out.contains(r.host()))
          .ifPresent(others::add);
    }
    if (others.isEmpty()) {
      return Optional.empty(); // nowhere to go: the planner says NO-GO with its own reason
    }
    Registration busiest =
        others.stream()
            .max(java.util.Comparator.comparingLong(Registration::usedMemoryBytes))
            .get();
    long roomBesides =
        others.stream().filter(r -> r != busiest).mapToLong(Registration::freeMemoryBytes).sum()
            - request.memoryBytes();
    if (roomBesides >= busiest.usedMemoryBytes()) {
      return Optional.empty();
    }
    return Optional.of(
        "HA reserve: after "
            + gib(request.memoryBytes())
            + " leave "
            + request.host()
            + ", the hosts besides "
            + busiest.host()
            + " keep "
            + gib(Math.max(0, roomBesides))
            + " free, "
            + busiest.host()
            + "'s guests need "
            + gib(busiest.usedMemoryBytes()));
  }

  private String full(Map<Integer, Slot> slots) {
    List<String> holders = new ArrayList<>();
    slots.values().forEach(s -> holders.add(s.host() + " (" + s.origin() + ")"));
    return "max "
        + settings.maxHostsInMaintenance()
        + " host(s) in maintenance; slot held by "
        + String.join(", ", holders);
  }

  @Override
  public void release(String host) {
    admitted.remove(host);
    calls.execute(() -> releaseNow(host));
  }

  private void releaseNow(String host) {
    for (int attempt = 0; !closed; attempt++) {
      try {
        GetResponse got =
            EtcdClients.await(
                client
                    .getKVClient()
                    .get(EtcdKeys.bytes(keys.slots()), GetOption.builder().isPrefix(true).build()),
                settings);
        boolean all = true;
        for (KeyValue kv : got.getKvs()) {
          Optional<Slot> slot = read(kv, Slot.class);
          if (slot.isPresent() && slot.get().host().equals(host)) {
            all &= deleteIfUnchanged(EtcdKeys.text(kv.getKey()), kv.getValue());
          }
        }
        if (all) {
          return;
        }
      } catch (EtcdUnavailable e) {
        log.debug("slot of {} not released yet: {}", host, e.getMessage());
      }
      pause(Math.min(attempt, 8));
    }
  }

  // ---- placement

  @Override
  public CompletableFuture<Reservation> reserve(PlacementRequest request) {
    return CompletableFuture.supplyAsync(() -> reserveNow(request), calls);
  }

  private Reservation reserveNow(PlacementRequest request) {
    String destination = request.destination();
    String key = keys.reservation(destination, request.vm());
    String guestKey = keys.guest(request.vm());
    long deadline = deadline();
    EtcdUnavailable lastFailure = null;
    for (int attempt = 0; attempt < ATTEMPTS && !closed; attempt++) {
      try {
        long lease = registrar.leaseId();
        if (lease == 0) {
          return admitted.contains(request.source())
              ? locally(request, key)
              : refused(request, "management link lost: this agent is not registered in etcd");
        }
        TxnResponse snapshot =
            EtcdClients.await(
                client
                    .getKVClient()
                    .txn()
                    .Then(
                        Op.get(EtcdKeys.bytes(keys.host(destination)), GetOption.DEFAULT),
                        Op.get(EtcdKeys.bytes(keys.guard(destination)), GetOption.DEFAULT),
                        prefix(keys.reservationsOn(destination)),
                        prefix(keys.slots()),
                        Op.get(EtcdKeys.bytes(guestKey), GetOption.DEFAULT))
                    .commit(),
                settings);
        List<GetResponse> got = snapshot.getGetResponses();
        if (got.get(0).getKvs().isEmpty()) {
          return refused(
              request,
              destination + " is not registered in etcd (its agent is stopped or cut off)");
        }
        KeyValue hostKv = got.get(0).getKvs().get(0);
        Optional<Registration> registration = read(hostKv, Registration.class);
        if (registration.isEmpty()) {
          return refused(request, destination + "'s registration is unreadable");
        }
        Registration dest = registration.get();
        for (Map.Entry<Integer, Slot> slot : slots(got.get(3)).entrySet()) {
          if (slot.getValue().host().equals(destination)) {
            return refused(
                request,
                destination
                    + " holds maintenance slot "
                    + slot.getKey()
                    + ": it is entering or in maintenance");
          }
        }
        if (dest.state() != MaintenanceState.OPERATIONAL) {
          return refused(request, destination + " is " + dest.state());
        }
        if (!dest.capacityKnown()) {
          return refused(request, destination + " has not reported its capacity yet");
        }
        long heldMemory = 0;
        int heldVcpus = 0;
        int count = 0;
        for (KeyValue kv : got.get(2).getKvs()) {
          Optional<Held> held = read(kv, Held.class);
          if (held.isEmpty()) {
            continue;
          }
          if (EtcdKeys.text(kv.getKey()).equals(key)) {
            if (held.get().agent().equals(agent) && held.get().source().equals(request.source())) {
              registrar.hold(key, EtcdKeys.text(kv.getValue()));
              return new Reservation(request, true, "");
            }
            return refused(
                request,
                request.vmName()
                    + " already has room on "
                    + destination
                    + " ("
                    + held.get().agent()
                    + ")");
          }
          heldMemory += held.get().memoryBytes();
          heldVcpus += held.get().vcpus();
          count++;
        }
        Optional<Claim> claim =
            got.get(4).getKvs().isEmpty()
                ? Optional.empty()
                : read(got.get(4).getKvs().get(0), Claim.class);
        if (claim.isPresent()
            && !claim.get().reservation().equals(key)
            && !(claim.get().agent().equals(agent)
                && registrar.heldValue(claim.get().reservation()).isEmpty())) {
          // Another move of this guest is in flight (this agent's own ended ones are taken over).
          return refused(
              request,
              request.vmName()
                  + " is already on its way to "
                  + claim.get().destination()
                  + " ("
                  + claim.get().agent()
                  + ")");
        }
        long freeMemory = dest.memoryBytes() - dest.usedMemoryBytes() - heldMemory;
        long freeVcpus = (long) dest.vcpus() - dest.usedVcpus() - heldVcpus;
        if (request.memoryBytes() > freeMemory || request.vcpus() > freeVcpus) {
          return refused(
              request,
              destination
                  + " has "
                  + gib(Math.max(0, freeMemory))
                  + " and "
                  + Math.max(0, freeVcpus)
                  + " vCPUs free after "
                  + count
                  + " reservation(s); "
                  + request.vmName()
                  + " needs "
                  + gib(request.memoryBytes())
                  + " and "
                  + request.vcpus());
        }
        String value =
            write(
                new Held(
                    request.vm(),
                    request.vmName(),
                    request.source(),
                    destination,
                    request.memoryBytes(),
                    request.vcpus(),
                    agent,
                    Instant.now()));
        String claimValue = write(new Claim(key, destination, agent));
        registrar.hold(key, value);
        registrar.hold(guestKey, claimValue);
        TxnResponse taken;
        try {
          taken =
              EtcdClients.await(
                  client
                      .getKVClient()
                      .txn()
                      .If(
                          new Cmp(
                              EtcdKeys.bytes(keys.guard(destination)),
                              Cmp.Op.EQUAL,
                              CmpTarget.modRevision(modRevision(got.get(1)))),
                          new Cmp(
                              EtcdKeys.bytes(keys.host(destination)),
                              Cmp.Op.EQUAL,
                              CmpTarget.modRevision(hostKv.getModRevision())),
                          new Cmp(
                              EtcdKeys.bytes(guestKey),
                              Cmp.Op.EQUAL,
                              CmpTarget.modRevision(modRevision(got.get(4)))))
                      .Then(
                          Op.put(
                              EtcdKeys.bytes(key),
                              EtcdKeys.bytes(value),
                              PutOption.builder().withLeaseId(lease).build()),
                          Op.put(
                              EtcdKeys.bytes(guestKey),
                              EtcdKeys.bytes(claimValue),
                              PutOption.builder().withLeaseId(lease).build()),
                          Op.put(
                              EtcdKeys.bytes(keys.guard(destination)),
                              EtcdKeys.bytes("reserved by " + agent),
                              PutOption.DEFAULT))
                      .commit(),
                  settings);
        } catch (EtcdUnavailable e) {
          registrar.drop(key);
          registrar.drop(guestKey);
          throw e;
        }
        if (taken.isSucceeded()) {
          return new Reservation(request, true, "");
        }
        registrar.drop(key);
        registrar.drop(guestKey);
      } catch (EtcdUnavailable e) {
        // Safe to repeat: a reservation this agent already holds for the guest is granted again.
        lastFailure = e;
        if (System.nanoTime() - deadline > 0) {
          break;
        }
      }
      pause(attempt);
    }
    if (lastFailure != null) {
      return admitted.contains(request.source())
          ? locally(request, key)
          : refused(request, "etcd unreachable: " + lastFailure.getMessage());
    }
    return refused(request, "etcd placement contended on " + destination + "; try again");
  }

  /**
   * A move of an evacuation that was admitted before etcd became unreachable: granted from the
   * engine's own accounting (it never plans beyond a destination's room as this agent sees it), so
   * the evacuation finishes; the reservation is written to etcd as soon as the link is back. The
   * risk: another agent that still reaches etcd may fill the same room meanwhile.
   */
  private Reservation locally(PlacementRequest request, String key) {
    Optional<Claim> mine = registrar.heldValue(keys.guest(request.vm())).flatMap(this::claimed);
    if (mine.isPresent()
        && !mine.get().reservation().equals(key)
        && registrar.heldValue(mine.get().reservation()).isPresent()) {
      return refused(
          request,
          request.vmName() + " is already on its way to " + mine.get().destination() + " (here)");
    }
    registrar.holdUnwritten(
        keys.guest(request.vm()), write(new Claim(key, request.destination(), agent)));
    registrar.holdUnwritten(
        key,
        write(
            new Held(
                request.vm(),
                request.vmName(),
                request.source(),
                request.destination(),
                request.memoryBytes(),
                request.vcpus(),
                agent,
                Instant.now())));
    log.warn(
        "etcd unreachable: {} -> {} granted locally (its evacuation was admitted); written to etcd"
            + " once the link is back",
        request.vmName(),
        request.destination());
    return new Reservation(request, true, "granted locally while etcd is unreachable");
  }

  @Override
  public void unreserve(Reservation reservation) {
    if (!reservation.granted()) {
      return;
    }
    PlacementRequest request = reservation.request();
    String destination = request.destination();
    String key = keys.reservation(destination, request.vm());
    String value = registrar.heldValue(key).orElse(null);
    registrar.drop(key);
    if (value == null) {
      return;
    }
    // The guest is no longer in flight: its claim goes at once; the room it took on the
    // destination is held until the destination has reported it (or the grace ran out).
    String guestKey = keys.guest(request.vm());
    registrar
        .heldValue(guestKey)
        .filter(claim -> claimed(claim).map(c -> c.reservation().equals(key)).orElse(false))
        .ifPresent(
            claim -> {
              registrar.drop(guestKey);
              ending.add(new Ending(guestKey, claim, destination, 0, System.nanoTime()));
            });
    long seen = directory.entry(destination).map(HostDirectory.Entry::modRevision).orElse(0L);
    ending.add(
        new Ending(
            key,
            value,
            destination,
            seen,
            System.nanoTime() + Duration.ofMillis(settings.releaseGraceMillis()).toNanos()));
  }

  /** Reservations held on this agent's behalf now (tests, diagnostics). */
  int endingCount() {
    return ending.size();
  }

  private void releaseLoop() {
    while (!closed) {
      claimLocalAdmissions();
      long now = System.nanoTime();
      for (Ending end : ending) {
        long revision =
            directory.entry(end.destination()).map(HostDirectory.Entry::modRevision).orElse(0L);
        boolean reported = revision > end.seenRevision() || revision == 0;
        if (!reported && now - end.due() < 0) {
          continue;
        }
        try {
          deleteIfUnchanged(end.key(), EtcdKeys.bytes(end.value()));
          ending.remove(end);
        } catch (EtcdUnavailable e) {
          log.debug("reservation {} not freed yet: {}", end.key(), e.getMessage());
        }
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Takes the slots of hosts admitted locally once etcd answers again; a slot that is no longer
   * free is reported (more hosts are in maintenance than allowed: the risk of {@code local}).
   */
  private void claimLocalAdmissions() {
    for (AdmissionRequest request : claimLater) {
      if (!admitted.contains(request.host())) {
        claimLater.remove(request); // its maintenance ended meanwhile
        continue;
      }
      if (registrar.leaseId() == 0) {
        return;
      }
      Admission answer = decideAdmission(request);
      if (answer.unavailable()) {
        return;
      }
      claimLater.remove(request);
      if (answer.granted()) {
        log.info(
            "{}: locally admitted maintenance recorded in etcd ({})",
            request.host(),
            answer.reason());
      } else {
        log.warn(
            "{} entered maintenance while etcd was unreachable and now exceeds the cluster's limit:"
                + " {}",
            request.host(),
            answer.reason());
      }
    }
  }

  // ---- helpers

  private boolean deleteIfUnchanged(String key, ByteSequence value) throws EtcdUnavailable {
    ByteSequence k = EtcdKeys.bytes(key);
    EtcdClients.await(
        client
            .getKVClient()
            .txn()
            .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.value(value)))
            .Then(Op.delete(k, DeleteOption.DEFAULT))
            .commit(),
        settings);
    return true;
  }

  private static Op prefix(String prefix) {
    return Op.get(EtcdKeys.bytes(prefix), GetOption.builder().isPrefix(true).build());
  }

  private Map<Integer, Slot> slots(GetResponse response) {
    Map<Integer, Slot> slots = new TreeMap<>();
    for (KeyValue kv : response.getKvs()) {
      String key = EtcdKeys.text(kv.getKey());
      int index;
      try {
        index = Integer.parseInt(key.substring(keys.slots().length()));
      } catch (NumberFormatException e) {
        continue;
      }
      read(kv, Slot.class).ifPresent(slot -> slots.put(index, slot));
    }
    return slots;
  }

  private static long modRevision(GetResponse response) {
    return response.getKvs().isEmpty() ? 0 : response.getKvs().get(0).getModRevision();
  }

  /** The claim this agent wrote, read back from its own text. */
  private Optional<Claim> claimed(String text) {
    try {
      return Optional.of(json.readValue(text, Claim.class));
    } catch (JacksonException e) {
      return Optional.empty();
    }
  }

  private <T> Optional<T> read(KeyValue kv, Class<T> type) {
    try {
      return Optional.of(json.readValue(kv.getValue().getBytes(), type));
    } catch (JacksonException e) {
      log.warn("ignoring unreadable {} at {}", type.getSimpleName(), EtcdKeys.text(kv.getKey()));
      return Optional.empty();
    }
  }

  private String write(Object value) {
    return json.writeValueAsString(value);
  }

  private static Reservation refused(PlacementRequest request, String reason) {
    return new Reservation(request, false, reason);
  }

  private static String gib(long bytes) {
    double gib = bytes / (1024.0 * 1024 * 1024);
    return gib >= 10 || gib == Math.rint(gib)
        ? Math.round(gib) + " GiB"
        : String.format(java.util.Locale.ROOT, "%.1f GiB", gib);
  }

  /** A short random pause between two tries of a contended transaction. */
  private static void pause(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, 5L << Math.min(attempt, 5)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    releaser.interrupt();
    calls.shutdownNow();
  }
}
