package io.vpanel.spi.panel;

/** What a panel can tell of its buttons. */
public enum ButtonInput {
  /**
   * The panel reports when a button goes down and when it comes up (a web page, a Linux input
   * device): core confirms an action by a hold.
   */
  PRESS_AND_RELEASE,

  /**
   * The panel reports only that a key was pressed (LCDproc keys): core confirms an action by a
   * second press within a window shown on the display.
   */
  PRESS_ONLY
}
