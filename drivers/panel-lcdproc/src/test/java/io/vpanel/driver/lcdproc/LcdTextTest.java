package io.vpanel.driver.lcdproc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LcdTextTest {
  @Test
  void printableAsciiIsKeptAndCutToTheWidth() {
    assertThat(LcdText.cells("RACK12-U07 12 VM", 20)).isEqualTo("RACK12-U07 12 VM");
    assertThat(LcdText.cells("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 20)).isEqualTo("ABCDEFGHIJKLMNOPQRST");
    assertThat(LcdText.row("AB", 5)).isEqualTo("AB   ");
    assertThat(LcdText.cells(null, 5)).isEmpty();
    assertThat(LcdText.cells("AB", 0)).isEmpty();
  }

  @Test
  void controlCharactersBecomeBlanks() {
    assertThat(LcdText.cells("a\rb\nc\td\u0000e\u001bf\u007fg\u0085h", 20))
        .isEqualTo("a b c d e f g h");
    assertThat(LcdText.cells("line\r\n", 20)).isEqualTo("line  ");
    assertThat(LcdText.cells("nb\u00a0sp\u2028ls", 20)).isEqualTo("nb sp ls");
  }

  @Test
  void aSurrogatePairIsOneCellAndNeverSplit() {
    String smile = "\ud83d\ude00";
    assertThat(LcdText.cells("ab" + smile + "cd", 20)).isEqualTo("ab?cd");
    assertThat(LcdText.cells("abc" + smile, 4)).isEqualTo("abc?");
    assertThat(LcdText.cells("abcd" + smile, 4)).isEqualTo("abcd");
    // Lone halves, as a cut elsewhere could leave them.
    assertThat(LcdText.cells("a\ud83db\ude00c", 20)).isEqualTo("a?b?c");
    assertThat(LcdText.cells("\ud83d", 1)).isEqualTo("?");
  }

  @Test
  void accentedLettersLoseTheirAccentsAndTheRestIsAQuestionMark() {
    assertThat(LcdText.cells("Caf\u00e9 M\u00fcller \u00c5sa \u0141\u00f3d\u017a", 30))
        .isEqualTo("Cafe Muller Asa ?odz");
    assertThat(LcdText.cells("\u00df \u00e6 \u20ac \u2603 \u65e5\u672c \u0416", 30))
        .isEqualTo("? ? ? ? ?? ?");
  }

  @Test
  void quotingEscapesBackslashBracesAndDoubleQuotes() {
    assertThat(LcdText.quoted("plain text")).isEqualTo("{plain text}");
    assertThat(LcdText.quoted("a{b}c\"d\\e")).isEqualTo("{a\\{b\\}c\\\"d\\\\e}");
    assertThat(LcdText.quoted("")).isEqualTo("{}");
    assertThat(LcdText.quoted("\\")).isEqualTo("{\\\\}");
  }
}
