package io.vpanel.spi.hypervisor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * How one live migration should run.
 *
 * @param maxDowntime the longest pause allowed for the final stop-and-copy
 * @param bandwidthBytesPerSec a cap on this migration's bandwidth, 0 for none
 * @param autoConverge throttle the guest when pre-copy stops converging (else the move fails)
 * @param postCopy switch to post-copy when pre-copy cannot converge, where the host offers it
 * @param parallelConnections connections for this one migration: 1 for a single stream, 2 or more
 *     for multifd
 * @param compression how pages are compressed on the wire
 */
public record MigrationOptions(
    Duration maxDowntime,
    long bandwidthBytesPerSec,
    boolean autoConverge,
    boolean postCopy,
    int parallelConnections,
    Compression compression) {

  /** The most parallel connections one migration may use. */
  public static final int MAX_PARALLEL_CONNECTIONS = 16;

  public static final MigrationOptions DEFAULTS =
      new MigrationOptions(Duration.ofMillis(300), 0, true, false);

  /** Page compression on the wire. */
  public enum Compression {
    NONE,
    /** {@link MigrationFeature#XBZRLE}. */
    XBZRLE,
    /** {@link MigrationFeature#ZSTD}, over multifd only. */
    ZSTD
  }

  public MigrationOptions {
    if (maxDowntime == null || maxDowntime.isNegative() || bandwidthBytesPerSec < 0) {
      throw new IllegalArgumentException("maxDowntime >= 0 and bandwidth >= 0 required");
    }
    if (parallelConnections < 1 || parallelConnections > MAX_PARALLEL_CONNECTIONS) {
      throw new IllegalArgumentException(
          "parallelConnections must be 1-" + MAX_PARALLEL_CONNECTIONS + ": " + parallelConnections);
    }
    if (compression == null) {
      throw new IllegalArgumentException("compression required (NONE for none)");
    }
    if (compression == Compression.ZSTD && parallelConnections < 2) {
      throw new IllegalArgumentException(
          "zstd compression needs multifd (parallelConnections >= 2)");
    }
  }

  /** A single-stream migration without compression. */
  public MigrationOptions(
      Duration maxDowntime, long bandwidthBytesPerSec, boolean autoConverge, boolean postCopy) {
    this(maxDowntime, bandwidthBytesPerSec, autoConverge, postCopy, 1, Compression.NONE);
  }

  /** The features these options switch on. */
  public Set<MigrationFeature> features() {
    Set<MigrationFeature> features = EnumSet.noneOf(MigrationFeature.class);
    if (autoConverge) {
      features.add(MigrationFeature.AUTO_CONVERGE);
    }
    if (postCopy) {
      features.add(MigrationFeature.POST_COPY);
    }
    if (parallelConnections > 1) {
      features.add(MigrationFeature.MULTIFD);
    }
    if (compression == Compression.XBZRLE) {
      features.add(MigrationFeature.XBZRLE);
    }
    if (compression == Compression.ZSTD) {
      features.add(MigrationFeature.ZSTD);
    }
    return features;
  }

  /**
   * These options with {@code feature} off: the fallback when a peer refuses it. Dropping multifd
   * drops zstd with it (zstd runs over multifd only).
   */
  public MigrationOptions without(MigrationFeature feature) {
    return switch (feature) {
      case AUTO_CONVERGE ->
          new MigrationOptions(
              maxDowntime, bandwidthBytesPerSec, false, postCopy, parallelConnections, compression);
      case POST_COPY ->
          new MigrationOptions(
              maxDowntime,
              bandwidthBytesPerSec,
              autoConverge,
              false,
              parallelConnections,
              compression);
      case MULTIFD ->
          new MigrationOptions(
              maxDowntime,
              bandwidthBytesPerSec,
              autoConverge,
              postCopy,
              1,
              compression == Compression.ZSTD ? Compression.NONE : compression);
      case XBZRLE, ZSTD ->
          compression.name().equals(feature.name())
              ? new MigrationOptions(
                  maxDowntime,
                  bandwidthBytesPerSec,
                  autoConverge,
                  postCopy,
                  parallelConnections,
                  Compression.NONE)
              : this;
    };
  }

  /** These options with the given features, and only those, switched on. */
  public MigrationOptions withFeatures(Set<MigrationFeature> features, int connections) {
    boolean multifd = features.contains(MigrationFeature.MULTIFD) && connections > 1;
    Compression compressed =
        features.contains(MigrationFeature.ZSTD) && multifd
            ? Compression.ZSTD
            : features.contains(MigrationFeature.XBZRLE) ? Compression.XBZRLE : Compression.NONE;
    return new MigrationOptions(
        maxDowntime,
        bandwidthBytesPerSec,
        features.contains(MigrationFeature.AUTO_CONVERGE),
        features.contains(MigrationFeature.POST_COPY),
        multifd ? Math.min(MAX_PARALLEL_CONNECTIONS, connections) : 1,
        compressed);
  }

  /**
   * The features as the panel, the API and the journal show them: {@code multifd x4, zstd,
   * auto-converge}; {@code pre-copy} when none is on.
   */
  public String featureLabel() {
    List<String> parts = new ArrayList<>();
    for (MigrationFeature feature : features()) {
      parts.add(
          feature == MigrationFeature.MULTIFD
              ? "multifd x" + parallelConnections
              : feature.label());
    }
    return parts.isEmpty() ? "pre-copy" : String.join(", ", parts);
  }
}
