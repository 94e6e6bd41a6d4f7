package io.vpanel.spi.alert;

/** How bad a hardware alert is. */
public enum AlertSeverity {
  /** Worth a line in the journal (a sensor back in range, a log cleared). */
  INFO,
  /** Worth a look (a fan slower than it should be); no action. */
  WARNING,
  /** The hardware predicts its own failure (correctable ECC over threshold, a drive's SMART). */
  PREDICTIVE_FAILURE,
  /** A component failed or is about to (a PSU lost, an uncorrectable error). */
  CRITICAL;

  /** True for the severities PFA protect vacates the host for. */
  public boolean triggersPfa() {
    return this == PREDICTIVE_FAILURE || this == CRITICAL;
  }
}
