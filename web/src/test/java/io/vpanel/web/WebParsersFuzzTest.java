package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vpanel.testkit.FuzzInputs;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the API's pure parsers of request input (docs/FUZZING.md): {@link MediaRanges#accepts}
 * (Accept headers), {@link HostHeaderCheck#refusal} (Host headers), {@link ListenAddress#parse}
 * (the api.listen setting and --listen) and {@link ApiLimits#quote}/{@link ApiLimits#message} (what
 * an error echoes). Each checks the parser's contract, not only that it does not throw.
 */
class WebParsersFuzzTest {
  private static final HostHeaderCheck HOSTS =
      new HostHeaderCheck(List.of("vpanel.example.org", "*.rack12.example.org"));

  @FuzzTest(maxDuration = "2m")
  void mediaRanges(FuzzedDataProvider data) {
    checkMediaRanges(data.consumeRemainingAsBytes());
  }

  @FuzzTest(maxDuration = "2m")
  void hostHeader(FuzzedDataProvider data) {
    checkHostHeader(data.consumeRemainingAsBytes());
  }

  @FuzzTest(maxDuration = "2m")
  void listenAddress(FuzzedDataProvider data) {
    checkListenAddress(data.consumeRemainingAsBytes());
  }

  @FuzzTest(maxDuration = "2m")
  void quote(FuzzedDataProvider data) {
    checkQuote(data.consumeRemainingAsBytes());
  }

  @Test
  void shortRuns() {
    FuzzInputs.run(getClass(), "mediaRanges", 1500, WebParsersFuzzTest::checkMediaRanges);
    FuzzInputs.run(getClass(), "hostHeader", 1500, WebParsersFuzzTest::checkHostHeader);
    FuzzInputs.run(getClass(), "listenAddress", 1500, WebParsersFuzzTest::checkListenAddress);
    FuzzInputs.run(getClass(), "quote", 1500, WebParsersFuzzTest::checkQuote);
  }

  static void checkMediaRanges(byte[] input) {
    String accept = FuzzInputs.text(input);
    for (String type : new String[] {"application/json", "text/event-stream", "text/html"}) {
      boolean accepted = MediaRanges.accepts(accept, type);
      if (accept.isBlank()) {
        assertThat(accepted).isTrue();
      } else if (!accept.contains("/")) {
        assertThat(accepted).as("no media range in %s", accept).isFalse();
      }
      // naming the type itself first, with no weight, wins over anything after it but q=0 of it
      assertThat(MediaRanges.accepts(type, type)).isTrue();
    }
  }

  static void checkHostHeader(byte[] input) {
    String header = FuzzInputs.text(input);
    Optional<String> refusal = HOSTS.refusal(header);
    refusal.ifPresent(
        message -> {
          assertThat(message.length()).isLessThanOrEqualTo(ApiLimits.MAX_ERROR_MESSAGE);
          assertPrintable(message);
        });
    if (header.isBlank()) {
      assertThat(refusal).isPresent();
    }
  }

  static void checkListenAddress(byte[] input) {
    String text = FuzzInputs.text(input);
    ListenAddress address;
    try {
      address = ListenAddress.parse(text);
    } catch (IllegalArgumentException refused) {
      return;
    }
    assertThat(address.host()).isNotEmpty();
    assertThat(address.port()).isBetween(0, 65535);
    // what it prints is what it parses back to
    assertThat(ListenAddress.parse(address.toString())).isEqualTo(address);
  }

  static void checkQuote(byte[] input) {
    String text = FuzzInputs.text(input);
    String quoted = ApiLimits.quote(text);
    assertThat(quoted.length()).isLessThanOrEqualTo(ApiLimits.MAX_QUOTED + 3);
    assertPrintable(quoted);
    String message = ApiLimits.message(text);
    assertThat(message.length()).isLessThanOrEqualTo(ApiLimits.MAX_ERROR_MESSAGE + 3);
    assertPrintable(message);
    if (text.length() <= ApiLimits.MAX_QUOTED) {
      // Short input is never cut: no "..." is added (found by fuzzing: the input may end with
      // dots of its own, which the check took for the mark).
      assertThat(!quoted.endsWith("...") || text.endsWith("...")).as(quoted).isTrue();
    }
  }

  /** No control character, no unpaired surrogate. */
  static void assertPrintable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
        continue;
      }
      assertThat(Character.isSurrogate(c)).as("unpaired surrogate at %d of %s", i, s).isFalse();
      assertThat(Character.isISOControl(c)).as("control U+%04X at %d", (int) c, i).isFalse();
    }
  }

  @Test
  void listenAddressRefusesWithIllegalArgument() {
    assertThatThrownBy(() -> ListenAddress.parse(":")).isInstanceOf(IllegalArgumentException.class);
  }

  /** Finding: blanks inside the brackets stayed in the host, and it printed back differently. */
  @Test
  void listenAddressDropsBlanksInsideBrackets() {
    ListenAddress address = ListenAddress.parse("[ ::1 ]:8080");
    assertThat(address.host()).isEqualTo("::1");
    assertThat(ListenAddress.parse(address.toString())).isEqualTo(address);
    assertThatThrownBy(() -> ListenAddress.parse("[ ]:80"))
        .isInstanceOf(IllegalArgumentException.class);
    ListenAddress escaped = ListenAddress.parse("[ \u001b:1]:0");
    assertThat(ListenAddress.parse(escaped.toString())).isEqualTo(escaped);
    assertThatThrownBy(() -> ListenAddress.parse("[[a]]:80"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Finding: an Accept element of only ';' threw ArrayIndexOutOfBoundsException. */
  @Test
  void acceptWithABareSemicolonIsNoRange() {
    assertThat(MediaRanges.accepts(";", "application/json")).isFalse();
    assertThat(MediaRanges.accepts("text/*;q=1.0,;;, */*", "text/event-stream")).isTrue();
  }

  /** Finding: an error message passed a lone surrogate through (quote already showed it as ?). */
  @Test
  void messageShowsALoneSurrogateAsQuestionMark() {
    assertThat(ApiLimits.message("a\ud800b\udc00")).isEqualTo("a?b?");
    assertThat(ApiLimits.message("\ud83d\ude00")).isEqualTo("\ud83d\ude00");
  }

  /** Finding: a pair at the bound went past it, and with "..." to 404 characters. */
  @Test
  void aMessageNeverPassesItsBoundWithAPairAtTheEdge() {
    String face = "\ud83d\ude00";
    String message = ApiLimits.message("x".repeat(ApiLimits.MAX_ERROR_MESSAGE - 1) + face + "tail");
    assertThat(message).hasSize(ApiLimits.MAX_ERROR_MESSAGE - 1 + 3).endsWith("x...");
  }
}
