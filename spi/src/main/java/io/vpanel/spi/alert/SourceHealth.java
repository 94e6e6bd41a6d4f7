package io.vpanel.spi.alert;

import java.util.Objects;

/**
 * Whether an alert source can see its hardware.
 *
 * @param status how it stands
 * @param reason why, for people ({@code BMC 10.0.0.7:623 not answering: timeout})
 */
public record SourceHealth(Status status, String reason) {
  public enum Status {
    /** Reading records as it should. */
    OK,
    /** Reading, but late or with errors (retries, a partial read). */
    DEGRADED,
    /** Cannot reach the hardware: alerts may be missed until it comes back. */
    UNREACHABLE
  }

  public SourceHealth {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
  }

  public static SourceHealth ok(String reason) {
    return new SourceHealth(Status.OK, reason);
  }

  public static SourceHealth unreachable(String reason) {
    return new SourceHealth(Status.UNREACHABLE, reason);
  }
}
