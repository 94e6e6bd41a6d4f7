package io.vpanel.driver.tui;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vpanel.testkit.FuzzInputs;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link KeyDecoder} with what a terminal (or anything at the other end of the TTY) may
 * send: it never throws, names only keys of {@link Keys}, at most one key per byte, keeps at most
 * {@link KeyDecoder#MAX_SEQUENCE} bytes of a pending sequence, and gives the same keys however the
 * bytes are split into reads. See docs/FUZZING.md.
 */
class KeyDecoderFuzzTest {
  @FuzzTest(maxDuration = "2m")
  void keys(FuzzedDataProvider data) {
    check(data.consumeRemainingAsBytes());
  }

  @Test
  void shortRun() {
    FuzzInputs.run(getClass(), "keys", 3000, KeyDecoderFuzzTest::check);
  }

  static void check(byte[] input) {
    List<String> whole = new ArrayList<>();
    KeyDecoder one = new KeyDecoder(whole::add);
    one.feed(input, input.length);
    assertThat(pending(one)).isLessThanOrEqualTo(KeyDecoder.MAX_SEQUENCE);
    one.idle();

    // the same bytes in reads of 1, 2, 3, ... bytes (the last byte of the input sets the pattern)
    List<String> split = new ArrayList<>();
    KeyDecoder two = new KeyDecoder(split::add);
    int step = input.length == 0 ? 1 : 1 + (input[input.length - 1] & 0x07);
    for (int at = 0; at < input.length; at += step) {
      byte[] chunk = java.util.Arrays.copyOfRange(input, at, Math.min(input.length, at + step));
      two.feed(chunk, chunk.length);
      assertThat(pending(two)).isLessThanOrEqualTo(KeyDecoder.MAX_SEQUENCE);
    }
    two.idle();

    assertThat(split).isEqualTo(whole);
    assertThat(whole.size()).isLessThanOrEqualTo(input.length);
    for (String key : whole) {
      boolean character = key.length() == 1 && key.charAt(0) > ' ' && key.charAt(0) < 0x7f;
      assertThat(character || Keys.NAMED.contains(key)).as("key %s", key).isTrue();
    }
  }

  private static int pending(KeyDecoder decoder) {
    try {
      Field params = KeyDecoder.class.getDeclaredField("params");
      params.setAccessible(true);
      return ((StringBuilder) params.get(decoder)).length();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
