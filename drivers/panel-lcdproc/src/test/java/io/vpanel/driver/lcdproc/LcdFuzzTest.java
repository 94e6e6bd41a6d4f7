package io.vpanel.driver.lcdproc;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vpanel.testkit.FuzzInputs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes what the LCDproc driver reads from LCDd and writes to it (docs/FUZZING.md):
 *
 * <ul>
 *   <li>{@code lines}: {@link LineReader} over any bytes in reads of any size gives one line per
 *       newline, each the bytes before it (less a CR) or the overlong mark, never longer than its
 *       limit;
 *   <li>{@code reply}: {@link LcdReply} classifies any line without throwing, a {@code connect}
 *       line's size is in range or none, a well-formed one's is read back exactly, and {@link
 *       LcdprocPanelDriver#printable} is bounded and has no control characters;
 *   <li>{@code text}: {@link LcdText} turns any string into cells that are printable ASCII, one per
 *       code point, at most the width ({@code row}: exactly), and its quoted form parses back (as
 *       LCDd's parser reads a braced argument) to the cells.
 * </ul>
 */
class LcdFuzzTest {
  private static final int MAX_LINE = 64;

  @FuzzTest(maxDuration = "2m")
  void lines(FuzzedDataProvider data) {
    checkLines(data.consumeRemainingAsBytes());
  }

  @FuzzTest(maxDuration = "2m")
  void reply(FuzzedDataProvider data) {
    checkReply(data.consumeRemainingAsBytes());
  }

  @FuzzTest(maxDuration = "2m")
  void text(FuzzedDataProvider data) {
    checkText(data.consumeRemainingAsBytes());
  }

  @Test
  void shortRunLines() {
    FuzzInputs.run(getClass(), "lines", 2000, LcdFuzzTest::checkLines);
  }

  @Test
  void shortRunReply() {
    FuzzInputs.run(getClass(), "reply", 2000, LcdFuzzTest::checkReply);
  }

  @Test
  void shortRunText() {
    FuzzInputs.run(getClass(), "text", 2000, LcdFuzzTest::checkText);
  }

  static void checkLines(byte[] input) {
    int chunk = input.length == 0 ? 1 : 1 + (input[0] & 0x1f);
    InputStream in =
        new ByteArrayInputStream(input) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, chunk));
          }
        };
    LineReader reader = new LineReader(in, MAX_LINE);
    List<String> lines = new ArrayList<>();
    try {
      for (String line = reader.next(); line != null; line = reader.next()) {
        lines.add(line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // expected: split at each \n; the part after the last one is dropped
    List<String> expected = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < input.length; i++) {
      if (input[i] == '\n') {
        byte[] part = Arrays.copyOfRange(input, start, i);
        expected.add(part.length > MAX_LINE ? null : strip(part));
        start = i + 1;
      }
    }
    assertThat(lines).hasSameSizeAs(expected);
    for (int i = 0; i < lines.size(); i++) {
      if (expected.get(i) == null) {
        assertThat(LineReader.overlong(lines.get(i))).as("line %d is overlong", i).isTrue();
      } else {
        assertThat(LineReader.overlong(lines.get(i))).isFalse();
        assertThat(lines.get(i)).isEqualTo(expected.get(i));
      }
    }
  }

  private static String strip(byte[] part) {
    int length = part.length;
    if (length > 0 && part[length - 1] == '\r') {
      length--;
    }
    return new String(part, 0, length, StandardCharsets.ISO_8859_1);
  }

  static void checkReply(byte[] input) {
    String line = new String(input, StandardCharsets.ISO_8859_1); // as LineReader gives it
    LcdReply.Kind kind = LcdReply.kind(line, LcdprocPanelDriver.SCREEN);
    assertThat(kind == LcdReply.Kind.KEY).isEqualTo(line.startsWith("key "));
    if (kind == LcdReply.Kind.KEY) {
      assertThat(LcdReply.key(line)).isEqualTo(line.substring(4).strip());
    }
    int[] size = LcdReply.size(line);
    if (size != null) {
      assertThat(size[0]).isBetween(1, LcdReply.MAX_WIDTH);
      assertThat(size[1]).isBetween(1, LcdReply.MAX_HEIGHT);
    }
    String printable = LcdprocPanelDriver.printable(line);
    assertThat(printable.length()).isLessThanOrEqualTo(200 + 3 + 3);
    assertThat(printable.chars().noneMatch(c -> c < 0x20 || c == 0x7f)).isTrue();

    // a well-formed connect line with sizes from the input reads back exactly
    int width = input.length > 0 ? 1 + (input[0] & 0xff) : 20;
    int height = input.length > 1 ? 1 + (input[1] & 0x3f) : 4;
    String connect =
        "connect LCDproc 0.5.9 protocol 0.4 lcd wid "
            + width
            + " hgt "
            + height
            + " cellwid 5 cellhgt 8";
    assertThat(LcdReply.kind(connect, LcdprocPanelDriver.SCREEN)).isEqualTo(LcdReply.Kind.CONNECT);
    assertThat(LcdReply.size(connect)).containsExactly(width, height);
  }

  static void checkText(byte[] input) {
    int width = input.length == 0 ? 20 : (input[0] & 0xff) % 81;
    String text =
        FuzzInputs.text(input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length));
    String cells = LcdText.cells(text, width);
    assertThat(cells.length()).isEqualTo(Math.min(width, text.codePointCount(0, text.length())));
    assertThat(cells.chars().allMatch(c -> c >= 0x20 && c < 0x7f))
        .as("printable: %s", cells)
        .isTrue();
    String row = LcdText.row(text, width);
    assertThat(row).hasSize(width).startsWith(cells);
    String quoted = LcdText.quoted(row);
    assertThat(unquote(quoted)).isEqualTo(row);
  }

  /** A braced argument as LCDd's sock_parse reads it: {@code \} escapes the next character. */
  private static String unquote(String quoted) {
    assertThat(quoted).startsWith("{").endsWith("}");
    StringBuilder out = new StringBuilder();
    for (int i = 1; i < quoted.length(); i++) {
      char c = quoted.charAt(i);
      if (c == '\\') {
        out.append(quoted.charAt(++i));
      } else if (c == '}') {
        assertThat(i).as("the argument ends at the last brace").isEqualTo(quoted.length() - 1);
        return out.toString();
      } else {
        out.append(c);
      }
    }
    throw new AssertionError("no closing brace: " + quoted);
  }
}
