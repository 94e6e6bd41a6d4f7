package io.vpanel.web;

import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelState;

/**
 * Where a web panel driver meets the API server that serves its page. The API server offers it to
 * drivers in {@code DriverContext.services}; a driver registers once for its host, then publishes
 * every state core gives it. The page draws what was published and sends its button back through
 * the {@link WebPanelButton} given at registration.
 */
public interface WebPanelEndpoint {

  /**
   * Registers the web panel of {@code host}.
   *
   * @param display the geometry the page draws
   * @param button where the page's presses and releases go
   * @throws IllegalStateException when the host already has a web panel
   */
  Registration register(String host, DisplayGeometry display, WebPanelButton button);

  /** One registered web panel. */
  interface Registration extends AutoCloseable {
    /** Publishes what the panel shows now; returns at once, from any thread. */
    void show(PanelState state);

    /** Withdraws the panel: the page's button and {@code GET .../panel} find it no longer. */
    @Override
    void close();
  }
}
