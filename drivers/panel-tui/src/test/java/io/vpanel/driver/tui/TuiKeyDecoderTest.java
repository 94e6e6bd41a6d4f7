package io.vpanel.driver.tui;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The key decoder on byte streams a terminal sends, without a terminal. */
class TuiKeyDecoderTest {
  private final List<String> keys = new ArrayList<>();
  private final KeyDecoder decoder = new KeyDecoder(keys::add);

  private void feed(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    decoder.feed(bytes, bytes.length);
  }

  @Test
  void printableKeysEnterAndTheCrLfPair() {
    feed("mB \r\r\n\n\t\u007f");
    assertThat(keys)
        .containsExactly("m", "b", "Space", "Enter", "Enter", "Enter", "Tab", "Backspace");
  }

  @Test
  void aLoneEscapeIsAKeyOnlyOnceTheInputPauses() {
    feed("\u001b");
    assertThat(keys).isEmpty();
    decoder.idle();
    assertThat(keys).containsExactly("Escape");
  }

  @Test
  void anEscapeSequenceSplitAcrossReadsIsOneKey() {
    feed("\u001b");
    feed("[");
    feed("A\u001bOP\u001b[15~\u001b[3~");
    decoder.idle();
    assertThat(keys).containsExactly("Up", "F1", "F5", "Delete");
  }

  @Test
  void unknownAndOverlongSequencesStringsAndOtherBytesAreDropped() {
    feed("\u001b[99;99z\u001b[1;5A\u001b[200~");
    feed("\u001b[" + "1;".repeat(1000) + "m");
    feed("\u001b]0;title with m and \r\u0007\u001bP data m \u001b\\");
    feed("\u00e9\u0003\u0000\u009b\u001bx");
    decoder.idle();
    assertThat(keys).isEmpty();
    feed("m");
    assertThat(keys).containsExactly("m");
  }

  @Test
  void aPauseInsideASequenceDropsIt() {
    feed("\u001b[1");
    decoder.idle();
    // what comes after the pause is plain typing again
    feed("5~");
    assertThat(keys).containsExactly("5", "~");
  }
}
