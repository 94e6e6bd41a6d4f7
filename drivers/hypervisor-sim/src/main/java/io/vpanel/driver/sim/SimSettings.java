package io.vpanel.driver.sim;

import static io.vpanel.spi.SettingsChecks.between;

import io.vpanel.spi.DriverSettings;
import io.vpanel.spi.hypervisor.MigrationFeature;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

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
 * @param setupMillis how long each migration holds its slot before it sends anything (connection,
 *     destination QEMU start)
 * @param xbzrleRatio how much smaller XBZRLE makes re-sent pages
 * @param zstdRatio zstd's compression ratio on an idle guest's memory
 * @param zstdBusyRatio zstd's compression ratio on a busy guest's memory
 * @param zstdGbpsPerConnection guest memory one multifd connection compresses with zstd per second,
 *     in gigabits per second (the CPU cost of compression)
 * @param postCopyAfterRounds with post-copy requested, the pre-copy rounds that may fail to fit in
 *     the downtime before the guest switches to the destination
 * @param migrationFeatures the migration features every simulated host offers ({@code multifd},
 *     {@code zstd}, ...); all five by default
 * @param postCopyGuests names of generated guests whose owners allow post-copy
 */
public record SimSettings(
    long seed,
    int hosts,
    int vms,
    double nicGbps,
    double streamGbps,
    long tickMillis,
    int maxRounds,
    List<String> neverConverge,
    long setupMillis,
    double xbzrleRatio,
    double zstdRatio,
    double zstdBusyRatio,
    double zstdGbpsPerConnection,
    int postCopyAfterRounds,
    List<String> migrationFeatures,
    List<String> postCopyGuests)
    implements DriverSettings {

  public static final long DEFAULT_SEED = 1;
  public static final int DEFAULT_HOSTS = 4;
  public static final int DEFAULT_VMS = 24;
  public static final double DEFAULT_NIC_GBPS = 10;
  public static final double DEFAULT_STREAM_GBPS = 4;
  public static final long DEFAULT_TICK_MILLIS = 100;
  public static final int DEFAULT_MAX_ROUNDS = 30;
  public static final long DEFAULT_SETUP_MILLIS = 200;
  public static final double DEFAULT_XBZRLE_RATIO = 4;
  public static final double DEFAULT_ZSTD_RATIO = 3;
  public static final double DEFAULT_ZSTD_BUSY_RATIO = 1.5;
  public static final double DEFAULT_ZSTD_GBPS_PER_CONNECTION = 2.5;
  public static final int DEFAULT_POST_COPY_AFTER_ROUNDS = 2;

  /** Every feature, as {@code migrationFeatures} lists them by default. */
  public static final List<String> ALL_FEATURES =
      Arrays.stream(MigrationFeature.values()).map(MigrationFeature::label).toList();

  public SimSettings {
    between("hosts", hosts, 1, 1000);
    between("vms", vms, 0, 100_000);
    requireBandwidth("nicGbps", nicGbps);
    requireBandwidth("streamGbps", streamGbps);
    between("tickMillis", tickMillis, 1, 60_000);
    between("maxRounds", maxRounds, 1, 1000);
    neverConverge = names("neverConverge", neverConverge);
    between("setupMillis", setupMillis, 0, 60_000);
    requireRatio("xbzrleRatio", xbzrleRatio);
    requireRatio("zstdRatio", zstdRatio);
    requireRatio("zstdBusyRatio", zstdBusyRatio);
    requireBandwidth("zstdGbpsPerConnection", zstdGbpsPerConnection);
    between("postCopyAfterRounds", postCopyAfterRounds, 1, 1000);
    migrationFeatures = migrationFeatures == null ? ALL_FEATURES : List.copyOf(migrationFeatures);
    for (String feature : migrationFeatures) {
      try {
        MigrationFeature.parse(feature);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("migrationFeatures: " + e.getMessage(), e);
      }
    }
    postCopyGuests = names("postCopyGuests", postCopyGuests);
  }

  /** Settings with the default migration model. */
  public SimSettings(
      long seed,
      int hosts,
      int vms,
      double nicGbps,
      double streamGbps,
      long tickMillis,
      int maxRounds,
      List<String> neverConverge) {
    this(
        seed,
        hosts,
        vms,
        nicGbps,
        streamGbps,
        tickMillis,
        maxRounds,
        neverConverge,
        DEFAULT_SETUP_MILLIS,
        DEFAULT_XBZRLE_RATIO,
        DEFAULT_ZSTD_RATIO,
        DEFAULT_ZSTD_BUSY_RATIO,
        DEFAULT_ZSTD_GBPS_PER_CONNECTION,
        DEFAULT_POST_COPY_AFTER_ROUNDS,
        ALL_FEATURES,
        List.of());
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
    this(seed, hosts, vms, nicGbps, streamGbps, tickMillis, maxRounds, List.of());
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
    return with(newSeed, hosts, vms, migrationFeatures, postCopyGuests);
  }

  public SimSettings withHosts(int newHosts) {
    return with(seed, newHosts, vms, migrationFeatures, postCopyGuests);
  }

  public SimSettings withVms(int newVms) {
    return with(seed, hosts, newVms, migrationFeatures, postCopyGuests);
  }

  /** These settings with every host offering only {@code features} (labels). */
  public SimSettings withMigrationFeatures(List<String> features) {
    return with(seed, hosts, vms, features, postCopyGuests);
  }

  /** These settings with the named guests allowing post-copy. */
  public SimSettings withPostCopyGuests(List<String> names) {
    return with(seed, hosts, vms, migrationFeatures, names);
  }

  /** The features of {@link #migrationFeatures}, parsed. */
  public Set<MigrationFeature> offeredFeatures() {
    Set<MigrationFeature> offered = EnumSet.noneOf(MigrationFeature.class);
    migrationFeatures.forEach(label -> offered.add(MigrationFeature.parse(label)));
    return offered;
  }

  /** The migration model these settings describe. */
  public SimMigrationModel migrationModel() {
    return new SimMigrationModel(
        Duration.ofMillis(setupMillis),
        xbzrleRatio,
        zstdRatio,
        zstdBusyRatio,
        Sizes.bytesPerSecond(zstdGbpsPerConnection),
        postCopyAfterRounds);
  }

  private SimSettings with(
      long newSeed, int newHosts, int newVms, List<String> features, List<String> postCopy) {
    return new SimSettings(
        newSeed,
        newHosts,
        newVms,
        nicGbps,
        streamGbps,
        tickMillis,
        maxRounds,
        neverConverge,
        setupMillis,
        xbzrleRatio,
        zstdRatio,
        zstdBusyRatio,
        zstdGbpsPerConnection,
        postCopyAfterRounds,
        features,
        postCopy);
  }

  private static List<String> names(String key, List<String> names) {
    List<String> copy = names == null ? List.of() : List.copyOf(names);
    if (copy.size() > 1000) {
      throw new IllegalArgumentException(key + " names at most 1000 guests, was " + copy.size());
    }
    return copy;
  }

  private static void requireBandwidth(String key, double gbps) {
    if (!(gbps > 0 && gbps <= 1000)) {
      throw new IllegalArgumentException(
          key + " must be more than 0 and at most 1000 (gigabits per second), was " + gbps);
    }
  }

  private static void requireRatio(String key, double ratio) {
    if (!(ratio >= 1 && ratio <= 100)) {
      throw new IllegalArgumentException(
          key + " must be between 1 and 100 (bytes in per byte on the wire), was " + ratio);
    }
  }
}
