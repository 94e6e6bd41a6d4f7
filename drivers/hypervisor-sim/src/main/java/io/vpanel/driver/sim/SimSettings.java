package io.vpanel.driver.sim;

import static io.vpanel.spi.SettingsChecks.between;

import io.vpanel.spi.DriverSettings;

/**
 * The shape of the simulated cluster, bound from the {@code hypervisor:} section when {@code
 * driver: sim}.
 *
 * @param seed makes the cluster and every run on it reproducible
 * @param hosts how many hosts the cluster has
 * @param vms how many guests run on them
 * @param nicGbps each host's migration network bandwidth in gigabits per second, each direction
 * @param streamGbps the most one migration stream reaches on its own, in gigabits per second
 * @param tickMillis how often running migrations advance and report progress
 * @param maxRounds pre-copy rounds before the migration throttles the guest or gives up
 * @param neverConverge names of generated guests ({@code vm-03}) that re-dirty their working set
 *     every round and so never finish migrating: a stuck evacuation on demand, for trying alerts
 *     and runbooks
 */
public record SimSettings(
    long seed,
    int hosts,
    int vms,
    double nicGbps,
    double streamGbps,
    long tickMillis,
    int maxRounds,
    java.util.List<String> neverConverge)
    implements DriverSettings {

  public static final long DEFAULT_SEED = 1;
  public static final int DEFAULT_HOSTS = 4;
  public static final int DEFAULT_VMS = 24;
  public static final double DEFAULT_NIC_GBPS = 10;
  public static final double DEFAULT_STREAM_GBPS = 4;
  public static final long DEFAULT_TICK_MILLIS = 100;
  public static final int DEFAULT_MAX_ROUNDS = 30;

  public SimSettings {
    between("hosts", hosts, 1, 1000);
    between("vms", vms, 0, 100_000);
    requireBandwidth("nicGbps", nicGbps);
    requireBandwidth("streamGbps", streamGbps);
    between("tickMillis", tickMillis, 1, 60_000);
    between("maxRounds", maxRounds, 1, 1000);
    neverConverge =
        neverConverge == null ? java.util.List.of() : java.util.List.copyOf(neverConverge);
    if (neverConverge.size() > 1000) {
      throw new IllegalArgumentException(
          "neverConverge names at most 1000 guests, was " + neverConverge.size());
    }
  }

  /** Settings in which every guest converges as its dirty rate allows. */
  public SimSettings(
      long seed,
      int hosts,
      int vms,
      double nicGbps,
      double streamGbps,
      long tickMillis,
      int maxRounds) {
    this(seed, hosts, vms, nicGbps, streamGbps, tickMillis, maxRounds, java.util.List.of());
  }

  public static SimSettings defaults() {
    return new SimSettings(
        DEFAULT_SEED,
        DEFAULT_HOSTS,
        DEFAULT_VMS,
        DEFAULT_NIC_GBPS,
        DEFAULT_STREAM_GBPS,
        DEFAULT_TICK_MILLIS,
        DEFAULT_MAX_ROUNDS);
  }

  public SimSettings withSeed(long newSeed) {
    return new SimSettings(
        newSeed, hosts, vms, nicGbps, streamGbps, tickMillis, maxRounds, neverConverge);
  }

  public SimSettings withHosts(int newHosts) {
    return new SimSettings(
        seed, newHosts, vms, nicGbps, streamGbps, tickMillis, maxRounds, neverConverge);
  }

  public SimSettings withVms(int newVms) {
    return new SimSettings(
        seed, hosts, newVms, nicGbps, streamGbps, tickMillis, maxRounds, neverConverge);
  }

  private static void requireBandwidth(String key, double gbps) {
    if (!(gbps > 0 && gbps <= 1000)) {
      throw new IllegalArgumentException(
          key + " must be more than 0 and at most 1000 (gigabits per second), was " + gbps);
    }
  }
}
