package io.vpanel.driver.redfish;

import io.vpanel.spi.alert.SourceHealth;

/** A request to the service failed; the message is for the operator, without secrets. */
final class RedfishException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong, and so which health it means. */
  enum Kind {
    TLS,
    AUTH,
    TIMEOUT,
    DOWN,
    MALFORMED,
    HTTP,
    STALLED
  }

  private final Kind kind;

  RedfishException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  Kind kind() {
    return kind;
  }

  /** Malformed answers still reach the service: degraded; everything else: unreachable. */
  SourceHealth health() {
    return kind == Kind.MALFORMED
        ? new SourceHealth(SourceHealth.Status.DEGRADED, getMessage())
        : SourceHealth.unreachable(getMessage());
  }
}
