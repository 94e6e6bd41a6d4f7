package io.vpanel.spi.panel;

import java.util.Objects;

/**
 * One indicator: a colour, steady or flashing.
 *
 * @param color what it shows
 * @param flashing true when it blinks (about 1 Hz)
 */
public record Light(LightColor color, boolean flashing) {
  public static final Light OFF = new Light(LightColor.OFF, false);

  public Light {
    Objects.requireNonNull(color, "color");
    flashing = flashing && color != LightColor.OFF;
  }

  public static Light steady(LightColor color) {
    return new Light(color, false);
  }

  public static Light flashing(LightColor color) {
    return new Light(color, true);
  }
}
