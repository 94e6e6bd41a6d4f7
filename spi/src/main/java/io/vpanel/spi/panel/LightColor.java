package io.vpanel.spi.panel;

/** The colours of a front-panel indicator. */
public enum LightColor {
  OFF,
  GREEN,
  AMBER,
  RED
}
