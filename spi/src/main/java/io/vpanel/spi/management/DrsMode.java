package io.vpanel.spi.management;

/** How the management side balances load. */
public enum DrsMode {
  OFF,
  AUTOMATIC,
  MANUAL
}
