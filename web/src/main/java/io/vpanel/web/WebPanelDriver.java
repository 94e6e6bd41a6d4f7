package io.vpanel.web;

import io.vpanel.spi.Scheduler;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.PanelCapabilities;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelListener;
import io.vpanel.spi.panel.PanelState;

/**
 * The web virtual front panel of one host, panel driver {@code web}. It registers with the API
 * server's {@link WebPanelEndpoint} when created; {@link #render} publishes the state there, and
 * the page in the browser draws it (from the {@code panel} event and {@code GET
 * /api/v1/hosts/{host}/panel}); the page's button comes back through {@code POST
 * /api/v1/hosts/{host}/panel/button} as a press or release for core.
 *
 * <p>Its display is the geometry of its settings (4 x 20 by default); it reports press and release,
 * shows every colour and flashes in the browser.
 */
final class WebPanelDriver implements PanelDriver {
  private final Scheduler scheduler;
  private final PanelCapabilities capabilities;
  private final WebPanelEndpoint.Registration registration;
  private volatile PanelListener listener;

  WebPanelDriver(
      String host, WebPanelSettings settings, Scheduler scheduler, WebPanelEndpoint endpoint) {
    this.scheduler = scheduler;
    this.capabilities = PanelCapabilities.full(settings.geometry());
    this.registration = endpoint.register(host, settings.geometry(), this::press);
  }

  @Override
  public String name() {
    return "web";
  }

  @Override
  public PanelCapabilities capabilities() {
    return capabilities;
  }

  @Override
  public void start(PanelListener listener) {
    this.listener = listener;
  }

  @Override
  public void render(PanelState state) {
    registration.show(state);
  }

  private boolean press(boolean pressed) {
    PanelListener current = listener;
    if (current == null) {
      return false;
    }
    current.onButton(ButtonEvent.maintenance(pressed, scheduler.now()));
    return true;
  }

  @Override
  public void close() {
    listener = null;
    registration.close();
  }
}
