package io.vpanel.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class JsonLinesEncoderTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final LoggerContext context = new LoggerContext();

  private LoggingEvent event(Level level, String message) {
    LoggingEvent event =
        new LoggingEvent(
            "test", context.getLogger("io.vpanel.activity"), level, message, null, null);
    event.setTimeStamp(1_764_000_000_123L);
    event.setThreadName("owner");
    return event;
  }

  private String encode(JsonLinesEncoder encoder, LoggingEvent event) {
    return new String(encoder.encode(event), StandardCharsets.UTF_8);
  }

  private JsonLinesEncoder encoder(boolean priority) {
    JsonLinesEncoder encoder = new JsonLinesEncoder();
    encoder.setContext(context);
    encoder.setPriorityPrefix(priority);
    encoder.start();
    return encoder;
  }

  @Test
  void anEventIsOneLineOfFlatKeys() {
    LoggingEvent event = event(Level.INFO, "sim-01: OPERATIONAL -> ENTERING (api:ops)");
    event.setKeyValuePairs(
        List.of(
            new KeyValuePair("kind", "maintenance"),
            new KeyValuePair("host", "sim-01"),
            new KeyValuePair("from", "OPERATIONAL"),
            new KeyValuePair("to", "ENTERING"),
            new KeyValuePair("bytesSent", 1024L),
            new KeyValuePair("rounds", 3),
            new KeyValuePair("seconds", 1.5),
            new KeyValuePair("accepted", true),
            new KeyValuePair("message", "a field named like a fixed key")));
    String line = encode(encoder(false), event);
    assertThat(line).endsWith("\n").doesNotContain("\n\n");
    assertThat(line.strip()).doesNotContain("\n");
    JsonNode json = JSON.readTree(line);
    assertThat(json.get("time").asString()).isEqualTo("2025-11-24T16:00:00.123Z");
    assertThat(json.get("level").asString()).isEqualTo("info");
    assertThat(json.get("logger").asString()).isEqualTo("io.vpanel.activity");
    assertThat(json.get("thread").asString()).isEqualTo("owner");
    assertThat(json.get("message").asString())
        .isEqualTo("sim-01: OPERATIONAL -> ENTERING (api:ops)");
    assertThat(json.get("kind").asString()).isEqualTo("maintenance");
    assertThat(json.get("host").asString()).isEqualTo("sim-01");
    assertThat(json.get("to").asString()).isEqualTo("ENTERING");
    assertThat(json.get("bytesSent").isNumber()).isTrue();
    assertThat(json.get("bytesSent").asLong()).isEqualTo(1024);
    assertThat(json.get("rounds").asInt()).isEqualTo(3);
    assertThat(json.get("seconds").asDouble()).isEqualTo(1.5);
    assertThat(json.get("accepted").asBoolean()).isTrue();
    assertThat(json.get("field_message").asString()).isEqualTo("a field named like a fixed key");
  }

  @Test
  void quotesNewlinesAndControlCharactersStayInsideTheLine() {
    LoggingEvent event = event(Level.WARN, "vm \"a\"\nsecond line\u0007");
    event.setKeyValuePairs(List.of(new KeyValuePair("reason", "x\r\ny")));
    String line = encode(encoder(false), event);
    assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    JsonNode json = JSON.readTree(line);
    assertThat(json.get("message").asString()).isEqualTo("vm \"a\"\nsecond line\u0007");
    assertThat(json.get("reason").asString()).isEqualTo("x\r\ny");
  }

  @Test
  void anExceptionIsItsClassMessageAndAShortStack() {
    LoggingEvent event = event(Level.ERROR, "journal refused an entry");
    event.setThrowableProxy(
        new ThrowableProxy(new IllegalStateException("disk full", new RuntimeException("EIO"))));
    JsonNode json = JSON.readTree(encode(encoder(false), event));
    assertThat(json.get("error").asString())
        .isEqualTo("java.lang.IllegalStateException: disk full");
    assertThat(json.get("stack").asString())
        .contains("at io.vpanel.agent.logging.JsonLinesEncoderTest")
        .contains("caused by java.lang.RuntimeException: EIO");
  }

  @Test
  void aHugeMessageIsClipped() {
    String huge = "x".repeat(JsonLinesEncoder.MAX_TEXT * 3);
    JsonNode json = JSON.readTree(encode(encoder(false), event(Level.INFO, huge)));
    assertThat(json.get("message").asString())
        .hasSizeLessThan(JsonLinesEncoder.MAX_TEXT + 40)
        .endsWith("...(" + JsonLinesEncoder.MAX_TEXT * 2 + " more)");
  }

  @Test
  void underJournaldEachLineStartsWithItsSyslogPriority() {
    JsonLinesEncoder encoder = encoder(true);
    assertThat(encode(encoder, event(Level.ERROR, "e"))).startsWith("<3>{");
    assertThat(encode(encoder, event(Level.WARN, "w"))).startsWith("<4>{");
    assertThat(encode(encoder, event(Level.INFO, "i"))).startsWith("<6>{");
    assertThat(encode(encoder, event(Level.DEBUG, "d"))).startsWith("<7>{");
    assertThat(JSON.readTree(encode(encoder, event(Level.INFO, "i")).substring(3)).has("time"))
        .isTrue();
  }
}
