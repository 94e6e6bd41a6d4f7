package io.vpanel.spi;

/** The maintenance lifecycle of a host. These names are part of the API. */
public enum MaintenanceState {
  OPERATIONAL,
  ENTERING,
  IN_MAINTENANCE,
  EXITING,
  FAILED
}
