package io.vpanel.agent.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.encoder.EncoderBase;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import org.slf4j.event.KeyValuePair;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * One JSON object per line, with flat keys: {@code time} (RFC 3339, UTC), {@code level}, {@code
 * logger}, {@code thread}, {@code message}, then the event's key-value pairs as they are ({@code
 * host}, {@code kind}, {@code event}, {@code vm}, ...), then {@code error} and {@code stack} when
 * it carries an exception. A pair whose key is one of the fixed ones is written as {@code
 * field_KEY}. Messages and values longer than {@value #MAX_TEXT} characters are clipped, so one
 * line stays readable by journald and log shippers.
 *
 * <p>Under systemd (see {@link JournalStream}) each line starts with the syslog priority, {@code
 * <6>}, which journald strips and keeps as the entry's priority.
 */
public final class JsonLinesEncoder extends EncoderBase<ILoggingEvent> {
  static final int MAX_TEXT = 8192;
  private static final int MAX_STACK_FRAMES = 40;
  private static final Set<String> FIXED =
      Set.of("time", "level", "logger", "thread", "message", "error", "stack");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private boolean priorityPrefix;

  /** Whether each line starts with {@code <N>}, the syslog priority journald reads. */
  public void setPriorityPrefix(boolean priorityPrefix) {
    this.priorityPrefix = priorityPrefix;
  }

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    StringWriter out = new StringWriter(256);
    if (priorityPrefix) {
      out.append(SyslogPriority.prefix(event.getLevel()));
    }
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringProperty("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
      json.writeStringProperty("level", event.getLevel().toString().toLowerCase(Locale.ROOT));
      json.writeStringProperty("logger", event.getLoggerName());
      json.writeStringProperty("thread", event.getThreadName());
      json.writeStringProperty("message", clip(event.getFormattedMessage()));
      if (event.getKeyValuePairs() != null) {
        for (KeyValuePair pair : event.getKeyValuePairs()) {
          if (pair.key == null) {
            continue;
          }
          String key = FIXED.contains(pair.key) ? "field_" + pair.key : pair.key;
          switch (pair.value) {
            case null -> json.writeNullProperty(key);
            case Boolean b -> json.writeBooleanProperty(key, b);
            case Long l -> json.writeNumberProperty(key, l);
            case Integer i -> json.writeNumberProperty(key, i);
            case Double d when Double.isFinite(d) -> json.writeNumberProperty(key, d);
            default -> json.writeStringProperty(key, clip(String.valueOf(pair.value)));
          }
        }
      }
      IThrowableProxy error = event.getThrowableProxy();
      if (error != null) {
        json.writeStringProperty(
            "error",
            clip(
                error.getClassName()
                    + (error.getMessage() == null ? "" : ": " + error.getMessage())));
        json.writeStringProperty("stack", clip(stack(error)));
      }
      json.writeEndObject();
    }
    out.append('\n');
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String stack(IThrowableProxy error) {
    StringBuilder out = new StringBuilder();
    int depth = 0;
    for (IThrowableProxy at = error; at != null && depth < 5; at = at.getCause(), depth++) {
      if (depth > 0) {
        out.append("caused by ")
            .append(at.getClassName())
            .append(at.getMessage() == null ? "" : ": " + at.getMessage())
            .append('\n');
      }
      StackTraceElementProxy[] frames = at.getStackTraceElementProxyArray();
      for (int i = 0; i < Math.min(frames.length, MAX_STACK_FRAMES); i++) {
        out.append("  at ").append(frames[i].getStackTraceElement()).append('\n');
      }
    }
    return out.toString();
  }

  static String clip(String text) {
    if (text == null || text.length() <= MAX_TEXT) {
      return text;
    }
    return text.substring(0, MAX_TEXT) + "...(" + (text.length() - MAX_TEXT) + " more)";
  }
}
