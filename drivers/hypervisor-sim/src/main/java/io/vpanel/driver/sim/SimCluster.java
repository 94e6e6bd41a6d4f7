package io.vpanel.driver.sim;

import io.vpanel.spi.DriverException;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.Subscription;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HostInventory;
import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.HypervisorListener;
import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationHandle;
import io.vpanel.spi.hypervisor.MigrationInProgress;
import io.vpanel.spi.hypervisor.MigrationListener;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationOutcome;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.MigrationStats;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A simulated cluster of hypervisor hosts: their guests, QEMU-like live migration between them
 * (pre-copy with set-up time, multifd, XBZRLE, zstd, auto-converge and post-copy, as the module's
 * README sets out), and injected faults.
 *
 * <p>Time comes only from the {@link Scheduler}, and randomness only from the seed, so a run is the
 * same every time. All state sits behind one lock, so any thread may call in; listeners are called
 * on the scheduler's thread, in the order things happened, never while the lock is held.
 */
public final class SimCluster implements AutoCloseable {
  private static final System.Logger log = System.getLogger(SimCluster.class.getName());

  /** How long a migration waits for a dropped link to come back before it fails. */
  static final Duration LINK_CONNECT_TIMEOUT = Duration.ofSeconds(1);

  /** A round that re-sends at least this share of the previous one did not converge. */
  private static final double NON_SHRINKING_RATIO = 0.95;

  // QEMU's auto-converge defaults: cpu-throttle-initial 20, -increment 10, max 99.
  private static final double FIRST_THROTTLE = 0.20;
  private static final double THROTTLE_STEP = 0.10;
  private static final double MAX_THROTTLE = 0.99;

  private static final long PAGE_BYTES = 4 * Sizes.KIB;
  private static final int MAX_ROUNDS_PER_TICK = 10_000;

  /** The guest's pause at a post-copy switch: CPU and device state only. */
  static final Duration POST_COPY_PAUSE = Duration.ofMillis(20);

  private final Scheduler scheduler;
  private final Duration tick;
  private final int maxRounds;
  private final SimMigrationModel model;
  private final Instant epoch;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Host> hosts;
  private final Map<String, Guest> guests;
  private final Map<Long, Migration> migrations = new LinkedHashMap<>();
  private final Set<String> droppedLinks = new HashSet<>();
  private final ConcurrentLinkedQueue<Runnable> outbox = new ConcurrentLinkedQueue<>();
  private long migrationsStarted;
  private long bytesSent;
  private Scheduler.Cancellable pendingTick;
  private boolean closed;

  private SimCluster(Builder builder) {
    this.scheduler = builder.scheduler;
    this.tick = builder.tick;
    this.maxRounds = builder.maxRounds;
    this.model = builder.model;
    this.epoch = scheduler.now();
    this.hosts = builder.hosts;
    this.guests = builder.guests;
  }

  /** A cluster generated from {@code settings}: the shape the demo and benchmarks run. */
  public static SimCluster generate(SimSettings settings, Scheduler scheduler) {
    return ClusterGenerator.generate(settings, scheduler);
  }

  /** Starts an exact cluster, host by host and guest by guest. */
  public static Builder builder(Scheduler scheduler) {
    return new Builder(scheduler);
  }

  // ---------------------------------------------------------------- queries

  public List<String> hostNames() {
    return read(() -> List.copyOf(hosts.keySet()));
  }

  public HostCapacity capacity(String host) {
    return read(() -> host(host).capacity);
  }

  public boolean isAlive(String host) {
    return read(() -> host(host).alive);
  }

  /** The host a guest is recorded on, alive or not; empty for an unknown uuid. */
  public Optional<String> hostOf(String uuid) {
    return read(() -> Optional.ofNullable(guests.get(uuid)).map(guest -> guest.host));
  }

  /** The guests recorded on {@code host}, whether it is alive or not, by name. */
  public List<VmInfo> vmsOn(String host) {
    return read(
        () -> {
          host(host);
          return guestsOn(host).stream().map(Guest::info).toList();
        });
  }

  public List<VmInfo> allVms() {
    return read(() -> guests.values().stream().map(Guest::info).toList());
  }

  /** Memory still free for guests on {@code host}, net of migrations arriving there. */
  public long freeMemory(String host) {
    return read(() -> freeMemory(host(host)));
  }

  public int freeVcpus(String host) {
    return read(() -> freeVcpus(host(host)));
  }

  /** Every byte every migration has sent, re-sent pages included. */
  public long totalBytesSent() {
    return read(() -> bytesSent);
  }

  public int activeMigrations() {
    return read(migrations::size);
  }

  public Duration tick() {
    return tick;
  }

  public int maxRounds() {
    return maxRounds;
  }

  /** The constants of the migration features: set-up time, compression, post-copy switch. */
  public SimMigrationModel model() {
    return model;
  }

  /** The migration features {@code host} offers now. */
  public Set<MigrationFeature> migrationFeatures(String host) {
    return read(() -> Set.copyOf(host(host).features));
  }

  // ---------------------------------------------------------------- faults

  /**
   * The host dies: its connections fail, its subscribers hear it, and migrations to or from it fail
   * at the next tick. Its own guests stay recorded on it.
   */
  public void killHost(String name) {
    mutate(
        () -> {
          Host host = host(name);
          if (host.alive) {
            host.alive = false;
            emit(host, new HypervisorEvent.ConnectionChanged(name, now(), false, "host died"));
          }
        });
  }

  /** The host comes back with the guests it had, like a healed network partition. */
  public void reviveHost(String name) {
    mutate(
        () -> {
          Host host = host(name);
          if (!host.alive) {
            host.alive = true;
            emit(host, new HypervisorEvent.ConnectionChanged(name, now(), true, "host is back"));
          }
        });
  }

  /**
   * Cuts the migration network between two hosts: migrations between them fail at the next tick;
   * new ones fail after {@link #LINK_CONNECT_TIMEOUT} unless the link comes back first.
   */
  public void dropLink(String a, String b) {
    mutate(() -> droppedLinks.add(linkName(host(a).name, host(b).name)));
  }

  public void restoreLink(String a, String b) {
    mutate(() -> droppedLinks.remove(linkName(host(a).name, host(b).name)));
  }

  /**
   * From now on the guest re-dirties at least its working set in every round, throttled or not, and
   * never fits in the downtime limit: its migrations run until aborted, or fail at the round limit
   * without auto-converge.
   */
  public void neverConverge(String uuid) {
    mutate(
        () -> {
          Guest guest = guests.get(uuid);
          if (guest == null) {
            throw new IllegalArgumentException("no guest with uuid " + uuid);
          }
          guest.neverConverges = true;
        });
  }

  /**
   * From now on {@code host} offers only {@code features} (an upgrade or downgrade of its
   * hypervisor): a migration that asks for another falls back to running without it.
   */
  public void offerMigrationFeatures(String host, Set<MigrationFeature> features) {
    Set<MigrationFeature> offered = EnumSet.noneOf(MigrationFeature.class);
    offered.addAll(features);
    mutate(() -> host(host).features = offered);
  }

  /**
   * From now on {@code host} reports {@code share} of its CPU idle ({@link
   * HostInventory#cpuIdleShare()}; {@link HostInventory#CPU_UNKNOWN} until set): the simulator does
   * not model what its guests compute, so a test or a scenario says how busy a host is.
   */
  public void setCpuIdleShare(String host, double share) {
    if (!HostInventory.isCpuIdleShare(share)) {
      throw new IllegalArgumentException("a CPU idle share is -1 or in [0, 1]: " + share);
    }
    mutate(() -> host(host).cpuIdleShare = share);
  }

  /** The guest's owner allows post-copy ({@link VmInfo#postCopyAllowed()}). */
  public void allowPostCopy(String uuid) {
    mutate(
        () -> {
          Guest guest = guests.get(uuid);
          if (guest == null) {
            throw new IllegalArgumentException("no guest with uuid " + uuid);
          }
          guest.postCopyAllowed = true;
        });
  }

  /** Ends every migration as failed and stops ticking. */
  @Override
  public void close() {
    mutate(
        () -> {
          closed = true;
          for (Migration migration : List.copyOf(migrations.values())) {
            if (migration.phase == Phase.POST_COPY) {
              lose(migration, "the simulator shut down during post-copy");
            } else {
              finish(migration, migration.failure("the simulator shut down"));
            }
          }
        });
  }

  // ---------------------------------------------------------------- what connections do

  HostInventory inventory(String hostName) {
    return read(
        () -> {
          Host host = reachable(hostName);
          return new HostInventory(
              host.name,
              host.capacity,
              guestsOn(hostName).stream().map(Guest::info).toList(),
              host.features,
              host.cpuIdleShare);
        });
  }

  Subscription subscribe(String hostName, HypervisorListener listener) {
    Objects.requireNonNull(listener, "listener");
    Subscriber subscriber = new Subscriber(listener);
    mutate(() -> host(hostName).subscribers.add(subscriber));
    return () -> {
      subscriber.active = false;
      mutate(() -> host(hostName).subscribers.remove(subscriber));
    };
  }

  void shutdown(String hostName, String uuid) {
    changeState(hostName, uuid, VmState.SHUTOFF, "shut down");
  }

  void suspend(String hostName, String uuid) {
    changeState(hostName, uuid, VmState.SUSPENDED, "suspend");
  }

  void start(String hostName, String uuid) {
    changeState(hostName, uuid, VmState.RUNNING, "start");
  }

  private void changeState(String hostName, String uuid, VmState target, String verb) {
    mutate(
        () -> {
          Host host = reachable(hostName);
          Guest guest = guestOn(host, uuid);
          if (guest.migration != null) {
            throw new DriverException(
                "cannot " + verb + " " + guest.spec.name() + ": it is migrating");
          }
          boolean wantsRunning = target == VmState.RUNNING;
          if (wantsRunning == guest.state.isRunning()) {
            throw new DriverException(
                "cannot " + verb + " " + guest.spec.name() + ": it is " + label(guest.state));
          }
          if (wantsRunning
              && (freeMemory(host) < guest.spec.memoryBytes()
                  || freeVcpus(host) < guest.spec.vcpus())) {
            throw new DriverException(
                "cannot start "
                    + guest.spec.name()
                    + " on "
                    + host.name
                    + ": "
                    + roomShortage(host, guest));
          }
          guest.state = target;
          emit(host, new HypervisorEvent.VmChanged(host.name, now(), guest.info()));
        });
  }

  /**
   * Starts a live migration. Problems with the connection itself (closed, host down) throw {@link
   * DriverException}; everything about the guest or the destination ends the migration at once
   * through {@link MigrationListener#onFinished}, as a hypervisor's migration job would.
   */
  MigrationHandle migrate(
      String sourceName,
      String uuid,
      String destinationName,
      MigrationOptions options,
      MigrationListener listener) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(listener, "listener");
    return mutate(
        () -> {
          Host source = reachable(sourceName);
          if (closed) {
            throw new DriverException("the simulator is shut down");
          }
          String refusal = refusal(source, uuid, destinationName);
          if (refusal != null) {
            MigrationOutcome outcome = MigrationOutcome.failure(refusal, 0, 0);
            outbox.add(() -> listener.onFinished(outcome));
            return () -> {};
          }
          Guest guest = guests.get(uuid);
          Host destination = hosts.get(destinationName);
          List<String> fallback = new ArrayList<>();
          MigrationOptions agreed = negotiate(options, source, destination, fallback);
          Migration migration =
              new Migration(
                  migrationsStarted++,
                  guest,
                  source,
                  destination,
                  agreed,
                  String.join("; ", fallback),
                  listener);
          guest.migration = migration;
          destination.reservedMemory += guest.spec.memoryBytes();
          destination.reservedVcpus += guest.spec.vcpus();
          migrations.put(migration.id, migration);
          if (pendingTick == null) {
            pendingTick = scheduler.schedule(tick, this::onTick);
          }
          return () -> abort(migration);
        });
  }

  /**
   * The migration of {@code uuid} away from {@code sourceName} still running, if any; its progress
   * and end go to {@code listener} from now on (an agent that restarted takes it over).
   */
  Optional<MigrationInProgress> reattach(
      String sourceName, String uuid, MigrationListener listener) {
    Objects.requireNonNull(listener, "listener");
    return mutate(
        () -> {
          Host source = reachable(sourceName);
          Guest guest = guests.get(uuid);
          if (guest == null || guest.migration == null || guest.migration.source != source) {
            return Optional.<MigrationInProgress>empty();
          }
          Migration migration = guest.migration;
          migration.listener = listener;
          return Optional.of(
              new MigrationInProgress(migration.destination.name, () -> abort(migration)));
        });
  }

  private String refusal(Host source, String uuid, String destinationName) {
    Guest guest = guests.get(uuid);
    if (guest == null || !guest.host.equals(source.name)) {
      return "no guest with uuid " + uuid + " on " + source.name;
    }
    String name = guest.spec.name();
    Host destination = hosts.get(destinationName);
    if (destination == null) {
      return "cannot migrate "
          + name
          + ": unknown destination host '"
          + destinationName
          + "' (known: "
          + String.join(", ", hosts.keySet())
          + ")";
    }
    if (destination == source) {
      return "cannot migrate " + name + ": it already runs on " + source.name;
    }
    if (guest.migration != null) {
      return "cannot migrate " + name + ": it is already migrating";
    }
    if (guest.state != VmState.RUNNING) {
      return "cannot migrate "
          + name
          + ": it is "
          + label(guest.state)
          + " and only a running guest migrates live";
    }
    if (!destination.alive) {
      return "cannot migrate " + name + ": destination host " + destination.name + " is down";
    }
    if (freeMemory(destination) < guest.spec.memoryBytes()
        || freeVcpus(destination) < guest.spec.vcpus()) {
      return "cannot migrate "
          + name
          + ": destination "
          + destination.name
          + " "
          + roomShortage(destination, guest);
    }
    return null;
  }

  private void abort(Migration migration) {
    mutate(
        () -> {
          if (migrations.containsKey(migration.id)) {
            if (migration.phase == Phase.POST_COPY) {
              // As libvirt does: the guest runs on the destination already, and cancelling would
              // lose it; the migration goes on.
              log.log(
                  System.Logger.Level.INFO,
                  "abort of "
                      + migration.guest.spec.name()
                      + " refused: it is in post-copy, an abort would lose it");
            } else {
              finish(migration, migration.failure("aborted"));
            }
          }
        });
  }

  /**
   * Agrees the migration's features with both peers, as a hypervisor does at start: a feature that
   * either host does not offer is dropped ({@link MigrationOptions#without}) and said in {@code
   * fallback}.
   */
  private MigrationOptions negotiate(
      MigrationOptions requested, Host source, Host destination, List<String> fallback) {
    MigrationOptions options = requested;
    for (MigrationFeature feature : MigrationFeature.values()) {
      if (!options.features().contains(feature)) {
        continue;
      }
      Host refuser =
          !source.features.contains(feature)
              ? source
              : !destination.features.contains(feature) ? destination : null;
      if (refuser != null) {
        boolean dropsZstd =
            feature == MigrationFeature.MULTIFD
                && options.compression() == MigrationOptions.Compression.ZSTD;
        fallback.add(
            feature.label()
                + " refused by "
                + refuser.name
                + "; ran without it"
                + (dropsZstd ? " (and without zstd, which needs multifd)" : ""));
        options = options.without(feature);
      }
    }
    if (options.compression() == MigrationOptions.Compression.XBZRLE
        && options.parallelConnections() > 1) {
      fallback.add(
          "xbzrle refused by "
              + source.name
              + " over multifd (it needs a single stream); ran without it");
      options = options.without(MigrationFeature.XBZRLE);
    }
    return options;
  }

  // ---------------------------------------------------------------- the migration engine

  private void onTick() {
    mutate(
        () -> {
          pendingTick = null;
          Instant now = now();
          failBrokenMigrations(now);
          advanceMigrations(now);
          for (Migration migration : migrations.values()) {
            MigrationProgress progress = migration.progress(now);
            outbox.add(() -> migration.listener.onProgress(progress));
          }
          if (!migrations.isEmpty()) {
            pendingTick = scheduler.schedule(tick, this::onTick);
          }
        });
  }

  private void failBrokenMigrations(Instant now) {
    for (Migration migration : List.copyOf(migrations.values())) {
      String link = migration.link;
      boolean postCopy = migration.phase == Phase.POST_COPY;
      if (!migration.source.alive) {
        if (postCopy) {
          lose(
              migration,
              "source host " + migration.source.name + " died after the post-copy switch");
        } else {
          finish(migration, migration.failure("source host " + migration.source.name + " died"));
        }
      } else if (!migration.destination.alive) {
        if (postCopy) {
          lose(
              migration,
              "destination host "
                  + migration.destination.name
                  + " died after the post-copy switch");
        } else {
          finish(
              migration,
              migration.failure("destination host " + migration.destination.name + " died"));
        }
      } else if (droppedLinks.contains(link)) {
        if (postCopy) {
          lose(migration, "post-copy link " + link + " failed after the switch");
        } else if (migration.connected) {
          finish(migration, migration.failure("migration link " + link + " dropped"));
        } else if (Duration.between(migration.startedAt, now).compareTo(LINK_CONNECT_TIMEOUT)
            >= 0) {
          finish(
              migration,
              migration.failure(
                  "cannot reach "
                      + migration.destination.name
                      + ": migration link "
                      + link
                      + " dropped"));
        }
      }
    }
  }

  private void advanceMigrations(Instant now) {
    double at = seconds(now);
    Map<Host, Integer> leaving = new LinkedHashMap<>();
    Map<Host, Integer> arriving = new LinkedHashMap<>();
    List<Migration> flowing = new ArrayList<>();
    for (Migration migration : migrations.values()) {
      if (droppedLinks.contains(migration.link)) {
        migration.stall(at);
        continue;
      }
      migration.connected = true;
      if (migration.phase == Phase.SETUP && !migration.setUp(at)) {
        continue;
      }
      flowing.add(migration);
      leaving.merge(migration.source, 1, Integer::sum);
      arriving.merge(migration.destination, 1, Integer::sum);
    }
    for (Migration migration : flowing) {
      HostCapacity from = migration.source.capacity;
      HostCapacity to = migration.destination.capacity;
      double stream = Math.min(from.streamBytesPerSec(), to.streamBytesPerSec());
      double nicShare =
          Math.min(
              (double) from.nicBytesPerSec() / leaving.get(migration.source),
              (double) to.nicBytesPerSec() / arriving.get(migration.destination));
      long cap = migration.options.bandwidthBytesPerSec();
      double limit = cap > 0 ? Math.min(nicShare, cap) : nicShare;
      double allStreams = Math.min(stream * migration.options.parallelConnections(), limit);
      double oneStream = Math.min(stream, limit);
      transfer(migration, allStreams, oneStream, at);
    }
  }

  /**
   * Sends what the link allows since the last tick, ending as many rounds as fit. {@code wire} is
   * the rate on the wire with all of the migration's connections, {@code oneStream} with one (what
   * post-copy pulls pages at).
   */
  private void transfer(Migration migration, double wire, double oneStream, double now) {
    double budget = now - migration.lastUpdate;
    migration.lastUpdate = now;
    migration.noteDirtyRate();
    for (int rounds = 0; budget > 0 && rounds < MAX_ROUNDS_PER_TICK; rounds++) {
      if (migration.phase == Phase.POST_COPY) {
        migration.bandwidth = oneStream;
        double canPull = budget * oneStream;
        if (migration.roundRemaining > canPull) {
          migration.send((long) canPull, 1);
          return;
        }
        double end = now - budget + migration.roundRemaining / oneStream;
        migration.send(migration.roundRemaining, 1);
        finishPostCopy(migration, end);
        return;
      }
      double ratio = migration.ratio(migration.round);
      double pages = migration.pageRate(wire, migration.round);
      migration.bandwidth = pages / ratio;
      double canSend = budget * pages;
      if (migration.roundRemaining > canSend) {
        migration.send((long) canSend, ratio);
        return;
      }
      budget -= migration.roundRemaining / pages;
      migration.send(migration.roundRemaining, ratio);
      endRound(migration, wire, now - budget);
      if (!migrations.containsKey(migration.id)) {
        return;
      }
    }
  }

  private void endRound(Migration migration, double wire, double roundEnd) {
    Guest guest = migration.guest;
    long workingSet = guest.spec.workingSetBytes();
    double downtimeSeconds = migration.options.maxDowntime().toNanos() / 1e9;
    int next = migration.round + 1;
    // The rate the next round (or the final copy) moves memory at: re-sent pages, so XBZRLE counts.
    double nextPages = migration.pageRate(wire, next);
    long dirtied;
    if (guest.neverConverges) {
      long neverFits = (long) Math.ceil(nextPages * downtimeSeconds) + PAGE_BYTES;
      dirtied = Math.max(workingSet, neverFits);
    } else {
      double roundSeconds = roundEnd - migration.roundStart;
      dirtied = (long) Math.min(workingSet, migration.effectiveDirtyRate() * roundSeconds);
      if (dirtied <= nextPages * downtimeSeconds) {
        migration.send(dirtied, migration.ratio(next));
        Duration downtime = Duration.ofNanos(Math.round(dirtied / nextPages * 1e9));
        switchOver(migration, downtime, roundEnd);
        return;
      }
    }
    int roundsDone = next;
    if (migration.options.postCopy()
        && roundsDone >= Math.min(model.postCopyAfterRounds(), maxRounds)) {
      startPostCopy(migration, dirtied, roundEnd);
      return;
    }
    boolean shrinking = dirtied < NON_SHRINKING_RATIO * migration.roundSize;
    boolean atRoundLimit = roundsDone >= maxRounds;
    if (migration.options.autoConverge() && (atRoundLimit || !shrinking)) {
      migration.throttle =
          migration.throttle == 0
              ? FIRST_THROTTLE
              : Math.min(MAX_THROTTLE, migration.throttle + THROTTLE_STEP);
      migration.throttled = true;
    } else if (!migration.options.autoConverge() && atRoundLimit) {
      finish(migration, migration.failure("not converging after " + roundsDone + " rounds"));
      return;
    }
    migration.startRound(roundsDone, dirtied, roundEnd);
  }

  private void switchOver(Migration migration, Duration downtime, double at) {
    Guest guest = migration.guest;
    Instant now = now();
    guest.host = migration.destination.name;
    finish(
        migration,
        MigrationOutcome.success(migration.processed, migration.round + 1, downtime)
            .withStats(migration.stats(at)));
    emit(
        migration.source,
        new HypervisorEvent.VmGone(migration.source.name, now, guest.uuid, guest.spec.name()));
    emit(migration.destination, new HypervisorEvent.VmChanged(guest.host, now, guest.info()));
  }

  /**
   * Post-copy: the guest stops on the source, resumes on the destination after a short pause and
   * fetches the {@code remaining} bytes it still lacks; it no longer dirties pages the source must
   * re-send. From here until the last page arrives, a failure loses the guest.
   */
  private void startPostCopy(Migration migration, long remaining, double at) {
    Guest guest = migration.guest;
    Instant now = now();
    migration.phase = Phase.POST_COPY;
    migration.roundSize = remaining;
    migration.roundRemaining = remaining;
    migration.releaseReservation();
    guest.host = migration.destination.name;
    emit(
        migration.source,
        new HypervisorEvent.VmGone(migration.source.name, now, guest.uuid, guest.spec.name()));
    emit(migration.destination, new HypervisorEvent.VmChanged(guest.host, now, guest.info()));
    migration.switchedAt = at;
  }

  private void finishPostCopy(Migration migration, double at) {
    finish(
        migration,
        MigrationOutcome.success(migration.processed, migration.round + 1, POST_COPY_PAUSE)
            .withStats(migration.stats(at)));
  }

  /**
   * A post-copy migration failed after the switch: neither side has all of the guest's memory, so
   * the guest is gone, as a real hypervisor reports it: crashed on the destination.
   */
  private void lose(Migration migration, String why) {
    Guest guest = migration.guest;
    String reason = guest.spec.name() + " lost: " + why;
    guest.state = VmState.CRASHED;
    finish(migration, migration.failure(reason));
    if (migration.destination.alive) {
      emit(
          migration.destination,
          new HypervisorEvent.VmChanged(migration.destination.name, now(), guest.info()));
    }
  }

  private void finish(Migration migration, MigrationOutcome outcome) {
    migrations.remove(migration.id);
    migration.guest.migration = null;
    migration.releaseReservation();
    outbox.add(() -> migration.listener.onFinished(outcome));
    if (migrations.isEmpty() && pendingTick != null) {
      pendingTick.cancel();
      pendingTick = null;
    }
  }

  // ---------------------------------------------------------------- plumbing

  private <T> T read(Supplier<T> query) {
    lock.lock();
    try {
      return query.get();
    } finally {
      lock.unlock();
    }
  }

  private void mutate(Runnable change) {
    mutate(
        () -> {
          change.run();
          return null;
        });
  }

  /** Changes state under the lock, then hands what listeners must hear to the scheduler. */
  private <T> T mutate(Supplier<T> change) {
    lock.lock();
    try {
      return change.get();
    } finally {
      lock.unlock();
      if (!outbox.isEmpty()) {
        scheduler.execute(this::deliver);
      }
    }
  }

  /**
   * Runs on the scheduler's thread. Callbacks were queued under the lock, so draining the queue in
   * order delivers them in the order things happened, whichever thread caused them.
   */
  private void deliver() {
    Runnable callback;
    while ((callback = outbox.poll()) != null) {
      try {
        callback.run();
      } catch (RuntimeException | Error e) {
        if (!outbox.isEmpty()) {
          scheduler.execute(this::deliver);
        }
        throw e;
      }
    }
  }

  private void emit(Host host, HypervisorEvent event) {
    for (Subscriber subscriber : host.subscribers) {
      outbox.add(
          () -> {
            if (subscriber.active) {
              subscriber.listener.onEvent(event);
            }
          });
    }
  }

  private Instant now() {
    return scheduler.now();
  }

  private double seconds(Instant instant) {
    return Duration.between(epoch, instant).toNanos() / 1e9;
  }

  private Host host(String name) {
    Host host = hosts.get(name);
    if (host == null) {
      throw new IllegalArgumentException(
          "unknown host '" + name + "' (known: " + String.join(", ", hosts.keySet()) + ")");
    }
    return host;
  }

  private Host reachable(String name) {
    Host host = host(name);
    if (!host.alive) {
      throw new DriverException("cannot reach " + name + ": the host is down");
    }
    return host;
  }

  private Guest guestOn(Host host, String uuid) {
    Guest guest = guests.get(uuid);
    if (guest == null || !guest.host.equals(host.name)) {
      throw new DriverException("no guest with uuid " + uuid + " on " + host.name);
    }
    return guest;
  }

  private List<Guest> guestsOn(String hostName) {
    return guests.values().stream()
        .filter(guest -> guest.host.equals(hostName))
        .sorted((a, b) -> a.spec.name().compareTo(b.spec.name()))
        .toList();
  }

  private long freeMemory(Host host) {
    long used = 0;
    for (Guest guest : guestsOn(host.name)) {
      used += VmSpec.occupiesHost(guest.state) ? guest.spec.memoryBytes() : 0;
    }
    return host.capacity.memoryBytes() - used - host.reservedMemory;
  }

  private int freeVcpus(Host host) {
    int used = 0;
    for (Guest guest : guestsOn(host.name)) {
      used += VmSpec.occupiesHost(guest.state) ? guest.spec.vcpus() : 0;
    }
    return host.capacity.vcpus() - used - host.reservedVcpus;
  }

  private String roomShortage(Host host, Guest guest) {
    return "lacks room: needs "
        + Sizes.describe(guest.spec.memoryBytes())
        + " and "
        + guest.spec.vcpus()
        + " vCPUs, has "
        + Sizes.describe(Math.max(0, freeMemory(host)))
        + " and "
        + Math.max(0, freeVcpus(host))
        + " vCPUs free";
  }

  private static String linkName(String a, String b) {
    return a.compareTo(b) <= 0 ? a + "<->" + b : b + "<->" + a;
  }

  private static String label(VmState state) {
    return state.name().toLowerCase(Locale.ROOT);
  }

  // ---------------------------------------------------------------- state

  private static final class Host {
    final String name;
    final HostCapacity capacity;
    final List<Subscriber> subscribers = new ArrayList<>();
    Set<MigrationFeature> features;
    double cpuIdleShare = HostInventory.CPU_UNKNOWN;
    boolean alive = true;
    long reservedMemory;
    int reservedVcpus;

    Host(String name, HostCapacity capacity, Set<MigrationFeature> features) {
      this.name = name;
      this.capacity = capacity;
      this.features = EnumSet.noneOf(MigrationFeature.class);
      this.features.addAll(features);
    }
  }

  private static final class Guest {
    final String uuid;
    final VmSpec spec;
    String host;
    VmState state;
    Migration migration;
    boolean neverConverges;
    boolean postCopyAllowed;

    Guest(String uuid, VmSpec spec, String host) {
      this.uuid = uuid;
      this.spec = spec;
      this.host = host;
      this.state = spec.state();
    }

    VmInfo info() {
      return new VmInfo(
          uuid,
          spec.name(),
          state,
          spec.memoryBytes(),
          spec.vcpus(),
          spec.dirtyRateBytesPerSec(),
          spec.policy(),
          postCopyAllowed);
    }
  }

  private static final class Subscriber {
    final HypervisorListener listener;
    volatile boolean active = true;

    Subscriber(HypervisorListener listener) {
      this.listener = listener;
    }
  }

  /**
   * Where a migration is: connecting, pre-copy rounds, or pulling pages after a post-copy switch.
   */
  private enum Phase {
    SETUP,
    PRE_COPY,
    POST_COPY
  }

  /** One running migration; times are seconds since the cluster's epoch. */
  private final class Migration {
    final long id;
    final Guest guest;
    final Host source;
    final Host destination;
    final String link;

    /** The options the migration runs with: the requested ones minus what a peer refused. */
    final MigrationOptions options;

    /** What a peer refused, for {@link MigrationStats#fallback()}. */
    final String fallback;

    final double zstdRatio;
    MigrationListener listener;
    final Instant startedAt;
    final double startSeconds;
    Phase phase = Phase.SETUP;
    double setupLeft;
    double setupEnd = Double.NaN;
    double switchedAt = Double.NaN;
    boolean connected;
    boolean reserved = true;
    double lastUpdate;
    double roundStart;
    int round;
    long roundSize;
    long roundRemaining;
    long processed;
    double throttle;
    boolean throttled;
    double bandwidth;
    double peakDirtyRate;

    Migration(
        long id,
        Guest guest,
        Host source,
        Host destination,
        MigrationOptions options,
        String fallback,
        MigrationListener listener) {
      this.id = id;
      this.guest = guest;
      this.source = source;
      this.destination = destination;
      this.link = linkName(source.name, destination.name);
      this.options = options;
      this.fallback = fallback;
      this.zstdRatio = model.zstdRatio(guest.spec.dirtyRateBytesPerSec());
      this.listener = listener;
      this.startedAt = now();
      this.startSeconds = seconds(startedAt);
      this.setupLeft = model.setup().toNanos() / 1e9;
      this.lastUpdate = startSeconds;
      this.roundStart = lastUpdate;
      this.roundSize = guest.spec.memoryBytes();
      this.roundRemaining = roundSize;
    }

    /** Nothing moves while the link is down; set-up and the first round start once it is up. */
    void stall(double now) {
      lastUpdate = now;
      bandwidth = 0;
      if (!connected) {
        roundStart = now;
      }
    }

    /**
     * Spends the time since the last tick on set-up; true when set-up is over and the first round
     * has begun (at the exact moment set-up ended).
     */
    boolean setUp(double now) {
      double elapsed = now - lastUpdate;
      if (elapsed < setupLeft) {
        setupLeft -= elapsed;
        lastUpdate = now;
        bandwidth = 0;
        return false;
      }
      lastUpdate += setupLeft;
      setupLeft = 0;
      setupEnd = lastUpdate;
      roundStart = lastUpdate;
      phase = Phase.PRE_COPY;
      return true;
    }

    /** Sends {@code pages} bytes of memory, which cross the wire {@code ratio} times smaller. */
    void send(long pages, double ratio) {
      roundRemaining -= Math.min(pages, roundRemaining);
      long wire = ratio == 1 ? pages : Math.round(pages / ratio);
      processed += wire;
      bytesSent += wire;
    }

    /** How much smaller memory of round {@code n} goes on the wire. */
    double ratio(int n) {
      return switch (options.compression()) {
        case NONE -> 1;
        case XBZRLE -> n == 0 ? 1 : model.xbzrleRatio();
        case ZSTD -> zstdRatio;
      };
    }

    /**
     * The guest memory per second round {@code n} moves when the wire carries {@code wire}: more
     * than the wire when pages are compressed, capped by the compressors' CPU for zstd.
     */
    double pageRate(double wire, int n) {
      double pages = wire * ratio(n);
      if (options.compression() == MigrationOptions.Compression.ZSTD) {
        pages =
            Math.min(pages, options.parallelConnections() * model.zstdBytesPerSecPerConnection());
      }
      return pages;
    }

    void startRound(int number, long size, double at) {
      round = number;
      roundSize = size;
      roundRemaining = size;
      roundStart = at;
    }

    double effectiveDirtyRate() {
      return guest.spec.dirtyRateBytesPerSec() * (1 - throttle);
    }

    void noteDirtyRate() {
      peakDirtyRate = Math.max(peakDirtyRate, effectiveDirtyRate());
    }

    void releaseReservation() {
      if (reserved) {
        reserved = false;
        destination.reservedMemory -= guest.spec.memoryBytes();
        destination.reservedVcpus -= guest.spec.vcpus();
      }
    }

    MigrationProgress progress(Instant at) {
      return new MigrationProgress(
          processed,
          roundRemaining,
          guest.spec.memoryBytes(),
          Math.round(effectiveDirtyRate()),
          round,
          Math.round(bandwidth),
          at,
          !Double.isNaN(switchedAt));
    }

    /** What the hypervisor measured when the migration ended at {@code end}. */
    MigrationStats stats(double end) {
      double sendingFrom = Double.isNaN(setupEnd) ? end : setupEnd;
      double transferSeconds = Math.max(0, end - sendingFrom);
      Set<MigrationFeature> used = EnumSet.noneOf(MigrationFeature.class);
      used.addAll(options.features());
      if (!throttled) {
        used.remove(MigrationFeature.AUTO_CONVERGE);
      }
      if (Double.isNaN(switchedAt)) {
        used.remove(MigrationFeature.POST_COPY);
      }
      return new MigrationStats(
          Duration.ofNanos(Math.round((sendingFrom - startSeconds) * 1e9)),
          Duration.ofNanos(Math.round(transferSeconds * 1e9)),
          transferSeconds > 0 ? Math.round(processed / transferSeconds) : 0,
          Math.round(peakDirtyRate),
          used,
          fallback);
    }

    MigrationOutcome failure(String reason) {
      return MigrationOutcome.failure(reason, processed, round + 1)
          .withStats(stats(seconds(now())));
    }
  }

  // ---------------------------------------------------------------- building

  /** Builds an exact cluster; guests get uuids from the seed, in the order they are added. */
  public static final class Builder {
    private final Scheduler scheduler;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final Map<String, Guest> guests = new LinkedHashMap<>();
    private final Set<String> vmNames = new HashSet<>();
    private Random uuidSource = new Random(SimSettings.DEFAULT_SEED);
    private Duration tick = Duration.ofMillis(SimSettings.DEFAULT_TICK_MILLIS);
    private int maxRounds = SimSettings.DEFAULT_MAX_ROUNDS;
    private SimMigrationModel model = SimMigrationModel.defaults().withSetup(Duration.ZERO);
    private Set<MigrationFeature> features = EnumSet.allOf(MigrationFeature.class);
    private boolean built;

    private Builder(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    /** Seeds the guests' uuids; call before adding guests. */
    public Builder seed(long seed) {
      uuidSource = new Random(seed);
      return this;
    }

    public Builder tick(Duration newTick) {
      if (newTick.isNegative() || newTick.isZero()) {
        throw new IllegalArgumentException("tick must be positive, was " + newTick);
      }
      tick = newTick;
      return this;
    }

    public Builder maxRounds(int rounds) {
      if (rounds < 1) {
        throw new IllegalArgumentException("maxRounds must be at least 1, was " + rounds);
      }
      maxRounds = rounds;
      return this;
    }

    /**
     * The migration features' constants. An exact cluster starts with {@link
     * SimMigrationModel#defaults()} but no set-up time, so its timings are what the test declares.
     */
    public Builder model(SimMigrationModel newModel) {
      model = Objects.requireNonNull(newModel, "model");
      return this;
    }

    /** How long each migration holds its slot before it sends anything; none by default. */
    public Builder setup(Duration setup) {
      return model(model.withSetup(setup));
    }

    /** The migration features the hosts declared after this offer; all five by default. */
    public Builder migrationFeatures(Set<MigrationFeature> offered) {
      features = Set.copyOf(offered);
      return this;
    }

    /** A host offering the migration features of {@link #migrationFeatures}. */
    public Builder host(String name, HostCapacity capacity) {
      return host(name, capacity, features);
    }

    /** A host offering exactly {@code offered}. */
    public Builder host(String name, HostCapacity capacity, Set<MigrationFeature> offered) {
      Objects.requireNonNull(capacity, "capacity");
      Objects.requireNonNull(offered, "offered");
      if (hosts.putIfAbsent(name, new Host(name, capacity, offered)) != null) {
        throw new IllegalArgumentException("host " + name + " is declared twice");
      }
      return this;
    }

    /** Adds guests to {@code host}; the builder does not check that they fit. */
    public Builder vm(String host, VmSpec... specs) {
      if (!hosts.containsKey(host)) {
        throw new IllegalArgumentException("declare host " + host + " before its guests");
      }
      for (VmSpec spec : specs) {
        if (!vmNames.add(spec.name())) {
          throw new IllegalArgumentException("VM " + spec.name() + " is declared twice");
        }
        String uuid = nextUuid().toString();
        guests.put(uuid, new Guest(uuid, spec, host));
      }
      return this;
    }

    private UUID nextUuid() {
      long high = (uuidSource.nextLong() & ~0xF000L) | 0x4000L;
      long low = (uuidSource.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
      return new UUID(high, low);
    }

    public SimCluster build() {
      if (built) {
        throw new IllegalStateException("a builder builds one cluster");
      }
      built = true;
      if (hosts.isEmpty()) {
        throw new IllegalArgumentException("a cluster needs at least one host");
      }
      return new SimCluster(this);
    }
  }
}
