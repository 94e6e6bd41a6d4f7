package io.vpanel.core.engine;

import io.vpanel.core.model.MigrationFailureCause;
import io.vpanel.spi.hypervisor.MigrationHandle;
import io.vpanel.spi.hypervisor.MigrationOptions;
import io.vpanel.spi.hypervisor.MigrationProgress;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.management.Coordinator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One run of moves for a host: the evacuation of ENTERING or the return of guests on EXITING.
 * Touched only on the owner thread.
 */
final class Batch {
  enum Kind {
    EVACUATE,
    RETURN
  }

  /** One guest this run has to handle. */
  static final class Item {
    final VmInfo vm;

    /** Where the guest is; a return follows it if it moved since (another host's evacuation). */
    String source;

    final String fixedDestination;
    final String plannedDestination;

    /** The features the plan chose; null when the scheduler chooses at start (returns, resumes). */
    final MigrationOptions plannedOptions;

    final Set<String> tried = new LinkedHashSet<>();
    final List<String> failures = new ArrayList<>();

    Item(VmInfo vm, String source, String fixedDestination, String plannedDestination) {
      this(vm, source, fixedDestination, plannedDestination, null);
    }

    Item(
        VmInfo vm,
        String source,
        String fixedDestination,
        String plannedDestination,
        MigrationOptions plannedOptions) {
      this.vm = vm;
      this.source = source;
      this.fixedDestination = fixedDestination;
      this.plannedDestination = plannedDestination;
      this.plannedOptions = plannedOptions;
    }

    String failureText() {
      return vm.name() + " (" + String.join("; ", failures) + ")";
    }
  }

  /** A migration in flight. */
  static final class Run {
    final Item item;
    final String destination;
    final Instant startedAt;

    /** Grows when the migration's real bandwidth turns out lower than planned. */
    Duration timeout;

    final int attempt;

    /** What this migration was asked to run with. */
    MigrationOptions options;

    /** An abort was asked for in post-copy and refused (said once in the journal). */
    boolean postCopyKept;

    /** The most migrations of its batch in flight at once while it ran (itself included). */
    int mostInFlight = 1;

    /** The coordinator's grant for this move, once given; freed when the move ends. */
    Coordinator.Reservation reservation;

    MigrationHandle handle;
    MigrationProgress progress;
    Instant lastProgressAt;
    long lastProcessed = -1;
    String abortReason;

    /** Why it was aborted, set with {@link #abortReason}. */
    MigrationFailureCause abortCause;

    /** Why it failed when it was not aborted: the hypervisor, unless the engine knows better. */
    MigrationFailureCause failureCause = MigrationFailureCause.HYPERVISOR;

    boolean finished;
    Instant lastSampleAt;
    int lastSampleTenth;

    Run(Item item, String destination, Instant startedAt, Duration timeout, int attempt) {
      this.item = item;
      this.destination = destination;
      this.startedAt = startedAt;
      this.lastProgressAt = startedAt;
      this.timeout = timeout;
      this.attempt = attempt;
    }

    long bytesLeft() {
      if (progress == null) {
        return item.vm.memoryBytes();
      }
      return progress.round() == 0
          ? Math.max(0, progress.totalBytes() - progress.processedBytes())
          : progress.remainingBytes();
    }

    long bandwidth() {
      return progress == null ? 0 : progress.bandwidthBytesPerSec();
    }
  }

  final String host;
  final Kind kind;
  final Deque<Item> pending = new ArrayDeque<>();
  final Map<String, Run> running = new LinkedHashMap<>();
  final List<Item> done = new ArrayList<>();

  final List<Item> failed = new ArrayList<>();
  int localActionsPending;

  /** Local actions not finished yet: uuid to verb (shutdown, suspend, start), for the journal. */
  final Map<String, String> localPending = new LinkedHashMap<>();

  /**
   * False until the journal holds the run durably: nothing moves before a crash could find it. A
   * run without a journal is armed at once.
   */
  boolean armed = true;

  final List<String> localFailures = new ArrayList<>();
  int vmsTotal;
  long bytesTotal;

  /** How many of this run's migrations may be in flight at once. */
  int concurrency = 1;

  boolean cancelled;
  String cancelledBy;

  Batch(String host, Kind kind) {
    this.host = host;
    this.kind = kind;
  }

  void add(Item item) {
    pending.add(item);
    vmsTotal++;
    bytesTotal += item.vm.memoryBytes();
  }

  /** Guests whose hypervisor is being asked, after a restart, whether it still migrates them. */
  int probing;

  boolean finished() {
    return pending.isEmpty() && running.isEmpty() && localActionsPending == 0 && probing == 0;
  }

  int vmsLeft() {
    return pending.size() + running.size() + localActionsPending + probing;
  }
}
