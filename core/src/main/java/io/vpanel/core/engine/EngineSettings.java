package io.vpanel.core.engine;

import io.vpanel.spi.hypervisor.MigrationFeature;
import io.vpanel.spi.hypervisor.MigrationOptions;
import java.time.Duration;
import java.util.Set;

/**
 * How the maintenance flow behaves. {@link #defaults()} is what an operator gets without
 * configuration. Each panel's display size is the panel's own ({@link
 * io.vpanel.spi.panel.PanelDriver#capabilities()}), not a setting of the engine.
 *
 * @param confirmHold how long the button must be held for a request to count (a bump does nothing)
 * @param confirmWindow on a panel that reports presses only, how long after a first press a second
 *     press confirms it (a single press does nothing)
 * @param destinationsPerVm how many hosts a guest's migration is tried on before it is reported
 * @param migration options passed to every live migration
 * @param timeoutBase part of every migration's timeout that does not depend on its size
 * @param timeoutFactor the timeout also allows this many times the guest's memory at its expected
 *     bandwidth
 * @param noProgressTimeout a migration whose sent bytes do not grow for this long is aborted
 * @param returnVmsOnExit move evacuated guests back when maintenance ends
 * @param pfaProtect act on hardware alerts (when an alert source is configured) as {@code pfa}
 *     says; off, alerts that are not ignored are only shown
 * @param pfa what PFA protect does per alert severity, its debounce and its rate limit
 * @param inventoryRefresh how often the full inventory is re-read to catch missed events
 * @param inventoryTimeout a hypervisor whose inventory read has not answered for this long is shown
 *     unreachable
 * @param panelRenderTimeout a panel whose render has not returned for this long is shown failed
 * @param messageShownFor how long a refusal stays on the panel
 * @param fixedConcurrency 0 to let the planner choose how many migrations run at once; a positive
 *     number fixes it per source host, as other managers do (for benchmarks and operators who
 *     insist)
 * @param migrationFeatures the migration features the planner may choose per guest, where the
 *     host's hypervisor offers them ({@link #DEFAULT_MIGRATION_FEATURES}: all but post-copy, which
 *     loses the guest if the link fails after the switch and needs the guest's own consent too)
 */
public record EngineSettings(
    Duration confirmHold,
    Duration confirmWindow,
    int destinationsPerVm,
    MigrationOptions migration,
    Duration timeoutBase,
    double timeoutFactor,
    Duration noProgressTimeout,
    boolean returnVmsOnExit,
    boolean pfaProtect,
    PfaSettings pfa,
    Duration inventoryRefresh,
    Duration inventoryTimeout,
    Duration panelRenderTimeout,
    Duration messageShownFor,
    int fixedConcurrency,
    Set<MigrationFeature> migrationFeatures) {

  /** What an operator allows without configuration: every feature but post-copy. */
  public static final Set<MigrationFeature> DEFAULT_MIGRATION_FEATURES =
      Set.of(
          MigrationFeature.AUTO_CONVERGE,
          MigrationFeature.MULTIFD,
          MigrationFeature.XBZRLE,
          MigrationFeature.ZSTD);

  public EngineSettings {
    migrationFeatures = Set.copyOf(migrationFeatures);
    if (confirmHold.isNegative()
        || !confirmWindow.isPositive()
        || destinationsPerVm < 1
        || timeoutFactor < 1
        || !inventoryRefresh.isPositive()
        || !inventoryTimeout.isPositive()
        || !panelRenderTimeout.isPositive()
        || fixedConcurrency < 0) {
      throw new IllegalArgumentException(
          "maintenance settings out of range: confirmHold >= 0, confirmWindow > 0,"
              + " destinationsPerVm >= 1, timeoutFactor >= 1, inventoryRefresh > 0, inventoryTimeout > 0,"
              + " panelRenderTimeout > 0, fixedConcurrency >= 0");
    }
  }

  public static EngineSettings defaults() {
    return new EngineSettings(
        Duration.ofSeconds(3),
        Duration.ofSeconds(5),
        2,
        MigrationOptions.DEFAULTS,
        Duration.ofSeconds(60),
        4.0,
        Duration.ofSeconds(30),
        true,
        true,
        PfaSettings.defaults(),
        Duration.ofSeconds(30),
        Duration.ofSeconds(20),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        0,
        DEFAULT_MIGRATION_FEATURES);
  }

  public EngineSettings withConfirmHold(Duration hold) {
    return toBuilder().confirmHold(hold).build();
  }

  public EngineSettings withMigration(MigrationOptions options) {
    return toBuilder().migration(options).build();
  }

  public EngineSettings withFixedConcurrency(int concurrency) {
    return toBuilder().fixedConcurrency(concurrency).build();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Changes a few settings and keeps the rest. */
  public static final class Builder {
    private Duration confirmHold;
    private Duration confirmWindow;
    private int destinationsPerVm;
    private MigrationOptions migration;
    private Duration timeoutBase;
    private double timeoutFactor;
    private Duration noProgressTimeout;
    private boolean returnVmsOnExit;
    private boolean pfaProtect;
    private PfaSettings pfa;
    private Duration inventoryRefresh;
    private Duration inventoryTimeout;
    private Duration panelRenderTimeout;
    private Duration messageShownFor;
    private int fixedConcurrency;
    private Set<MigrationFeature> migrationFeatures;

    private Builder(EngineSettings from) {
      confirmHold = from.confirmHold;
      confirmWindow = from.confirmWindow;
      destinationsPerVm = from.destinationsPerVm;
      migration = from.migration;
      timeoutBase = from.timeoutBase;
      timeoutFactor = from.timeoutFactor;
      noProgressTimeout = from.noProgressTimeout;
      returnVmsOnExit = from.returnVmsOnExit;
      pfaProtect = from.pfaProtect;
      pfa = from.pfa;
      inventoryRefresh = from.inventoryRefresh;
      inventoryTimeout = from.inventoryTimeout;
      panelRenderTimeout = from.panelRenderTimeout;
      messageShownFor = from.messageShownFor;
      fixedConcurrency = from.fixedConcurrency;
      migrationFeatures = from.migrationFeatures;
    }

    public Builder confirmHold(Duration value) {
      confirmHold = value;
      return this;
    }

    public Builder confirmWindow(Duration value) {
      confirmWindow = value;
      return this;
    }

    public Builder destinationsPerVm(int value) {
      destinationsPerVm = value;
      return this;
    }

    public Builder migration(MigrationOptions value) {
      migration = value;
      return this;
    }

    public Builder noProgressTimeout(Duration value) {
      noProgressTimeout = value;
      return this;
    }

    public Builder returnVmsOnExit(boolean value) {
      returnVmsOnExit = value;
      return this;
    }

    public Builder pfaProtect(boolean value) {
      pfaProtect = value;
      return this;
    }

    public Builder pfa(PfaSettings value) {
      pfa = value;
      return this;
    }

    public Builder inventoryRefresh(Duration value) {
      inventoryRefresh = value;
      return this;
    }

    public Builder inventoryTimeout(Duration value) {
      inventoryTimeout = value;
      return this;
    }

    public Builder panelRenderTimeout(Duration value) {
      panelRenderTimeout = value;
      return this;
    }

    public Builder fixedConcurrency(int value) {
      fixedConcurrency = value;
      return this;
    }

    public Builder migrationFeatures(Set<MigrationFeature> value) {
      migrationFeatures = value;
      return this;
    }

    public EngineSettings build() {
      return new EngineSettings(
          confirmHold,
          confirmWindow,
          destinationsPerVm,
          migration,
          timeoutBase,
          timeoutFactor,
          noProgressTimeout,
          returnVmsOnExit,
          pfaProtect,
          pfa,
          inventoryRefresh,
          inventoryTimeout,
          panelRenderTimeout,
          messageShownFor,
          fixedConcurrency,
          migrationFeatures);
    }
  }
}
