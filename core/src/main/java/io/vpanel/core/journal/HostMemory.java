package io.vpanel.core.journal;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.alert.HardwareAlert;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What the engine must remember of one controlled host to carry on after a crash: its maintenance
 * state and, while it evacuates or returns guests, the moves of that run.
 *
 * @param host the host
 * @param state its maintenance state
 * @param since when it entered that state
 * @param reason why (may be null)
 * @param planSummary the last plan's summary (may be null)
 * @param evacuatedTo guests the evacuation moved out: uuid to the host they went to
 * @param stoppedByUs guests the evacuation shut down or suspended
 * @param batch the run in progress, or null
 * @param activeAlerts hardware alerts asserted and not cleared, which PFA protect acts on
 * @param alertCursors each alert source's position after the last alert recorded: source name to
 *     cursor
 */
public record HostMemory(
    String host,
    MaintenanceState state,
    Instant since,
    String reason,
    String planSummary,
    Map<String, String> evacuatedTo,
    List<String> stoppedByUs,
    BatchMemory batch,
    List<HardwareAlert> activeAlerts,
    Map<String, String> alertCursors) {

  public HostMemory {
    evacuatedTo = Map.copyOf(evacuatedTo);
    stoppedByUs = List.copyOf(stoppedByUs);
    // Absent in what older agents wrote: none.
    activeAlerts = activeAlerts == null ? List.of() : List.copyOf(activeAlerts);
    alertCursors = alertCursors == null ? Map.of() : Map.copyOf(alertCursors);
  }

  /** A host's memory without alerts (as the run and state code builds it). */
  public HostMemory(
      String host,
      MaintenanceState state,
      Instant since,
      String reason,
      String planSummary,
      Map<String, String> evacuatedTo,
      List<String> stoppedByUs,
      BatchMemory batch) {
    this(
        host,
        state,
        since,
        reason,
        planSummary,
        evacuatedTo,
        stoppedByUs,
        batch,
        List.of(),
        Map.of());
  }

  /** This memory with other alerts and cursors. */
  public HostMemory withAlerts(Collection<HardwareAlert> alerts, Map<String, String> cursors) {
    return new HostMemory(
        host,
        state,
        since,
        reason,
        planSummary,
        evacuatedTo,
        stoppedByUs,
        batch,
        List.copyOf(alerts),
        cursors);
  }

  /**
   * A run of moves.
   *
   * @param kind {@code EVACUATE} or {@code RETURN}
   * @param concurrency the migrations it may run at once
   * @param cancelled whether it was cancelled
   * @param cancelledBy who cancelled it (may be null)
   * @param vmsTotal guests it handles, local actions included
   * @param bytesTotal memory of the guests it migrates
   * @param items the guests it migrates
   * @param localActions shutdowns, suspends and starts not finished yet: uuid to verb
   * @param localFailures local actions that failed, as text
   */
  public record BatchMemory(
      String kind,
      int concurrency,
      boolean cancelled,
      String cancelledBy,
      int vmsTotal,
      long bytesTotal,
      List<ItemMemory> items,
      Map<String, String> localActions,
      List<String> localFailures) {
    public BatchMemory {
      items = List.copyOf(items);
      localActions = Map.copyOf(localActions);
      localFailures = List.copyOf(localFailures);
    }
  }

  /** Where one guest of a run stands. */
  public enum ItemStatus {
    PENDING,
    RUNNING,
    DONE,
    FAILED
  }

  /**
   * One guest of a run.
   *
   * @param uuid the guest
   * @param name its name
   * @param memoryBytes its memory
   * @param vcpus its vCPUs
   * @param source where it was when last seen
   * @param fixedDestination the only host it may go to (a return), or null
   * @param plannedDestination the host the plan chose, or null
   * @param tried hosts tried and failed
   * @param failures why each try failed
   * @param status where it stands
   * @param runningTo the destination of the migration in flight, or null
   */
  public record ItemMemory(
      String uuid,
      String name,
      long memoryBytes,
      int vcpus,
      String source,
      String fixedDestination,
      String plannedDestination,
      List<String> tried,
      List<String> failures,
      ItemStatus status,
      String runningTo) {
    public ItemMemory {
      tried = List.copyOf(tried);
      failures = List.copyOf(failures);
    }
  }
}
