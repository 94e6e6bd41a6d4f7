package io.vpanel.spi.panel;

/** Receives button events. Must return quickly, never block. */
@FunctionalInterface
public interface ButtonListener {
  void onButton(ButtonEvent event);
}
