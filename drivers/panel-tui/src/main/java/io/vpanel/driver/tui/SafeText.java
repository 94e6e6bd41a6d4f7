package io.vpanel.driver.tui;

import com.googlecode.lanterna.TerminalTextUtils;

/**
 * Makes text from a panel state safe to put on a terminal: exactly {@code width} cells, one cell
 * per character. Control characters (ESC, CR, LF, tabs, C1) become blanks, so no escape sequence or
 * line break reaches the terminal; characters that do not take exactly one cell (combining marks,
 * wide CJK, format characters such as bidi overrides, surrogates, unassigned code points) and, on
 * an ASCII terminal, every non-ASCII character become {@code ?}.
 */
final class SafeText {
  private SafeText() {}

  static String cell(String text, int width, boolean ascii) {
    StringBuilder out = new StringBuilder(width);
    String source = text == null ? "" : text;
    for (int i = 0; i < source.length() && out.length() < width; i++) {
      out.append(safe(source.charAt(i), ascii));
    }
    while (out.length() < width) {
      out.append(' ');
    }
    return out.toString();
  }

  /** {@code text} made safe and cut to at most {@code max} cells, not padded. */
  static String upTo(String text, int max, boolean ascii) {
    return cell(text, Math.min(max, text == null ? 0 : text.length()), ascii);
  }

  static char safe(char c, boolean ascii) {
    if (Character.isISOControl(c)) {
      return ' ';
    }
    if (c < 0x7f) {
      return c;
    }
    if (ascii) {
      return '?';
    }
    if (Character.isSurrogate(c) || TerminalTextUtils.isCharDoubleWidth(c)) {
      return '?';
    }
    return switch (Character.getType(c)) {
      case Character.FORMAT,
          Character.NON_SPACING_MARK,
          Character.ENCLOSING_MARK,
          Character.COMBINING_SPACING_MARK,
          Character.UNASSIGNED,
          Character.PRIVATE_USE,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR,
          Character.CONTROL,
          Character.SURROGATE ->
          '?';
      default -> c;
    };
  }
}
