package io.vpanel.web;

import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelState;
import java.util.Objects;
import java.util.Optional;

/**
 * What one host's web panel shows: what {@code GET /api/v1/hosts/{host}/panel} answers and the
 * event stream sends as {@code panel}.
 *
 * @param host the host the panel belongs to
 * @param display the geometry the page draws
 * @param state the state the driver was last given; empty before its first render
 */
public record WebPanelView(String host, DisplayGeometry display, Optional<PanelState> state) {
  public WebPanelView {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(display, "display");
    Objects.requireNonNull(state, "state");
  }
}
