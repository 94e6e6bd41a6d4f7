package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an outsider's probe of the API found, as regression tests: every refusal is the API's JSON
 * error (never Jetty's HTML, never a 500), quotes little of the input, and changes nothing; event
 * streams are capped per address and in all; the pages carry the security headers; a request naming
 * a host that is not the agent's is refused (DNS rebinding).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileInputTest {
  private static final String TOKEN = "hostile-input-token-0123";
  private static final int TOTAL_STREAMS = 5;
  private static final int STREAMS_PER_CLIENT = 3;

  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private SimulatedApi api;

  @BeforeAll
  void start() {
    api =
        SimulatedApi.withSimulatedHosts(
            TOKEN,
            new ApiSettings(
                List.of("vpanel.example.org", "*.rack12.example.org"),
                TOTAL_STREAMS,
                STREAMS_PER_CLIENT));
  }

  @AfterAll
  void stop() {
    api.close();
    http.close();
  }

  // ---------------------------------------------------------------- raw HTTP

  /** One raw request from {@code localAddress}; the whole answer as text. */
  private String raw(String localAddress, String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(localAddress, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", api.api().port()), 5000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      socket.shutdownOutput();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private String raw(String request) throws IOException {
    return raw("127.0.0.1", request);
  }

  private static int status(String answer) {
    return Integer.parseInt(answer.substring(9, 12));
  }

  private static String header(String answer, String name) {
    for (String line : answer.split("\r\n")) {
      if (line.isEmpty()) {
        break;
      }
      if (line.toLowerCase(Locale.ROOT).startsWith(name.toLowerCase(Locale.ROOT) + ":")) {
        return line.substring(name.length() + 1).trim();
      }
    }
    return null;
  }

  private JsonNode body(String answer) {
    return json.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
  }

  private void assertJsonError(String answer, int status) {
    assertThat(status(answer)).as(answer).isEqualTo(status);
    assertThat(header(answer, "Content-Type")).as(answer).startsWith("application/json");
    assertThat(body(answer).path("error").asString()).as(answer).isNotBlank();
    assertThat(answer).doesNotContainIgnoringCase("<html");
  }

  @Test
  void jettysOwnRefusalsAreJsonErrors() throws IOException {
    String host = "Host: 127.0.0.1\r\n";
    assertJsonError(raw("GARBAGE\r\n\r\n"), 400);
    assertJsonError(raw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Line\r\n\r\n"), 400);
    assertJsonError(raw("GET /" + "a".repeat(40_000) + " HTTP/1.1\r\n" + host + "\r\n"), 414);
    assertJsonError(
        raw("GET /healthz HTTP/1.1\r\n" + host + "X-Big: " + "b".repeat(40_000) + "\r\n\r\n"), 431);
    String huge = "{\"text\":\"" + "x".repeat(100_000) + "\"}";
    String answer =
        raw(
            "POST /api/v1/hosts/sim-01/notices HTTP/1.1\r\n"
                + host
                + "Authorization: Bearer "
                + TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: "
                + huge.length()
                + "\r\nConnection: close\r\n\r\n"
                + huge);
    assertThat(status(answer)).as(answer).isIn(400, 413);
    assertJsonError(answer, status(answer));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "DELETE /api/v1/hosts",
        "PUT /healthz",
        "PATCH /api/v1/hosts/sim-01/maintenance",
        "DELETE /api/v1/hosts/sim-01/notices",
        "POST /api/v1/hosts/sim-01"
      })
  void aWrongMethodIs405WithAJsonError(String request) throws IOException {
    String answer =
        raw(
            request
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assertJsonError(answer, 405);
  }

  // ---------------------------------------------------------------- notices

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api.url(path)))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void assertRefused(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    String error = json.readTree(response.body()).path("error").asString();
    assertThat(error).isNotBlank().hasSizeLessThanOrEqualTo(ApiLimits.MAX_ERROR_MESSAGE + 3);
    assertThat(error.chars()).noneMatch(Character::isISOControl);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{\"text\":\"ok\",\"ttlSeconds\":99999999999999999999999999}",
        "{\"text\":\"ok\",\"ttlSeconds\":-99999999999999999999999999}",
        "{\"text\":\"ok\",\"ttlSeconds\":1e400}",
        "{\"text\":\"ok\",\"ttlSeconds\":9223372036854775808}",
        "{\"text\":\"ok\",\"ttlSeconds\":86400.5}",
        "{\"text\":\"DISK\\u001b[2J SWAP\"}",
        "{\"text\":\"line one\\r\\nFAKE LOG LINE\"}",
        "{\"text\":\"tab\\there\"}",
        "{\"text\":\"bidi \\u202e reversed\"}",
        "{\"text\":\"half \\ud83d pair\"}",
        "{\"text\":\"ok\",\"from\":\"ops\\nroot\"}",
        "{\"text\":\"ok\",\"from\":\"\"}"
      })
  void aHostileNoticeIs400AndShowsNothing(String body) throws Exception {
    assertRefused(post("/api/v1/hosts/sim-02/notices", body), 400);
    assertThat(api.api()).isNotNull();
    JsonNode host = json.readTree(get("/api/v1/hosts/sim-02").body());
    assertThat(host.path("notices").toString()).doesNotContain("FAKE").doesNotContain("SWAP");
  }

  @Test
  void aLongFromIsRefusedAndAShortOneAccepted() throws Exception {
    assertRefused(
        post(
            "/api/v1/hosts/sim-03/notices",
            "{\"text\":\"ok\",\"from\":\"" + "f".repeat(65) + "\"}"),
        400);
    HttpResponse<String> ok =
        post(
            "/api/v1/hosts/sim-03/notices",
            "{\"text\":\"ok\",\"from\":\"" + "f".repeat(64) + "\"}");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
  }

  @Test
  void anErrorQuotesLittleOfTheInput() throws Exception {
    String action = "\u001b[31m" + "A".repeat(60_000);
    HttpResponse<String> response =
        post(
            "/api/v1/hosts/sim-01/maintenance",
            "{\"action\":\"" + action.replace("\u001b", "\\u001b") + "\"}");
    assertRefused(response, 400);
    String error = json.readTree(response.body()).path("error").asString();
    assertThat(error).startsWith("unknown action '?[31mAAAA").contains("...'").hasSizeLessThan(200);

    HttpResponse<String> host = get("/api/v1/hosts/" + "h".repeat(5_000));
    assertRefused(host, 404);
    assertThat(json.readTree(host.body()).path("error").asString()).hasSizeLessThan(200);
  }

  // ---------------------------------------------------------------- headers and Host

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(api.url(path))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"/", "/index.html", "/host.html", "/js/panel.js", "/api/v1/hosts", "/nope"})
  void everyAnswerCarriesTheSecurityHeaders(String path) throws Exception {
    HttpResponse<String> response = get(path);
    assertThat(response.headers().firstValue("Content-Security-Policy"))
        .hasValueSatisfying(
            csp ->
                assertThat(csp)
                    .contains("script-src 'self'")
                    .contains("frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline"));
    assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(response.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    assertThat(response.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    assertThat(response.headers().firstValue("Server")).isEmpty();
  }

  @Test
  void thePanelsFilesAreRevalidatedByEntityTagAndOnlyRead() throws Exception {
    HttpResponse<String> page = get("/host.html");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElseThrow().replace(" ", ""))
        .isEqualTo("text/html;charset=utf-8");
    assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
    String etag = page.headers().firstValue("ETag").orElseThrow();

    HttpResponse<String> again =
        http.send(
            HttpRequest.newBuilder(URI.create(api.url("/host.html")))
                .header("If-None-Match", etag)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();

    String head = raw("HEAD /js/panel.js HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assertThat(status(head)).as(head).isEqualTo(200);
    assertThat(header(head, "Content-Type")).startsWith("text/javascript");
    assertThat(head.substring(head.indexOf("\r\n\r\n") + 4)).isEmpty();

    assertJsonError(
        raw(
            "POST /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                + "Connection: close\r\n\r\n"),
        405);
  }

  @Test
  void thePagesHaveNoInlineScriptOrStyle() throws Exception {
    for (String page : List.of("/index.html", "/host.html")) {
      String html = get(page).body();
      assertThat(html).as(page).doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>");
      assertThat(html)
          .as(page)
          .doesNotContain("<style")
          .doesNotContainPattern(" on[a-z]+=")
          .doesNotContain(" style=");
    }
  }

  @ParameterizedTest(name = "Host: {0}")
  @ValueSource(
      strings = {
        "evil.example",
        "evil.example:8080",
        "vpanel.example.org.evil.example",
        "rack12.example.org",
        "127.0.0.1.evil.example",
        "local host",
        ""
      })
  void aForeignHostNameIsRefusedBeforeAnyRoute(String host) throws IOException {
    String answer =
        raw("GET /api/v1/hosts HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    assertThat(status(answer)).as(answer).isIn(400, 403);
    assertJsonError(answer, status(answer));
    assertThat(answer).doesNotContain("sim-01");
  }

  @ParameterizedTest(name = "Host: {0}")
  @ValueSource(
      strings = {
        "127.0.0.1",
        "127.0.0.1:9999",
        "localhost:8080",
        "LOCALHOST",
        "[::1]:8080",
        "10.1.2.3",
        "vpanel.example.org",
        "VPANEL.example.org:8080",
        "u07.rack12.example.org"
      })
  void theAgentsOwnNamesAndAddressesAreAccepted(String host) throws IOException {
    String answer =
        raw("GET /api/v1/hosts HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    assertThat(status(answer)).as(answer).isEqualTo(200);
    assertThat(answer).contains("sim-01");
  }

  // ---------------------------------------------------------------- event streams

  /** Opens an event stream from {@code localAddress}; the socket stays open for the caller. */
  private Socket stream(String localAddress) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(localAddress, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", api.api().port()), 5000);
    socket.setSoTimeout(10_000);
    socket
        .getOutputStream()
        .write(
            "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
    return socket;
  }

  /** The status line and headers of the answer on {@code socket}. */
  private static String head(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }

  /** Reads what {@code socket} has been sent until nothing more comes for 300 ms. */
  private static void drain(Socket socket) throws IOException {
    socket.setSoTimeout(300);
    byte[] buffer = new byte[8192];
    try {
      while (socket.getInputStream().read(buffer) >= 0) {
        // what the stream sent first: the hosts and panels as they are
      }
    } catch (java.net.SocketTimeoutException quiet) {
      // nothing more for now
    }
  }

  private double metric(String name) throws Exception {
    for (String line : get("/metrics").body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    throw new AssertionError(name + " not in /metrics");
  }

  @Test
  void aRefusedAddressHasItsClosedStreamsProbedSoTheyGiveTheirSlotsBackAtOnce() throws Exception {
    // tabs closed (or reloaded) before the agent wrote to their streams again: it notices only
    // when it writes, and a quiet stream is written to at the next heartbeat
    for (int i = 0; i < STREAMS_PER_CLIENT; i++) {
      try (Socket s = stream("127.0.0.5")) {
        assertThat(head(s)).startsWith("HTTP/1.1 200");
        drain(s); // read all it was sent: the close is a clean one, nothing for the agent to see
      }
    }
    assertThat(metric("vpanel_event_streams")).isEqualTo(STREAMS_PER_CLIENT);
    String refused =
        raw(
            "127.0.0.5",
            "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assertJsonError(refused, 503);

    // the refusal had them written to: the failed writes gave the slots back, long before the
    // next heartbeat would have
    assertThat(SseHub.HEARTBEAT).isGreaterThan(Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(5)).until(() -> metric("vpanel_event_streams") == 0);
    try (Socket again = stream("127.0.0.5")) {
      assertThat(head(again)).startsWith("HTTP/1.1 200");
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> metric("vpanel_event_streams") == 0);
  }

  @Test
  void eventStreamsAreCappedPerAddressAndInAllThenFreedWhenClosed() throws Exception {
    List<Socket> open = new ArrayList<>();
    try {
      for (int i = 0; i < STREAMS_PER_CLIENT; i++) {
        Socket s = stream("127.0.0.1");
        open.add(s);
        assertThat(head(s)).startsWith("HTTP/1.1 200");
      }
      String refused =
          raw(
              "127.0.0.1",
              "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      assertJsonError(refused, 503);
      assertThat(header(refused, "Retry-After"))
          .isEqualTo(String.valueOf(EventStreamRoute.RETRY_AFTER_SECONDS));
      assertThat(body(refused).path("error").asString()).contains("from your address");

      for (int i = STREAMS_PER_CLIENT; i < TOTAL_STREAMS; i++) {
        Socket s = stream("127.0.0.2");
        open.add(s);
        assertThat(head(s)).startsWith("HTTP/1.1 200");
      }
      String full =
          raw(
              "127.0.0.3",
              "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      assertJsonError(full, 503);
      assertThat(body(full).path("error").asString()).contains(TOTAL_STREAMS + " are open");

      assertThat(metric("vpanel_event_streams")).isEqualTo(TOTAL_STREAMS);
      assertThat(metric("vpanel_event_streams_refused_total")).isGreaterThanOrEqualTo(2);
      assertThat(get("/healthz").statusCode()).isEqualTo(200);
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> metric("vpanel_event_streams") == 0);
    try (Socket again = stream("127.0.0.1")) {
      assertThat(head(again)).startsWith("HTTP/1.1 200");
    }
  }
}
