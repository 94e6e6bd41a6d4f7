package io.vpanel.web;

import io.vpanel.spi.DriverSettings;
import io.vpanel.spi.panel.DisplayGeometry;

/**
 * The web front panel's settings, bound from its {@code panels:} entry.
 *
 * @param rows lines of its display, 1 to 8 (default 4)
 * @param columns characters per line, 8 to 80 (default 20)
 */
public record WebPanelSettings(int rows, int columns) implements DriverSettings {
  public static final int DEFAULT_ROWS = DisplayGeometry.FOUR_BY_TWENTY.rows();
  public static final int DEFAULT_COLUMNS = DisplayGeometry.FOUR_BY_TWENTY.columns();

  public WebPanelSettings {
    if (rows < 1 || rows > DisplayGeometry.MAX_ROWS) {
      throw new IllegalArgumentException(
          "rows must be from 1 to " + DisplayGeometry.MAX_ROWS + ", was " + rows);
    }
    if (columns < 8 || columns > DisplayGeometry.MAX_COLUMNS) {
      throw new IllegalArgumentException(
          "columns must be from 8 to " + DisplayGeometry.MAX_COLUMNS + ", was " + columns);
    }
  }

  /** The common 4 x 20 display. */
  public static WebPanelSettings defaults() {
    return new WebPanelSettings(DEFAULT_ROWS, DEFAULT_COLUMNS);
  }

  /** The display these settings give the page. */
  public DisplayGeometry geometry() {
    return new DisplayGeometry(rows, columns);
  }
}
