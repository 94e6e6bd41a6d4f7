package io.vpanel.spi.panel;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What a panel can show and report. Core lays the display out for {@code display}, shows each light
 * in the closest colour the panel has, and confirms button actions with the gesture that fits
 * {@code buttons}.
 *
 * @param display the alphanumeric display's size
 * @param buttons whether the panel reports releases or only presses
 * @param colors the colours its lights can show; {@link LightColor#OFF} is always possible
 * @param hardwareFlashing true when the panel blinks a light by itself; false when the driver shows
 *     flashing its own way (a backlight blink, toggling an LED)
 */
public record PanelCapabilities(
    DisplayGeometry display,
    ButtonInput buttons,
    Set<LightColor> colors,
    boolean hardwareFlashing) {

  public PanelCapabilities {
    Objects.requireNonNull(display, "display");
    Objects.requireNonNull(buttons, "buttons");
    EnumSet<LightColor> all = EnumSet.of(LightColor.OFF);
    all.addAll(colors);
    colors = Set.copyOf(all);
  }

  /** A panel with every colour and flashing, reporting press and release, of this size. */
  public static PanelCapabilities full(DisplayGeometry display) {
    return new PanelCapabilities(
        display, ButtonInput.PRESS_AND_RELEASE, EnumSet.allOf(LightColor.class), true);
  }

  /** The same panel with another display size (an LCD reports its size once connected). */
  public PanelCapabilities withDisplay(DisplayGeometry other) {
    return new PanelCapabilities(other, buttons, colors, hardwareFlashing);
  }
}
