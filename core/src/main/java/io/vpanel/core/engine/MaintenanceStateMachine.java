package io.vpanel.core.engine;

import io.vpanel.core.journal.HostMemory;
import io.vpanel.spi.MaintenanceState;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The maintenance lifecycle of a controlled host, and the only writer of a host's state: it allows
 * exactly the transitions of the lifecycle, stamps when and why, records each one, and tells the
 * policies. Deciding whether to make a transition is left to the callers (commands, run
 * completion). Owner thread only.
 */
final class MaintenanceStateMachine {
  private static final Map<MaintenanceState, Set<MaintenanceState>> ALLOWED =
      Map.of(
          MaintenanceState.OPERATIONAL, EnumSet.of(MaintenanceState.ENTERING),
          MaintenanceState.ENTERING,
              EnumSet.of(
                  MaintenanceState.OPERATIONAL,
                  MaintenanceState.IN_MAINTENANCE,
                  MaintenanceState.FAILED),
          MaintenanceState.IN_MAINTENANCE, EnumSet.of(MaintenanceState.EXITING),
          MaintenanceState.FAILED, EnumSet.of(MaintenanceState.ENTERING, MaintenanceState.EXITING),
          MaintenanceState.EXITING, EnumSet.of(MaintenanceState.OPERATIONAL));

  private final EngineParts parts;

  MaintenanceStateMachine(EngineParts parts) {
    this.parts = parts;
  }

  /** Whether the lifecycle allows going from {@code from} to {@code to}. */
  static boolean allowed(MaintenanceState from, MaintenanceState to) {
    return ALLOWED.get(from).contains(to);
  }

  /** Moves {@code host} to {@code to}; a transition the lifecycle does not allow is a bug. */
  void transition(HostRecord host, MaintenanceState to, Origin origin, String reason) {
    MaintenanceState from = host.state;
    if (!allowed(from, to)) {
      throw new IllegalStateException(host.name() + ": " + from + " -> " + to + " is not allowed");
    }
    host.state = to;
    host.since = parts.scheduler.now();
    host.reason = reason;
    parts.activity.record(
        "maintenance",
        host.name(),
        host.name() + ": " + from + " -> " + to + (reason == null ? "" : " (" + reason + ")"),
        Map.of(
            "from",
            from.name(),
            "to",
            to.name(),
            "reason",
            reason == null ? "" : reason,
            "origin",
            origin.label()));
    parts.events.emit(new EngineEvents.StateChanged(host, from, to, origin));
  }

  /** Puts a host back in the state the journal remembers, before the engine starts. */
  void restore(HostRecord host, HostMemory memory) {
    host.state = memory.state();
    host.since = memory.since();
    host.reason = memory.reason();
  }
}
