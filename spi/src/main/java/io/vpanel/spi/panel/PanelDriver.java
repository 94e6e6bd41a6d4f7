package io.vpanel.spi.panel;

/**
 * A front panel: shows the host's panel state and reports its buttons.
 *
 * <p>Core calls {@link #render} from this panel's own thread, never from the owner thread, with the
 * newest state laid out for this panel's {@link #capabilities()}; states that came while a render
 * ran are skipped, so a slow device shows the present, not a backlog. A render may block on the
 * device; one that throws or does not return in time marks the panel failed (shown in the API and
 * in {@code /metrics}) without delaying other panels or the maintenance flow. {@link #name()} and
 * {@link #capabilities()} must return at once from any thread.
 */
public interface PanelDriver extends AutoCloseable {

  /** The driver's name ({@code web}, {@code lcdproc}, ...): the origin of its button requests. */
  String name();

  /** What this panel can show and report now. */
  PanelCapabilities capabilities();

  /** Starts the panel; its reports go to {@code listener} until {@link #close()}. */
  void start(PanelListener listener);

  /** Shows {@code state}. */
  void render(PanelState state);

  @Override
  void close();
}
