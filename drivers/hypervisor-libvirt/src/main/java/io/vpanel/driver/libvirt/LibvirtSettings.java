package io.vpanel.driver.libvirt;

import static io.vpanel.spi.SettingsChecks.between;

import io.vpanel.spi.DriverSettings;
import io.vpanel.spi.hypervisor.VmPolicy;

/**
 * Settings of the libvirt driver, bound from the {@code hypervisor:} section when {@code driver:
 * libvirt}. How each migration runs (downtime, auto-converge, post-copy) comes from the engine's
 * {@code maintenance:} settings; these are what only the driver knows or needs.
 *
 * @param keepaliveSeconds interval of libvirt keepalive probes on each connection; 0 turns them off
 * @param keepaliveCount probes that may go unanswered before the connection counts as dead
 * @param reconnectMaxSeconds the longest wait between two reconnection attempts (back-off doubles
 *     from 250 ms up to this)
 * @param migrationBandwidthMiBps cap for each migration in MiB/s (libvirt's unit) when the engine
 *     sets none; 0 = unlimited
 * @param nicGbps the migration network's speed of this host in gigabits/s, reported in the host
 *     capacity for the planner (libvirt cannot know it)
 * @param streamGbps what one migration stream reaches on its own, in gigabits/s
 * @param hostReserveMiB memory kept for the host itself; capacity = node memory minus this
 * @param vcpuOvercommit vCPUs the planner may hand out per host CPU thread
 * @param defaultPolicy the policy of a guest whose metadata declares none
 * @param policyMetadataNamespace the XML namespace of the {@code <policy>} element in a domain's
 *     {@code <metadata>}
 * @param progressIntervalMillis how often a running migration's job statistics are read
 * @param autoConvergeInitialPercent first auto-converge throttle (QEMU's default is 20)
 * @param autoConvergeIncrementPercent throttle step (QEMU's default is 10)
 * @param postCopyAfterRounds with post-copy allowed, switch to it after this many pre-copy rounds
 * @param shutdownTimeoutSeconds how long a clean (ACPI) shutdown may take
 * @param forceOffAfterShutdownTimeout power the guest off when its OS ignored the shutdown request
 *     (else the shutdown fails and the guest keeps running)
 * @param dirtyRateSampleSeconds how often each running guest's dirty rate is sampled in the
 *     background (libvirt's dirty-rate calculation over one second); the inventory reports the
 *     latest finished sample. 0 turns sampling off (the inventory then says 0, unknown)
 * @param downtimeCeilingMillis the longest downtime a migration that does not converge may be
 *     allowed: every {@code downtimeStepRounds} pre-copy rounds the allowed downtime doubles, from
 *     the engine's {@code maxDowntimeMillis} up to this ({@link DowntimeSteps}). 0 (the default)
 *     never allows more than {@code maxDowntimeMillis}: such a migration runs until it converges or
 *     the engine's migration timeout aborts it
 * @param downtimeStepRounds the pre-copy rounds between two steps of the allowed downtime
 */
public record LibvirtSettings(
    int keepaliveSeconds,
    int keepaliveCount,
    int reconnectMaxSeconds,
    long migrationBandwidthMiBps,
    double nicGbps,
    double streamGbps,
    long hostReserveMiB,
    double vcpuOvercommit,
    VmPolicy defaultPolicy,
    String policyMetadataNamespace,
    long progressIntervalMillis,
    int autoConvergeInitialPercent,
    int autoConvergeIncrementPercent,
    int postCopyAfterRounds,
    int shutdownTimeoutSeconds,
    boolean forceOffAfterShutdownTimeout,
    int dirtyRateSampleSeconds,
    int downtimeCeilingMillis,
    int downtimeStepRounds)
    implements DriverSettings {

  public static final String DEFAULT_NAMESPACE = "https://vpanel.io/xmlns/libvirt/1";

  public LibvirtSettings {
    between("keepaliveSeconds", keepaliveSeconds, 0, 3600);
    between("keepaliveCount", keepaliveCount, 1, 100);
    between("reconnectMaxSeconds", reconnectMaxSeconds, 1, 3600);
    between("migrationBandwidthMiBps", migrationBandwidthMiBps, 0, 1_000_000);
    gbps("nicGbps", nicGbps);
    gbps("streamGbps", streamGbps);
    between("hostReserveMiB", hostReserveMiB, 0, 1L << 30);
    if (!(vcpuOvercommit > 0 && vcpuOvercommit <= 64)) {
      throw new IllegalArgumentException(
          "vcpuOvercommit must be more than 0 and at most 64, was " + vcpuOvercommit);
    }
    if (defaultPolicy == null) {
      throw new IllegalArgumentException(
          "defaultPolicy must be migrate, shutdown, suspend or block");
    }
    if (policyMetadataNamespace == null || policyMetadataNamespace.isBlank()) {
      throw new IllegalArgumentException(
          "policyMetadataNamespace must be a URI, for example " + DEFAULT_NAMESPACE);
    }
    between("progressIntervalMillis", progressIntervalMillis, 50, 10_000);
    between("autoConvergeInitialPercent", autoConvergeInitialPercent, 1, 99);
    between("autoConvergeIncrementPercent", autoConvergeIncrementPercent, 1, 99);
    between("postCopyAfterRounds", postCopyAfterRounds, 1, 1000);
    between("shutdownTimeoutSeconds", shutdownTimeoutSeconds, 1, 3600);
    between("dirtyRateSampleSeconds", dirtyRateSampleSeconds, 0, 86_400);
    between("downtimeCeilingMillis", downtimeCeilingMillis, 0, 60_000);
    between("downtimeStepRounds", downtimeStepRounds, 1, 1000);
    if (dirtyRateSampleSeconds > 0 && dirtyRateSampleSeconds < 2) {
      throw new IllegalArgumentException(
          "dirtyRateSampleSeconds must be 0 (off) or 2-86400 (one calculation takes a second),"
              + " was "
              + dirtyRateSampleSeconds);
    }
  }

  public static LibvirtSettings defaults() {
    return new LibvirtSettings(
        5,
        5,
        30,
        0,
        10,
        5,
        1024,
        4,
        VmPolicy.MIGRATE,
        DEFAULT_NAMESPACE,
        300,
        20,
        10,
        5,
        120,
        false,
        30,
        0,
        10);
  }

  /** The same settings with a different migration-network speed (for tests and benchmarks). */
  public LibvirtSettings withNetwork(double newNicGbps, double newStreamGbps) {
    return with(
        c -> {
          c.nicGbps = newNicGbps;
          c.streamGbps = newStreamGbps;
        });
  }

  /** The same settings with a different shutdown behaviour. */
  public LibvirtSettings withShutdown(int timeoutSeconds, boolean forceOff) {
    return with(
        c -> {
          c.shutdownTimeoutSeconds = timeoutSeconds;
          c.forceOffAfterShutdownTimeout = forceOff;
        });
  }

  /** The same settings with a different auto-converge throttle. */
  public LibvirtSettings withAutoConverge(int initialPercent, int incrementPercent) {
    return with(
        c -> {
          c.autoConvergeInitialPercent = initialPercent;
          c.autoConvergeIncrementPercent = incrementPercent;
        });
  }

  /** The same settings with a different dirty-rate sampling interval (0 = off). */
  public LibvirtSettings withDirtyRateSampleSeconds(int seconds) {
    return with(c -> c.dirtyRateSampleSeconds = seconds);
  }

  /**
   * The same settings with the allowed downtime of a migration that does not converge raised in
   * steps up to {@code ceilingMillis} (0: never), every {@code stepRounds} pre-copy rounds.
   */
  public LibvirtSettings withDowntimeSteps(int ceilingMillis, int stepRounds) {
    return with(
        c -> {
          c.downtimeCeilingMillis = ceilingMillis;
          c.downtimeStepRounds = stepRounds;
        });
  }

  /** The same settings with post-copy started after a different number of pre-copy rounds. */
  public LibvirtSettings withPostCopyAfterRounds(int rounds) {
    return with(c -> c.postCopyAfterRounds = rounds);
  }

  /** A copy with some components changed, checked as any settings are. */
  private LibvirtSettings with(java.util.function.Consumer<Copy> change) {
    Copy copy = new Copy(this);
    change.accept(copy);
    return copy.settings();
  }

  /** The components of a settings record being changed by one of the {@code with} methods. */
  private static final class Copy {
    private int keepaliveSeconds;
    private int keepaliveCount;
    private int reconnectMaxSeconds;
    private long migrationBandwidthMiBps;
    private double nicGbps;
    private double streamGbps;
    private long hostReserveMiB;
    private double vcpuOvercommit;
    private VmPolicy defaultPolicy;
    private String policyMetadataNamespace;
    private long progressIntervalMillis;
    private int autoConvergeInitialPercent;
    private int autoConvergeIncrementPercent;
    private int postCopyAfterRounds;
    private int shutdownTimeoutSeconds;
    private boolean forceOffAfterShutdownTimeout;
    private int dirtyRateSampleSeconds;
    private int downtimeCeilingMillis;
    private int downtimeStepRounds;

    Copy(LibvirtSettings from) {
      keepaliveSeconds = from.keepaliveSeconds;
      keepaliveCount = from.keepaliveCount;
      reconnectMaxSeconds = from.reconnectMaxSeconds;
      migrationBandwidthMiBps = from.migrationBandwidthMiBps;
      nicGbps = from.nicGbps;
      streamGbps = from.streamGbps;
      hostReserveMiB = from.hostReserveMiB;
      vcpuOvercommit = from.vcpuOvercommit;
      defaultPolicy = from.defaultPolicy;
      policyMetadataNamespace = from.policyMetadataNamespace;
      progressIntervalMillis = from.progressIntervalMillis;
      autoConvergeInitialPercent = from.autoConvergeInitialPercent;
      autoConvergeIncrementPercent = from.autoConvergeIncrementPercent;
      postCopyAfterRounds = from.postCopyAfterRounds;
      shutdownTimeoutSeconds = from.shutdownTimeoutSeconds;
      forceOffAfterShutdownTimeout = from.forceOffAfterShutdownTimeout;
      dirtyRateSampleSeconds = from.dirtyRateSampleSeconds;
      downtimeCeilingMillis = from.downtimeCeilingMillis;
      downtimeStepRounds = from.downtimeStepRounds;
    }

    LibvirtSettings settings() {
      return new LibvirtSettings(
          keepaliveSeconds,
          keepaliveCount,
          reconnectMaxSeconds,
          migrationBandwidthMiBps,
          nicGbps,
          streamGbps,
          hostReserveMiB,
          vcpuOvercommit,
          defaultPolicy,
          policyMetadataNamespace,
          progressIntervalMillis,
          autoConvergeInitialPercent,
          autoConvergeIncrementPercent,
          postCopyAfterRounds,
          shutdownTimeoutSeconds,
          forceOffAfterShutdownTimeout,
          dirtyRateSampleSeconds,
          downtimeCeilingMillis,
          downtimeStepRounds);
    }
  }

  long nicBytesPerSec() {
    return Math.max(1, Math.round(nicGbps * 1e9 / 8));
  }

  long streamBytesPerSec() {
    return Math.max(1, Math.round(streamGbps * 1e9 / 8));
  }

  private static void gbps(String key, double value) {
    if (!(value > 0 && value <= 1000)) {
      throw new IllegalArgumentException(
          key + " must be more than 0 and at most 1000 (gigabits per second), was " + value);
    }
  }
}
