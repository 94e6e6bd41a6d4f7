package io.vpanel.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.model.Activity;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The logging that {@link LogSetup} puts in place, read back from the stream it writes (standard
 * error in the agent; here a buffer, as other tools in this JVM write to standard error too).
 */
class ActivityLoggerTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  @AfterEach
  void restore() {
    LogSetup.apply(LogSettings.defaults(), false);
  }

  private void apply(LogSettings.Format format, LogSettings.Level level, boolean journald) {
    LogSetup.apply(new LogSettings(format, level), journald, captured);
  }

  private List<String> lines() {
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }

  private static Activity transition() {
    return new Activity(
        "maintenance",
        "sim-01",
        Instant.parse("2026-12-02T08:00:00Z"),
        "sim-01: OPERATIONAL -> ENTERING (button)",
        Map.of("from", "OPERATIONAL", "to", "ENTERING", "origin", "panel:web", "reason", ""));
  }

  private static Activity progress() {
    return new Activity(
        "migration",
        "sim-01",
        Instant.parse("2026-12-02T08:00:01Z"),
        "vm-03: 1.0 GiB sent, 3.0 GiB left, round 0",
        Map.of("event", "progress", "vm", "vm-03", "processedBytes", 1L << 30, "round", 0));
  }

  private static Activity completed() {
    return new Activity(
        "migration",
        "sim-01",
        Instant.parse("2026-12-02T08:00:09Z"),
        "vm-03: sim-01 -> sim-02 done in 8000 ms",
        Map.of(
            "event", "completed",
            "vm", "vm-03",
            "source", "sim-01",
            "destination", "sim-02",
            "bytesSent", 4L << 30,
            "seconds", 8.0));
  }

  @Test
  void jsonLinesCarryEachActivitysKindHostAndFields() {
    apply(LogSettings.Format.JSON, LogSettings.Level.INFO, false);
    ActivityLogger logger = new ActivityLogger();
    logger.onActivity(transition());
    logger.onActivity(progress());
    logger.onActivity(completed());

    List<String> lines = lines();
    assertThat(lines).as("progress is DEBUG, so two lines at INFO").hasSize(2);
    JsonNode state = JSON.readTree(lines.get(0));
    assertThat(state.get("logger").asString()).isEqualTo("io.vpanel.activity");
    assertThat(state.get("level").asString()).isEqualTo("info");
    assertThat(state.get("kind").asString()).isEqualTo("maintenance");
    assertThat(state.get("host").asString()).isEqualTo("sim-01");
    assertThat(state.get("from").asString()).isEqualTo("OPERATIONAL");
    assertThat(state.get("to").asString()).isEqualTo("ENTERING");
    assertThat(state.get("origin").asString()).isEqualTo("panel:web");
    JsonNode moved = JSON.readTree(lines.get(1));
    assertThat(moved.get("event").asString()).isEqualTo("completed");
    assertThat(moved.get("destination").asString()).isEqualTo("sim-02");
    assertThat(moved.get("bytesSent").asLong()).isEqualTo(4L << 30);
    assertThat(moved.get("message").asString())
        .isEqualTo("vm-03: sim-01 -> sim-02 done in 8000 ms");
  }

  @Test
  void atDebugTheProgressSamplesAreLoggedToo() {
    apply(LogSettings.Format.JSON, LogSettings.Level.DEBUG, false);
    new ActivityLogger().onActivity(progress());
    List<String> lines = lines();
    assertThat(lines).hasSize(1);
    JsonNode json = JSON.readTree(lines.get(0));
    assertThat(json.get("level").asString()).isEqualTo("debug");
    assertThat(json.get("event").asString()).isEqualTo("progress");
    assertThat(json.get("processedBytes").asLong()).isEqualTo(1L << 30);
  }

  @Test
  void textLinesAreTheMessageWithATimeAndUnderJournaldThePriorityInstead() {
    apply(LogSettings.Format.TEXT, LogSettings.Level.INFO, false);
    new ActivityLogger().onActivity(transition());
    assertThat(lines())
        .singleElement()
        .asString()
        .matches(
            "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  activity - sim-01: OPERATIONAL -> ENTERING \\(button\\)");
    captured.reset();
    apply(LogSettings.Format.TEXT, LogSettings.Level.INFO, true);
    new ActivityLogger().onActivity(transition());
    assertThat(lines())
        .singleElement()
        .isEqualTo("<6>activity - sim-01: OPERATIONAL -> ENTERING (button)");
  }

  @Test
  void librariesStayAtWarnWhateverVpanelsLevel() {
    apply(LogSettings.Format.JSON, LogSettings.Level.DEBUG, false);
    org.slf4j.LoggerFactory.getLogger("org.eclipse.jetty.server.Server").info("started");
    org.slf4j.LoggerFactory.getLogger("org.eclipse.jetty.server.Server").warn("trouble");
    assertThat(lines())
        .singleElement()
        .satisfies(
            line -> assertThat(JSON.readTree(line).get("message").asString()).isEqualTo("trouble"));
  }
}
