package io.vpanel.driver.lcdproc;

/**
 * What a line from LCDd is, and the display size of a {@code connect} line. Pure: the driver acts
 * on the kind; kept apart so the parsing is fuzzed on its own (LcdFuzzTest).
 */
final class LcdReply {
  /** The largest display size taken from a {@code connect} line. */
  static final int MAX_WIDTH = 256;

  static final int MAX_HEIGHT = 64;

  enum Kind {
    /** {@code success} or {@code noop complete}: nothing to do. */
    DONE,
    /** {@code huh? ...}: LCDd refused a command. */
    REFUSED,
    /** {@code listen SCREEN}: the screen is shown. */
    SHOWN,
    /** {@code ignore SCREEN}: the screen is hidden. */
    HIDDEN,
    /** {@code connect ...}: the hello's answer, with the display size. */
    CONNECT,
    /** {@code key NAME}: a key was pressed (handled on the reader thread). */
    KEY,
    /** {@code menuevent ...} or {@code bye}: logged only. */
    NOTED,
    /** Anything else. */
    UNKNOWN
  }

  private LcdReply() {}

  /** What {@code line} (without its line end) is, for the screen named {@code screen}. */
  static Kind kind(String line, String screen) {
    if (line.startsWith("key ")) {
      return Kind.KEY;
    }
    if (line.equals("success") || line.equals("noop complete")) {
      return Kind.DONE;
    }
    if (line.startsWith("huh?")) {
      return Kind.REFUSED;
    }
    if (line.equals("listen " + screen)) {
      return Kind.SHOWN;
    }
    if (line.equals("ignore " + screen)) {
      return Kind.HIDDEN;
    }
    if (line.startsWith("connect ")) {
      return Kind.CONNECT;
    }
    if (line.startsWith("menuevent ") || line.equals("bye")) {
      return Kind.NOTED;
    }
    return Kind.UNKNOWN;
  }

  /** The key name of a {@code key} line. */
  static String key(String line) {
    return line.substring(4).strip();
  }

  /**
   * The {@code wid} and {@code hgt} of a {@code connect} line as {@code {width, height}}, or null
   * when it gives no usable size (missing, not a number, or outside 1..{@value #MAX_WIDTH} x
   * 1..{@value #MAX_HEIGHT}).
   */
  static int[] size(String line) {
    String[] words = line.trim().split(" +");
    int width = -1;
    int height = -1;
    for (int i = 0; i + 1 < words.length; i++) {
      if (words[i].equals("wid")) {
        width = number(words[i + 1]);
      } else if (words[i].equals("hgt")) {
        height = number(words[i + 1]);
      }
    }
    if (width < 1 || height < 1 || width > MAX_WIDTH || height > MAX_HEIGHT) {
      return null;
    }
    return new int[] {width, height};
  }

  private static int number(String word) {
    try {
      return Integer.parseInt(word);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
