package io.vpanel.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/** A server-sent-event client on its own virtual thread: hands (event, data) to a consumer. */
final class SseProbe implements AutoCloseable {
  private final HttpURLConnection connection;
  private final Thread reader;
  final AtomicLong events = new AtomicLong();

  SseProbe(String url, BiConsumer<String, String> onEvent) throws Exception {
    connection = (HttpURLConnection) URI.create(url + "/api/v1/events").toURL().openConnection();
    connection.setRequestProperty("Accept", "text/event-stream");
    connection.setReadTimeout(0);
    connection.connect();
    BufferedReader in =
        new BufferedReader(
            new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8));
    reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  String event = "message";
                  StringBuilder data = new StringBuilder();
                  try {
                    String line;
                    while ((line = in.readLine()) != null) {
                      if (line.isEmpty()) {
                        if (!data.isEmpty()) {
                          events.incrementAndGet();
                          onEvent.accept(event, data.toString());
                        }
                        event = "message";
                        data.setLength(0);
                      } else if (line.startsWith("event:")) {
                        event = line.substring(6).trim();
                      } else if (line.startsWith("data:")) {
                        data.append(line.substring(5).trim());
                      }
                    }
                  } catch (Exception e) {
                    // closed
                  }
                });
  }

  @Override
  public void close() {
    connection.disconnect();
    reader.interrupt();
  }
}
