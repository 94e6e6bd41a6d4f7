package io.vpanel.spi.alert;

/** How bad a hardware alert is. Only {@link #CRITICAL} (a predicted failure) triggers PFA. */
public enum AlertSeverity {
  INFO,
  WARNING,
  CRITICAL
}
