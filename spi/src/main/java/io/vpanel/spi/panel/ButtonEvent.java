package io.vpanel.spi.panel;

import java.time.Instant;
import java.util.Objects;

/**
 * Something a technician did with a panel's button. The host is not part of the event: a panel is
 * bound to one host, and core takes the host from that binding, never from the driver.
 */
public sealed interface ButtonEvent {
  PanelButton button();

  /** When it happened, by the agent's clock. */
  Instant at();

  /** The button went down (a panel that reports {@link ButtonInput#PRESS_AND_RELEASE}). */
  record Pressed(PanelButton button, Instant at) implements ButtonEvent {
    public Pressed {
      Objects.requireNonNull(button, "button");
      Objects.requireNonNull(at, "at");
    }
  }

  /** The button came up again. */
  record Released(PanelButton button, Instant at) implements ButtonEvent {
    public Released {
      Objects.requireNonNull(button, "button");
      Objects.requireNonNull(at, "at");
    }
  }

  /** A key stroke of a panel that reports {@link ButtonInput#PRESS_ONLY}. */
  record Key(PanelButton button, Instant at) implements ButtonEvent {
    public Key {
      Objects.requireNonNull(button, "button");
      Objects.requireNonNull(at, "at");
    }
  }

  /** The maintenance button went down ({@code true}) or up. */
  static ButtonEvent maintenance(boolean pressed, Instant at) {
    return pressed
        ? new Pressed(PanelButton.MAINTENANCE, at)
        : new Released(PanelButton.MAINTENANCE, at);
  }
}
