package io.vpanel.spi.panel;

/**
 * The size of a panel's alphanumeric display.
 *
 * @param rows lines of text, 1 to {@value #MAX_ROWS}
 * @param columns characters per line, 8 to {@value #MAX_COLUMNS}
 */
public record DisplayGeometry(int rows, int columns) {
  public static final int MAX_ROWS = 8;
  public static final int MAX_COLUMNS = 80;

  /** The common character LCD of a server's front panel: 4 rows of 20 characters. */
  public static final DisplayGeometry FOUR_BY_TWENTY = new DisplayGeometry(4, 20);

  public DisplayGeometry {
    if (rows < 1 || rows > MAX_ROWS) {
      throw new IllegalArgumentException("a display has 1 to " + MAX_ROWS + " rows, not " + rows);
    }
    if (columns < 8 || columns > MAX_COLUMNS) {
      throw new IllegalArgumentException(
          "a display has 8 to " + MAX_COLUMNS + " columns, not " + columns);
    }
  }

  @Override
  public String toString() {
    return columns + "x" + rows;
  }
}
