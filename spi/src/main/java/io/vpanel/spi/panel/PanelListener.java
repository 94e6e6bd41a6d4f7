package io.vpanel.spi.panel;

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
}
