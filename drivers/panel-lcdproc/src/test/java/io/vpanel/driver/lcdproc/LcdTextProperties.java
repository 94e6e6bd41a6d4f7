package io.vpanel.driver.lcdproc;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.testkit.Draw;
import io.vpanel.testkit.SeededProperty;

/** Random text, any UTF-16 units, through clipping and quoting. */
class LcdTextProperties {

  @SeededProperty(tries = 500)
  void aRowIsExactlyItsWidthOfPrintableAscii(long seed) {
    Draw draw = new Draw(seed);
    String text =
        draw.bool() ? draw.anyString(120) : draw.string(120, "ab {}\\\"\r\n\t\u00e9\ud83d\ude00");
    int width = draw.between(1, 80);

    String row = LcdText.row(text, width);

    assertThat(row).hasSize(width);
    assertThat(row.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
    assertThat(LcdText.cells(text, width).length())
        .isEqualTo(Math.min(width, text.codePointCount(0, text.length())));
  }

  @SeededProperty(tries = 500)
  void printableAsciiIsKeptAsAPrefix(long seed) {
    Draw draw = new Draw(seed);
    StringBuilder ascii = new StringBuilder();
    for (int i = draw.between(0, 100); i > 0; i--) {
      ascii.append((char) draw.between(0x20, 0x7e));
    }
    int width = draw.between(1, 80);
    String text = ascii.toString();

    assertThat(LcdText.cells(text, width))
        .isEqualTo(text.substring(0, Math.min(width, text.length())));
  }

  @SeededProperty(tries = 500)
  void quotingIsOneArgumentThatUnquotesToTheText(long seed) {
    Draw draw = new Draw(seed);
    String cells = LcdText.cells(draw.anyString(100), draw.between(1, 80));
    String text = draw.bool() ? cells : draw.string(40, "{}\\\" ab");

    String quoted = LcdText.quoted(text);

    assertThat(quoted).startsWith("{").endsWith("}");
    // Unquote as LCDd's parser does: a backslash takes the next character as it is; an unescaped
    // brace or quote may only be the closing brace at the very end.
    StringBuilder back = new StringBuilder();
    String body = quoted.substring(1, quoted.length() - 1);
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '\\') {
        assertThat(i + 1).as("a trailing lone backslash in %s", quoted).isLessThan(body.length());
        back.append(body.charAt(++i));
      } else {
        assertThat("{}\"").as("unescaped %s in %s", c, quoted).doesNotContain(String.valueOf(c));
        back.append(c);
      }
    }
    assertThat(back.toString()).isEqualTo(text);
  }
}
