package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Slow clients deny nobody: many connections that trickle a request's headers and never finish
 * (slowloris), and event streams that are never read, hold no thread the others need; the API
 * answers meanwhile and a reading client still gets every change.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowClientsTest {
  private static final String TOKEN = "slow-clients-token-0123456789";
  private SimulatedApi api;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() {
    api = SimulatedApi.withSimulatedHosts(TOKEN, ApiSettings.defaults());
  }

  @AfterAll
  void stop() {
    api.close();
    http.close();
  }

  private Socket connect(String from) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(from, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", api.api().port()), 5000);
    return socket;
  }

  @Test
  void trickledHeadersAndUnreadStreamsLeaveTheApiAnswering() throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      // 200 requests that never end their headers, from 20 addresses.
      for (int i = 0; i < 200; i++) {
        Socket socket = connect("127.0.2." + (1 + i % 20));
        OutputStream out = socket.getOutputStream();
        out.write(
            "GET /api/v1/hosts HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        slow.add(socket);
      }
      // 16 event streams whose reader never reads, from one address.
      for (int i = 0; i < 16; i++) {
        Socket socket = connect("127.0.3.1");
        socket.setReceiveBufferSize(1024);
        socket
            .getOutputStream()
            .write(
                "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        slow.add(socket);
      }
      SseTestClient reader = SseTestClient.connect(http, api.url("/api/v1/events"));
      for (int round = 0; round < 3; round++) {
        for (Socket socket : slow.subList(0, 200)) {
          socket.getOutputStream().write('x');
        }
        // Changes the unread streams would be sent: notices with long texts.
        for (int n = 0; n < 10; n++) {
          HttpResponse<String> posted =
              http.send(
                  HttpRequest.newBuilder(
                          URI.create(api.url("/api/v1/hosts/sim-0" + (1 + n % 4) + "/notices")))
                      .header("Authorization", "Bearer " + TOKEN)
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"text\":\"ROUND "
                                  + round
                                  + " NOTICE "
                                  + n
                                  + " "
                                  + "W".repeat(150)
                                  + "\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
        }
        HttpResponse<String> health =
            http.send(
                HttpRequest.newBuilder(URI.create(api.url("/healthz")))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
      }
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  reader.events("host").stream()
                      .anyMatch(e -> e.data().contains("ROUND 2 NOTICE 9")));
      HttpResponse<String> hosts =
          http.send(
              HttpRequest.newBuilder(URI.create(api.url("/api/v1/hosts")))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(hosts.statusCode()).isEqualTo(200);
    } finally {
      for (Socket socket : slow) {
        socket.close();
      }
    }
  }
}
