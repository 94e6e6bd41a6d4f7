package io.vpanel.spi.management;

/** The state of the link to the management side. */
public enum LinkStatus {
  /** No management backend is configured. */
  NONE,
  CONNECTED,
  /** Heartbeats are late or some peers are unreachable. */
  DEGRADED,
  LOST
}
