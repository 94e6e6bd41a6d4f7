package io.vpanel.web;

/** The page's maintenance button, as the API hands it to the web panel driver of a host. */
@FunctionalInterface
public interface WebPanelButton {
  /**
   * The button went down ({@code true}) or up. Returns false when the panel is not started, so
   * nothing could be delivered.
   */
  boolean press(boolean pressed);
}
