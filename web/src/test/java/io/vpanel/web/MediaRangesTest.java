package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MediaRangesTest {
  @ParameterizedTest(name = "Accept: {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "text/event-stream | true",
        "*/* | true",
        "text/* | true",
        "' ' | true",
        "text/event-stream;q=0 | false",
        "text/event-stream; q=0.000 | false",
        "text/event-stream;q=0.001 | true",
        "text/event-stream;q=1.0 | true",
        "*/*;q=0 | false",
        "*/*, text/event-stream;q=0 | false",
        "text/event-stream;q=0, */* | false",
        "text/*;q=0, */*;q=1 | false",
        "text/*;q=0, text/event-stream | true",
        "application/json | false",
        "application/json, text/html | false",
        "application/json;q=1, */*;q=0.01 | true",
        "text/html | false",
        "text/event-stream;q=abc | false",
        "text/event-stream;q=2 | false",
        "text/event-stream;q=abc, */* | true",
        "TEXT/Event-Stream | true",
        "text/event-stream;charset=utf-8;q=0.5 | true",
        "garbage | false",
        "text | false",
      })
  void theMostSpecificMatchingRangeDecides(String accept, boolean accepted) {
    assertThat(MediaRanges.accepts(accept, "text/event-stream")).isEqualTo(accepted);
  }

  @Test
  void noHeaderAcceptsAnything() {
    assertThat(MediaRanges.accepts(null, "text/event-stream")).isTrue();
  }
}
