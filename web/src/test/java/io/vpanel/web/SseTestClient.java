package io.vpanel.web;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A server-sent-event client for tests: keeps every event it reads, in order. */
final class SseTestClient implements AutoCloseable {
  /** One event as read from the stream. */
  record Event(String name, String data) {}

  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final InputStream body;
  private final Thread reader;

  private SseTestClient(InputStream body) {
    this.body = body;
    this.reader = Thread.ofVirtual().name("sse-test-client").start(this::read);
  }

  /** Connects to {@code url} and returns once the server answered with its headers. */
  static SseTestClient connect(HttpClient http, String url) throws IOException {
    try {
      HttpResponse<InputStream> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Accept", "text/event-stream")
                  .timeout(Duration.ofSeconds(10))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() != 200) {
        response.body().close();
        throw new IOException(url + " answered " + response.statusCode());
      }
      return new SseTestClient(response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  List<Event> events() {
    return List.copyOf(events);
  }

  List<Event> events(String name) {
    return events.stream().filter(e -> e.name().equals(name)).toList();
  }

  private void read() {
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String name = "message";
      StringBuilder data = new StringBuilder();
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isEmpty()) {
          if (!data.isEmpty()) {
            events.add(new Event(name, data.toString()));
          }
          name = "message";
          data.setLength(0);
        } else if (line.startsWith("event:")) {
          name = line.substring("event:".length()).trim();
        } else if (line.startsWith("data:")) {
          if (!data.isEmpty()) {
            data.append('\n');
          }
          data.append(line.substring("data:".length()).stripLeading());
        }
      }
    } catch (IOException e) {
      // closed by the test or by the server
    }
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException e) {
      // already gone
    }
    reader.interrupt();
  }
}
