package io.vpanel.web;

import io.vpanel.spi.Scheduler;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;

/**
 * The web virtual front panel of one host. Its pictures are drawn by the browser from the state
 * sent over server-sent events, so {@link #render} only keeps the latest state; its button is the
 * page's button, delivered through {@code POST /api/v1/hosts/{host}/panel/button}.
 */
public final class WebPanelDriver implements PanelDriver {
  private final String host;
  private final Scheduler scheduler;
  private volatile PanelListener buttons;
  private volatile PanelState latest;

  public WebPanelDriver(String host, Scheduler scheduler) {
    this.host = host;
    this.scheduler = scheduler;
  }

  public String host() {
    return host;
  }

  @Override
  public String name() {
    return "web";
  }

  @Override
  public PanelCapabilities capabilities() {
    return PanelCapabilities.full(DisplayGeometry.FOUR_BY_TWENTY);
  }

  @Override
  public void start(PanelListener buttons) {
    this.buttons = buttons;
  }

  @Override
  public void render(PanelState state) {
    latest = state;
  }

  /** The last state rendered, or null before the first. */
  public PanelState latest() {
    return latest;
  }

  /** The page's button went down or up. Returns false when the panel is not started. */
  public boolean press(boolean pressed) {
    PanelListener listener = buttons;
    if (listener == null) {
      return false;
    }
    listener.onButton(ButtonEvent.maintenance(pressed, scheduler.now()));
    return true;
  }

  @Override
  public void close() {
    buttons = null;
  }
}
