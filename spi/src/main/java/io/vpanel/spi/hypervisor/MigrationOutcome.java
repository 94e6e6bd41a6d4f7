package io.vpanel.spi.hypervisor;

import java.time.Duration;
import java.util.Objects;

/**
 * How a migration ended.
 *
 * @param succeeded true when the guest runs on the destination and no longer on the source
 * @param reason why it failed, for the operator; empty on success
 * @param bytesSent all bytes sent, re-sent pages included
 * @param rounds pre-copy rounds used
 * @param downtime how long the guest was paused for the final copy
 * @param stats what the hypervisor measured of it, {@link MigrationStats#NONE} when nothing
 */
public record MigrationOutcome(
    boolean succeeded,
    String reason,
    long bytesSent,
    int rounds,
    Duration downtime,
    MigrationStats stats) {

  public MigrationOutcome {
    Objects.requireNonNull(stats, "stats");
  }

  public MigrationOutcome(
      boolean succeeded, String reason, long bytesSent, int rounds, Duration downtime) {
    this(succeeded, reason, bytesSent, rounds, downtime, MigrationStats.NONE);
  }

  public static MigrationOutcome success(long bytesSent, int rounds, Duration downtime) {
    return new MigrationOutcome(true, "", bytesSent, rounds, downtime);
  }

  public static MigrationOutcome failure(String reason, long bytesSent, int rounds) {
    return new MigrationOutcome(false, reason, bytesSent, rounds, Duration.ZERO);
  }

  /** This outcome with the hypervisor's measurements. */
  public MigrationOutcome withStats(MigrationStats measured) {
    return new MigrationOutcome(succeeded, reason, bytesSent, rounds, downtime, measured);
  }
}
