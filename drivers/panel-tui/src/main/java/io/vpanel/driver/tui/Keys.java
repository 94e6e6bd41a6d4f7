package io.vpanel.driver.tui;

import java.util.List;
import java.util.Locale;

/** The key names a terminal panel's settings may use, and their canonical spelling. */
final class Keys {
  static final List<String> NAMED =
      List.of(
          "Enter",
          "Escape",
          "Space",
          "Tab",
          "Backspace",
          "Up",
          "Down",
          "Left",
          "Right",
          "Home",
          "End",
          "Insert",
          "Delete",
          "PageUp",
          "PageDown",
          "F1",
          "F2",
          "F3",
          "F4",
          "F5",
          "F6",
          "F7",
          "F8",
          "F9",
          "F10",
          "F11",
          "F12");

  private Keys() {}

  /**
   * The canonical name of {@code value}: a named key in its listed spelling (any case, {@code Esc}
   * and {@code Return} accepted), or one printable ASCII character, lower case for a letter.
   */
  static String canonical(String setting, String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(
          setting + " must be a key name (" + String.join(", ", NAMED) + ") or one character");
    }
    if (value.length() == 1) {
      char c = value.charAt(0);
      if (c > ' ' && c < 0x7f) {
        return String.valueOf(Character.toLowerCase(c));
      }
      if (c == ' ') {
        return "Space";
      }
      throw new IllegalArgumentException(
          setting
              + " must be a printable ASCII character or a key name, was U+"
              + String.format("%04X", (int) c));
    }
    String wanted = value.strip();
    if (wanted.equalsIgnoreCase("Esc")) {
      return "Escape";
    }
    if (wanted.equalsIgnoreCase("Return")) {
      return "Enter";
    }
    for (String name : NAMED) {
      if (name.equalsIgnoreCase(wanted)) {
        return name;
      }
    }
    throw new IllegalArgumentException(
        setting
            + " must be a key name ("
            + String.join(", ", NAMED)
            + ") or one character, was '"
            + (wanted.length() > 20 ? wanted.substring(0, 20) + "..." : wanted)
            + "'");
  }

  /** How the legend names a key: {@code Enter}, {@code Esc}, {@code m}. */
  static String label(String canonical) {
    return canonical.equals("Escape") ? "Esc" : canonical;
  }

  /** The canonical name for a key the decoder saw as a character. */
  static String ofChar(char c) {
    return c == ' ' ? "Space" : String.valueOf(Character.toLowerCase(c)).toLowerCase(Locale.ROOT);
  }
}
