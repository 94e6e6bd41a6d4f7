package io.vpanel.core.model;

/** PFA protect: evacuate ahead of a predicted hardware failure. */
public enum PfaStatus {
  /** No alert source, or PFA protect switched off. */
  DISABLED,
  /** Watching for critical alerts. */
  ARMED,
  /** A critical alert is active and the host is being vacated. */
  REMEDIATING,
  /** A critical alert is active and vacating the host failed. */
  FAILED
}
