package io.vpanel.driver.redfish;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads server-sent events (the W3C event-stream format) from a stream, every line and every event
 * bounded. Comment lines ({@code : keep-alive}) count as activity but give no event.
 */
final class SseReader {
  static final int MAX_LINE = 64 * 1024;
  static final int MAX_DATA = RedfishClient.MAX_BODY;

  /** One event: its {@code id:} (empty when it had none) and its joined {@code data:} lines. */
  record Event(String id, String data) {}

  private final InputStream in;
  private final Runnable activity;
  private String lastId = "";

  SseReader(InputStream in, Runnable activity) {
    this.in = in;
    this.activity = activity;
  }

  /** The next event, or null at the end of the stream. */
  Event next() throws IOException {
    StringBuilder data = null;
    while (true) {
      String line = line();
      if (line == null) {
        return null;
      }
      activity.run();
      if (line.isEmpty()) {
        if (data != null) {
          return new Event(lastId, data.toString());
        }
        continue;
      }
      if (line.startsWith(":")) {
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "data" -> {
          if (data == null) {
            data = new StringBuilder();
          } else {
            data.append('\n');
          }
          if (data.length() + value.length() > MAX_DATA) {
            throw new IOException("an SSE event longer than " + MAX_DATA + " bytes");
          }
          data.append(value);
        }
        case "id" -> {
          if (value.indexOf('\0') < 0) {
            lastId = value;
          }
        }
        default -> {
          // event:, retry: and unknown fields carry nothing the source uses
        }
      }
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        return bytes.size() == 0 ? null : text(bytes);
      }
      if (b == '\n') {
        return text(bytes);
      }
      if (bytes.size() >= MAX_LINE) {
        throw new IOException("an SSE line longer than " + MAX_LINE + " bytes");
      }
      bytes.write(b);
    }
  }

  private static String text(ByteArrayOutputStream bytes) {
    String line = bytes.toString(StandardCharsets.UTF_8);
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }
}
