package io.vpanel.spi.panel;

import java.util.Optional;

/**
 * Where a panel driver reports to core. Every method must return at once and may be called from any
 * thread; core hands the work to its owner thread.
 */
public interface PanelListener {
  /** The technician pressed, released or struck a button. */
  void onButton(ButtonEvent event);

  /**
   * What the panel can show changed (an LCD reported its size after a reconnect); core lays the
   * display out again and renders the new layout.
   */
  default void onCapabilitiesChanged() {}

  /**
   * The panel's device became unusable ({@code problem} says why, for the operator: "input device
   * /dev/input/event3: permission denied; add the agent's user to group input") or usable again
   * ({@code problem} empty). Core shows the problem in the API and {@code /metrics} and on the
   * host's other panels until the device is back; the panel keeps being given states meanwhile.
   */
  default void onFault(Optional<String> problem) {}
}
