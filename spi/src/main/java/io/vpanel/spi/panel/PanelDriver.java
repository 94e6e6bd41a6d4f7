package io.vpanel.spi.panel;

/**
 * A front panel: shows the host's panel state and reports its maintenance button.
 *
 * <p>{@link #render} is called on the agent's owner thread with every new state and must not block:
 * a driver that talks to a slow device keeps the newest state and sends it from its own (virtual)
 * thread, dropping the states it could not show in time.
 */
public interface PanelDriver extends AutoCloseable {

  /** Starts the panel; button events go to {@code buttons} until {@link #close()}. */
  void start(ButtonListener buttons);

  /** Shows {@code state}. */
  void render(PanelState state);

  @Override
  void close();
}
