package io.vpanel.core.engine;

import io.vpanel.spi.hypervisor.MigrationOptions;
import java.time.Duration;

/**
 * How the maintenance flow behaves. {@link #defaults()} is what an operator gets without
 * configuration.
 *
 * @param confirmHold how long the button must be held for a request to count (a bump does nothing)
 * @param destinationsPerVm how many hosts a guest's migration is tried on before it is reported
 * @param migration options passed to every live migration
 * @param timeoutBase part of every migration's timeout that does not depend on its size
 * @param timeoutFactor the timeout also allows this many times the guest's memory at its expected
 *     bandwidth
 * @param noProgressTimeout a migration whose sent bytes do not grow for this long is aborted
 * @param returnVmsOnExit move evacuated guests back when maintenance ends
 * @param pfaProtect evacuate on a critical hardware alert (when an alert source is configured)
 * @param displayRows rows of the alphanumeric display
 * @param displayColumns columns of the alphanumeric display
 * @param inventoryRefresh how often the full inventory is re-read to catch missed events
 * @param messageShownFor how long a refusal stays on the panel
 * @param fixedConcurrency 0 to let the planner choose how many migrations run at once; a positive
 *     number fixes it per source host, as other managers do (for benchmarks and operators who
 *     insist)
 */
public record EngineSettings(
    Duration confirmHold,
    int destinationsPerVm,
    MigrationOptions migration,
    Duration timeoutBase,
    double timeoutFactor,
    Duration noProgressTimeout,
    boolean returnVmsOnExit,
    boolean pfaProtect,
    int displayRows,
    int displayColumns,
    Duration inventoryRefresh,
    Duration messageShownFor,
    int fixedConcurrency) {

  public EngineSettings {
    if (confirmHold.isNegative()
        || destinationsPerVm < 1
        || timeoutFactor < 1
        || displayRows < 2
        || displayColumns < 16
        || fixedConcurrency < 0) {
      throw new IllegalArgumentException(
          "maintenance settings out of range: confirmHold >= 0, destinationsPerVm >= 1,"
              + " timeoutFactor >= 1, display at least 2 rows of 16 columns, fixedConcurrency >= 0");
    }
  }

  public static EngineSettings defaults() {
    return new EngineSettings(
        Duration.ofSeconds(3),
        2,
        MigrationOptions.DEFAULTS,
        Duration.ofSeconds(60),
        4.0,
        Duration.ofSeconds(30),
        true,
        true,
        4,
        20,
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        0);
  }

  public EngineSettings withConfirmHold(Duration hold) {
    return new EngineSettings(
        hold,
        destinationsPerVm,
        migration,
        timeoutBase,
        timeoutFactor,
        noProgressTimeout,
        returnVmsOnExit,
        pfaProtect,
        displayRows,
        displayColumns,
        inventoryRefresh,
        messageShownFor,
        fixedConcurrency);
  }

  public EngineSettings withMigration(MigrationOptions options) {
    return new EngineSettings(
        confirmHold,
        destinationsPerVm,
        options,
        timeoutBase,
        timeoutFactor,
        noProgressTimeout,
        returnVmsOnExit,
        pfaProtect,
        displayRows,
        displayColumns,
        inventoryRefresh,
        messageShownFor,
        fixedConcurrency);
  }

  public EngineSettings withFixedConcurrency(int concurrency) {
    return new EngineSettings(
        confirmHold,
        destinationsPerVm,
        migration,
        timeoutBase,
        timeoutFactor,
        noProgressTimeout,
        returnVmsOnExit,
        pfaProtect,
        displayRows,
        displayColumns,
        inventoryRefresh,
        messageShownFor,
        concurrency);
  }
}
