package io.vpanel.driver.tui;

import java.util.function.Consumer;

/**
 * Turns the bytes a terminal sends into key names ({@link Keys}): printable ASCII characters, CR or
 * LF (a CR LF pair is one Enter), Tab, Backspace, a lone Escape, and the common VT100/xterm
 * sequences of the arrow, editing and function keys. Every other escape sequence, control character
 * and non-ASCII byte is dropped. It keeps no buffer: a sequence longer than its limit is skipped to
 * its end, and a pause in the input ({@link #idle()}) ends whatever was pending (a lone ESC becomes
 * Escape, an unfinished sequence is dropped). One reader thread owns it.
 */
final class KeyDecoder {
  /** The most parameter and intermediate bytes a CSI sequence of a key has. */
  static final int MAX_SEQUENCE = 16;

  private enum Mode {
    GROUND,
    ESCAPE,
    CSI,
    SS3,
    STRING,
    STRING_ESCAPE
  }

  private final Consumer<String> keys;
  private Mode mode = Mode.GROUND;
  private final StringBuilder params = new StringBuilder(MAX_SEQUENCE);
  private boolean overlong;
  private boolean afterCr;

  KeyDecoder(Consumer<String> keys) {
    this.keys = keys;
  }

  void feed(byte[] bytes, int length) {
    for (int i = 0; i < length; i++) {
      feed(bytes[i] & 0xff);
    }
  }

  /** No byte came for a while: a pending ESC was the Escape key; anything else is dropped. */
  void idle() {
    if (mode == Mode.ESCAPE) {
      keys.accept("Escape");
    }
    reset();
  }

  private void reset() {
    mode = Mode.GROUND;
    params.setLength(0);
    overlong = false;
  }

  private void feed(int b) {
    boolean cr = b == 0x0d;
    boolean lfAfterCr = b == 0x0a && afterCr;
    afterCr = cr;
    if (lfAfterCr) {
      return;
    }
    switch (mode) {
      case GROUND -> ground(b);
      case ESCAPE -> escape(b);
      case CSI -> csi(b);
      case SS3 -> ss3(b);
      case STRING -> {
        if (b == 0x07) {
          reset();
        } else if (b == 0x1b) {
          mode = Mode.STRING_ESCAPE;
        }
      }
      case STRING_ESCAPE -> {
        if (b == '\\') {
          reset();
        } else {
          mode = Mode.STRING;
        }
      }
    }
  }

  private void ground(int b) {
    if (b == 0x1b) {
      mode = Mode.ESCAPE;
    } else if (b == 0x0d || b == 0x0a) {
      keys.accept("Enter");
    } else if (b == 0x09) {
      keys.accept("Tab");
    } else if (b == 0x7f || b == 0x08) {
      keys.accept("Backspace");
    } else if (b >= 0x20 && b < 0x7f) {
      keys.accept(Keys.ofChar((char) b));
    }
    // other control characters and every byte >= 0x80 (UTF-8, C1 controls) are dropped
  }

  private void escape(int b) {
    switch (b) {
      case '[' -> mode = Mode.CSI;
      case 'O' -> mode = Mode.SS3;
      case ']', 'P', 'X', '^', '_' -> mode = Mode.STRING;
      case 0x1b -> keys.accept("Escape"); // ESC ESC: the first was a key, the second may start more
      default -> {
        // ESC followed by a character: Alt+key or an unknown two-byte sequence, not our key
        if (b == 0x0d || b == 0x0a) {
          keys.accept("Escape");
          keys.accept("Enter");
        }
        reset();
      }
    }
  }

  private void csi(int b) {
    if (b >= 0x20 && b <= 0x3f) {
      if (params.length() < MAX_SEQUENCE) {
        params.append((char) b);
      } else {
        overlong = true;
      }
      return;
    }
    if (b >= 0x40 && b <= 0x7e) {
      String name = overlong ? null : csiKey(params.toString(), (char) b);
      reset();
      if (name != null) {
        keys.accept(name);
      }
      return;
    }
    // a control character or a byte >= 0x80 inside a sequence: the sequence is garbage
    reset();
    if (b == 0x1b) {
      mode = Mode.ESCAPE;
    }
  }

  private void ss3(int b) {
    String name =
        switch (b) {
          case 'A' -> "Up";
          case 'B' -> "Down";
          case 'C' -> "Right";
          case 'D' -> "Left";
          case 'H' -> "Home";
          case 'F' -> "End";
          case 'P' -> "F1";
          case 'Q' -> "F2";
          case 'R' -> "F3";
          case 'S' -> "F4";
          case 'M' -> "Enter";
          default -> null;
        };
    reset();
    if (name != null) {
      keys.accept(name);
    }
  }

  private static String csiKey(String params, char last) {
    if (last != '~') {
      // plain cursor keys only: with modifiers (CSI 1;5A) they are not our keys
      if (!params.isEmpty()) {
        return null;
      }
      return switch (last) {
        case 'A' -> "Up";
        case 'B' -> "Down";
        case 'C' -> "Right";
        case 'D' -> "Left";
        case 'H' -> "Home";
        case 'F' -> "End";
        default -> null;
      };
    }
    return switch (params) {
      case "1", "7" -> "Home";
      case "2" -> "Insert";
      case "3" -> "Delete";
      case "4", "8" -> "End";
      case "5" -> "PageUp";
      case "6" -> "PageDown";
      case "11" -> "F1";
      case "12" -> "F2";
      case "13" -> "F3";
      case "14" -> "F4";
      case "15" -> "F5";
      case "17" -> "F6";
      case "18" -> "F7";
      case "19" -> "F8";
      case "20" -> "F9";
      case "21" -> "F10";
      case "23" -> "F11";
      case "24" -> "F12";
      default -> null;
    };
  }
}
