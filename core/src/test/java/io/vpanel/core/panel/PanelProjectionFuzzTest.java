package io.vpanel.core.panel;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vpanel.testkit.FuzzInputs;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the text a panel is given ({@code displayable}, {@code fit}, {@code wrap}): whatever a
 * driver, a BMC or an API client wrote, the output is printable, has no half of a surrogate pair,
 * {@code fit} is exactly as wide as asked and {@code wrap}'s lines are no wider. The input is one
 * byte of width (0 to 80 for fit, 1 to 80 for wrap) and the text as lenient UTF-8 ({@link
 * FuzzInputs#text}). See docs/FUZZING.md.
 */
class PanelProjectionFuzzTest {
  @FuzzTest(maxDuration = "2m")
  void text(FuzzedDataProvider data) {
    check(data.consumeRemainingAsBytes());
  }

  @Test
  void shortRun() {
    FuzzInputs.run(getClass(), "text", 3000, PanelProjectionFuzzTest::check);
  }

  /** Finding: wrap at width 1 cut an emoji (a surrogate pair) in half. */
  @Test
  void wrapAtWidthOneNeverSplitsAPair() {
    assertThat(PanelProjection.wrap("\uD83D\uDE00x \uD83D\uDE00", 1))
        .containsExactly("?", "x", "?");
    check(new byte[] {1, (byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80, 'x'});
  }

  static void check(byte[] input) {
    int width = input.length == 0 ? 0 : (input[0] & 0xff) % 81;
    String text =
        FuzzInputs.text(input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length));

    String shown = PanelProjection.displayable(text);
    assertPrintable(shown);
    assertThat(shown).doesNotContain("  ");
    assertThat(PanelProjection.displayable(shown)).isEqualTo(shown);

    String fitted = PanelProjection.fit(text, width);
    assertThat(fitted).hasSize(width);
    assertPrintable(fitted);

    int wrapWidth = Math.max(1, width);
    List<String> lines = PanelProjection.wrap(text, wrapWidth);
    for (String line : lines) {
      assertThat(line.length()).isBetween(1, wrapWidth);
      assertPrintable(line);
    }
  }

  /** No control or format character, no unpaired surrogate, no line break. */
  static void assertPrintable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        assertThat(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
            .as("high surrogate at %d of %s is paired", i, s)
            .isTrue();
        i++;
        continue;
      }
      assertThat(Character.isLowSurrogate(c)).as("lone low surrogate at %d", i).isFalse();
      assertThat(Character.isISOControl(c)).as("control U+%04X at %d", (int) c, i).isFalse();
      assertThat(Character.getType(c) == Character.FORMAT)
          .as("format U+%04X at %d", (int) c, i)
          .isFalse();
    }
  }
}
