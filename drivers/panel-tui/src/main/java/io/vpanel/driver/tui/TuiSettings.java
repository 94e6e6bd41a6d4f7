package io.vpanel.driver.tui;

import io.vpanel.spi.DriverSettings;
import io.vpanel.spi.panel.DisplayGeometry;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * The terminal panel's settings, bound from its {@code panels:} entry.
 *
 * @param device {@value #CONSOLE} for the agent's own terminal (its standard input and output), or
 *     the path of a terminal device: a serial line ({@code /dev/ttyS0}, {@code /dev/ttyUSB0}) or a
 *     pseudo terminal ({@code /dev/pts/3})
 * @param rows lines of the display area, 1 to 8 (default 4)
 * @param columns characters per line, 8 to {@value #MAX_COLUMNS} (default 20): the box around it
 *     must fit an 80-column line
 * @param maintenanceKey the key that is the maintenance button: a key name ({@code Enter}, {@code
 *     Space}, {@code F1}...) or one printable character (letters in any case)
 * @param backKey the key that withdraws an offered action, as {@code maintenanceKey}
 * @param color true for ANSI colours; false for a plain terminal (lit lamps in reverse video with
 *     their colour's initial)
 * @param charset {@code auto} (UTF-8 when the agent's locale says so, else ASCII), {@code UTF-8} or
 *     {@code US-ASCII}: without UTF-8 the box is drawn with {@code + - |} and any other character
 *     shows as {@code ?}
 * @param sizePollMillis how often the terminal's size is read (100 to 60000, default 1000): a
 *     resize is redrawn within this time
 */
public record TuiSettings(
    String device,
    int rows,
    int columns,
    String maintenanceKey,
    String backKey,
    boolean color,
    String charset,
    int sizePollMillis)
    implements DriverSettings {
  public static final String CONSOLE = "console";
  public static final int MAX_COLUMNS = 78;
  public static final int DEFAULT_ROWS = DisplayGeometry.FOUR_BY_TWENTY.rows();
  public static final int DEFAULT_COLUMNS = DisplayGeometry.FOUR_BY_TWENTY.columns();
  public static final String DEFAULT_MAINTENANCE_KEY = "Enter";
  public static final String DEFAULT_BACK_KEY = "Escape";
  public static final int DEFAULT_SIZE_POLL_MILLIS = 1000;

  public TuiSettings {
    if (device == null || device.isBlank()) {
      throw new IllegalArgumentException(
          "device must be 'console' or a terminal device path such as /dev/ttyS0");
    }
    device = device.strip();
    if (!device.equals(CONSOLE) && !device.startsWith("/")) {
      throw new IllegalArgumentException(
          "device must be 'console' or an absolute terminal device path such as /dev/ttyS0, was '"
              + device
              + "'");
    }
    if (device.length() > 4096 || device.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException("device must be a plain path of at most 4096 characters");
    }
    if (rows < 1 || rows > DisplayGeometry.MAX_ROWS) {
      throw new IllegalArgumentException(
          "rows must be from 1 to " + DisplayGeometry.MAX_ROWS + ", was " + rows);
    }
    if (columns < 8 || columns > MAX_COLUMNS) {
      throw new IllegalArgumentException(
          "columns must be from 8 to "
              + MAX_COLUMNS
              + " (the box around the display must fit 80 columns), was "
              + columns);
    }
    maintenanceKey = Keys.canonical("maintenanceKey", maintenanceKey);
    backKey = Keys.canonical("backKey", backKey);
    if (maintenanceKey.equals(backKey)) {
      throw new IllegalArgumentException(
          "maintenanceKey and backKey must differ, both are " + maintenanceKey);
    }
    if (charset == null || charset.isBlank()) {
      charset = "auto";
    }
    charset = charset.strip();
    if (!charset.equalsIgnoreCase("auto")) {
      charset =
          switch (charset.toUpperCase(Locale.ROOT).replace("_", "-")) {
            case "UTF-8", "UTF8" -> "UTF-8";
            case "US-ASCII", "ASCII" -> "US-ASCII";
            default ->
                throw new IllegalArgumentException(
                    "charset must be auto, UTF-8 or US-ASCII, was '" + charset + "'");
          };
    } else {
      charset = "auto";
    }
    if (sizePollMillis < 100 || sizePollMillis > 60_000) {
      throw new IllegalArgumentException(
          "sizePollMillis must be from 100 to 60000, was " + sizePollMillis);
    }
  }

  /** The agent's own terminal, 4 x 20, Enter and Escape, in colour. */
  public static TuiSettings defaults() {
    return new TuiSettings(
        CONSOLE,
        DEFAULT_ROWS,
        DEFAULT_COLUMNS,
        DEFAULT_MAINTENANCE_KEY,
        DEFAULT_BACK_KEY,
        true,
        "auto",
        DEFAULT_SIZE_POLL_MILLIS);
  }

  /** These settings on another device. */
  public TuiSettings onDevice(String other) {
    return new TuiSettings(
        other, rows, columns, maintenanceKey, backKey, color, charset, sizePollMillis);
  }

  /** The display area these settings give. */
  public DisplayGeometry geometry() {
    return new DisplayGeometry(rows, columns);
  }

  /** The charset written to the terminal; {@code auto} resolved from {@code environment}. */
  Charset resolvedCharset(Map<String, String> environment) {
    if (charset.equals("UTF-8")) {
      return StandardCharsets.UTF_8;
    }
    if (charset.equals("US-ASCII")) {
      return StandardCharsets.US_ASCII;
    }
    // The locale variables in the order the C library reads them.
    for (String name : new String[] {"LC_ALL", "LC_CTYPE", "LANG"}) {
      String value = environment.get(name);
      if (value != null && !value.isEmpty()) {
        String upper = value.toUpperCase(Locale.ROOT);
        return upper.contains("UTF-8") || upper.contains("UTF8")
            ? StandardCharsets.UTF_8
            : StandardCharsets.US_ASCII;
      }
    }
    return StandardCharsets.US_ASCII;
  }
}
