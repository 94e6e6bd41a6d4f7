package io.vpanel.web;

import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.PanelState;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The API server's hub of web panels, one per host: the drivers register and publish here (see
 * {@link WebPanelEndpoint}), the API reads what each last published and hands the page's button to
 * the driver of its host, and the event stream follows every publication.
 *
 * <p>Thread-safe. Each host's entry holds only the newest state (a volatile reference written by
 * its driver's render thread); listeners are called on that thread and must return at once.
 */
public final class WebPanels implements WebPanelEndpoint {

  /** Follows what the web panels show. */
  @FunctionalInterface
  public interface Listener {
    /**
     * A panel registered (without a state yet) or published a state; called on the registering or
     * publishing thread, must return at once.
     */
    void onPanel(WebPanelView view);

    /** The panel of {@code host} was withdrawn (its driver closed). */
    default void onPanelGone(String host) {}
  }

  /** What became of a press sent to a host's web panel. */
  public enum Press {
    DELIVERED,
    NO_PANEL,
    NOT_STARTED
  }

  private final ConcurrentMap<String, Slot> slots = new ConcurrentHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  @Override
  public Registration register(String host, DisplayGeometry display, WebPanelButton button) {
    Slot slot = new Slot(new WebPanelView(host, display, Optional.empty()), button);
    if (slots.putIfAbsent(host, slot) != null) {
      throw new IllegalStateException(
          "host " + host + " has a web panel already; configure at most one web panel per host");
    }
    listeners.forEach(listener -> listener.onPanel(slot.view));
    return slot;
  }

  /** What the host's web panel shows now; empty when the host has none. */
  public Optional<WebPanelView> view(String host) {
    return Optional.ofNullable(slots.get(host)).map(slot -> slot.view);
  }

  /** Every web panel's view, in no particular order. */
  public List<WebPanelView> views() {
    return slots.values().stream().map(slot -> slot.view).toList();
  }

  /** Hands a press or release of the page's button to the web panel of {@code host}. */
  public Press press(String host, boolean pressed) {
    Slot slot = slots.get(host);
    if (slot == null) {
      return Press.NO_PANEL;
    }
    return slot.button.press(pressed) ? Press.DELIVERED : Press.NOT_STARTED;
  }

  public void addListener(Listener listener) {
    listeners.add(Objects.requireNonNull(listener));
  }

  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  private final class Slot implements Registration {
    private final WebPanelButton button;
    private volatile WebPanelView view;

    Slot(WebPanelView view, WebPanelButton button) {
      this.view = view;
      this.button = Objects.requireNonNull(button);
    }

    @Override
    public void show(PanelState state) {
      WebPanelView next = new WebPanelView(view.host(), view.display(), Optional.of(state));
      view = next;
      for (Listener listener : listeners) {
        listener.onPanel(next);
      }
    }

    @Override
    public void close() {
      if (slots.remove(view.host(), this)) {
        listeners.forEach(listener -> listener.onPanelGone(view.host()));
      }
    }
  }
}
