package io.vpanel.spi.panel;

/** The buttons of a front panel that core gives a meaning to. */
public enum PanelButton {
  /** Starts, cancels or ends maintenance, confirmed by the panel's gesture. */
  MAINTENANCE,

  /** Withdraws a press that waits for its confirming second press; does nothing otherwise. */
  BACK
}
