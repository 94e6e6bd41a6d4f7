package io.vpanel.driver.lcdproc;

import java.text.Normalizer;

/**
 * Text made safe for a character LCD and for the LCDproc protocol. Pure.
 *
 * <p>{@link #cells} turns any Java string into exactly what one row of the display can show: one
 * printable ASCII character per cell (the part of the HD44780 character set every controller
 * shares), control characters (CR, LF, tab, DEL, C1) as a blank, a letter with accents as the
 * letter ({@code é} as {@code e}), anything else — other scripts, emoji, a lone half of a surrogate
 * pair — as {@code ?}, one cell per code point, cut to the width. {@link #quoted} then quotes it as
 * LCDd's parser wants: in braces, with {@code \ { } "} escaped.
 */
final class LcdText {
  private LcdText() {}

  /** What a row of {@code width} cells shows of {@code text}: at most {@code width} characters. */
  static String cells(String text, int width) {
    if (text == null || width <= 0) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(width, text.length()));
    int i = 0;
    while (i < text.length() && out.length() < width) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      out.append(cell(cp));
    }
    return out.toString();
  }

  /** {@code text} cut or padded with blanks to exactly {@code width} cells. */
  static String row(String text, int width) {
    String cells = cells(text, width);
    return cells.length() == width ? cells : cells + " ".repeat(width - cells.length());
  }

  /** The one character a cell shows for the code point {@code cp}. */
  static char cell(int cp) {
    if (cp >= 0x20 && cp < 0x7f) {
      return (char) cp;
    }
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xa0 || Character.isSpaceChar(cp)) {
      return ' ';
    }
    if (cp <= 0x24f) {
      // Latin-1 and Latin Extended: the base letter without its accents, when there is one.
      String decomposed =
          Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFD);
      char base = decomposed.charAt(0);
      if (base >= 0x20 && base < 0x7f && Character.isLetter(base)) {
        return base;
      }
    }
    return '?';
  }

  /** {@code text} as one protocol argument: {@code {...}} with {@code \ { } "} escaped. */
  static String quoted(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8).append('{');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' || c == '{' || c == '}' || c == '"') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.append('}').toString();
  }
}
