package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vpanel.testkit.SecretFile;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Named tokens with roles, from a tokens file holding only their hashes, with reads restricted:
 * each refusal is the API's JSON error and changes nothing; a token is rotated without a restart;
 * another site's page is refused even with the token; wrong tokens and floods are slowed down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ApiRolesTest {
  private static final String VIEWER = "viewer-token-0123456789abcdef";
  private static final String OPERATOR = "operator-token-0123456789abcd";
  private static final String FLOOD = "flood-token-0123456789abcdefg";
  private static final String ADMIN = "admin-token-0123456789abcdefg";

  @TempDir static Path dir;
  private Path file;
  private SimulatedApi api;
  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws IOException {
    file = dir.resolve("tokens");
    writeTokens(
        Map.of("noc", "viewer " + hashOf(VIEWER), "ops", "operator " + hashOf(OPERATOR)),
        "flood operator " + hashOf(FLOOD),
        "root admin " + hashOf(ADMIN));
    api =
        SimulatedApi.withSimulatedHosts(
            ApiTokens.fromFile(file), ApiSettings.defaults().withReadsNeedToken(true));
  }

  @AfterAll
  void stop() {
    api.close();
    http.close();
  }

  private static String hashOf(String token) {
    return ApiTokens.hash(token);
  }

  private void writeTokens(Map<String, String> named, String... more) throws IOException {
    StringBuilder text = new StringBuilder("# name role hash\n");
    named.forEach((name, rest) -> text.append(name).append(' ').append(rest).append('\n'));
    for (String line : more) {
      text.append(line).append('\n');
    }
    Path next = dir.resolve("tokens.new");
    SecretFile.write(next, text);
    Files.move(
        next,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private HttpResponse<String> send(
      String method, String path, String token, String body, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(api.url(path)))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void assertError(HttpResponse<String> response, int status, String contains) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    assertThat(json.readTree(response.body()).path("error").asString()).contains(contains);
  }

  private String state(String host) throws Exception {
    return json.readTree(send("GET", "/api/v1/hosts/" + host, VIEWER, null).body())
        .path("maintenance")
        .path("state")
        .asString();
  }

  @Test
  void readsNeedATokenOfAnyRoleButHealthAndThePageDoNot() throws Exception {
    for (String path :
        List.of(
            "/api/v1/hosts",
            "/api/v1/hosts/sim-01",
            "/metrics",
            "/api/v1/hosts/sim-01/maintenance/plan",
            "/api/v1/events")) {
      assertError(send("GET", path, null, null), 401, "Authorization: Bearer");
      assertError(send("GET", path, "not-a-token", null), 401, "invalid token");
    }
    assertThat(send("GET", "/api/v1/hosts", VIEWER, null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/metrics", VIEWER, null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/healthz", null, null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void aViewerReadsButMayNotChangeAnything() throws Exception {
    assertError(
        send("POST", "/api/v1/hosts/sim-04/maintenance", VIEWER, "{\"action\":\"enter\"}"),
        403,
        "token 'noc' has role viewer; this call needs operator");
    assertError(
        send("POST", "/api/v1/hosts/sim-04/notices", VIEWER, "{\"text\":\"hello\"}"),
        403,
        "viewer");
    assertThat(state("sim-04")).isEqualTo("OPERATIONAL");
    assertThat(send("GET", "/api/v1/hosts/sim-04", VIEWER, null).body()).doesNotContain("hello");
  }

  @Test
  void anOperatorsRequestIsRecordedUnderTheTokensName() throws Exception {
    HttpResponse<String> enter =
        send("POST", "/api/v1/hosts/sim-02/maintenance", OPERATOR, "{\"action\":\"enter\"}");
    assertThat(enter.statusCode()).as(enter.body()).isEqualTo(202);
    try {
      assertThat(send("GET", "/api/v1/hosts/sim-02", VIEWER, null).body()).contains("api:ops");
    } finally {
      send("POST", "/api/v1/hosts/sim-02/maintenance", ADMIN, "{\"action\":\"cancel\"}");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                String s = state("sim-02");
                if (s.equals("IN_MAINTENANCE") || s.equals("FAILED")) {
                  send("POST", "/api/v1/hosts/sim-02/maintenance", ADMIN, "{\"action\":\"exit\"}");
                }
                return s.equals("OPERATIONAL");
              });
    }
  }

  @Test
  void theEventStreamTakesAOneTimeTicketInsteadOfTheHeader() throws Exception {
    assertError(send("POST", "/api/v1/events/tickets", null, null), 401, "Authorization");
    HttpResponse<String> issued = send("POST", "/api/v1/events/tickets", VIEWER, null);
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
    String ticket = json.readTree(issued.body()).path("ticket").asString();
    assertThat(ticket).hasSize(32);

    HttpResponse<InputStream> stream =
        http.send(
            HttpRequest.newBuilder(URI.create(api.url("/api/v1/events?ticket=" + ticket))).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = stream.body()) {
      assertThat(stream.statusCode()).isEqualTo(200);
      byte[] first = body.readNBytes(6);
      assertThat(new String(first, StandardCharsets.UTF_8)).isNotBlank();
    }
    assertError(send("GET", "/api/v1/events?ticket=" + ticket, null, null), 401, "ticket");
    assertError(send("GET", "/api/v1/events?ticket=" + "0".repeat(32), null, null), 401, "ticket");
  }

  @Test
  void anotherSitesPageIsRefusedEvenWithTheToken() throws Exception {
    String enter = "{\"action\":\"enter\"}";
    assertError(
        send(
            "POST",
            "/api/v1/hosts/sim-03/maintenance",
            OPERATOR,
            enter,
            "Origin",
            "http://evil.example"),
        403,
        "cross-origin requests are refused");
    assertError(
        send(
            "POST",
            "/api/v1/hosts/sim-03/notices",
            OPERATOR,
            "{\"text\":\"x\"}",
            "Origin",
            "https://evil.example",
            "Sec-Fetch-Site",
            "cross-site"),
        403,
        "cross-origin");
    assertThat(state("sim-03")).isEqualTo("OPERATIONAL");
    // The agent's own page: same origin.
    HttpResponse<String> own =
        send(
            "POST",
            "/api/v1/hosts/sim-03/notices",
            OPERATOR,
            "{\"text\":\"same origin\"}",
            "Origin",
            "http://127.0.0.1:" + api.api().port(),
            "Sec-Fetch-Site",
            "same-origin");
    assertThat(own.statusCode()).as(own.body()).isEqualTo(202);
  }

  @Test
  void aTokenIsRotatedAndRevokedWithoutARestart() throws Exception {
    String rotated = "operator-token-rotated-012345";
    writeTokens(
        Map.of("noc", "viewer " + hashOf(VIEWER), "ops", "operator " + hashOf(rotated)),
        "flood operator " + hashOf(FLOOD),
        "root admin " + hashOf(ADMIN));
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> send("GET", "/api/v1/hosts", rotated, null).statusCode() == 200);
      assertError(send("GET", "/api/v1/hosts", OPERATOR, null), 401, "invalid token");
    } finally {
      writeTokens(
          Map.of("noc", "viewer " + hashOf(VIEWER), "ops", "operator " + hashOf(OPERATOR)),
          "flood operator " + hashOf(FLOOD),
          "root admin " + hashOf(ADMIN));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> send("GET", "/api/v1/hosts", OPERATOR, null).statusCode() == 200);
    }
  }

  @Test
  void aFloodOfRequestsIsSlowedDownNeverAnsweredWith500() throws Exception {
    int limited = 0;
    for (int i = 0; i < 80; i++) {
      HttpResponse<String> reply =
          send("POST", "/api/v1/hosts/sim-04/notices", FLOOD, "{\"text\":\"\"}");
      assertThat(reply.statusCode()).isIn(400, 429);
      if (reply.statusCode() == 429) {
        limited++;
        assertThat(reply.headers().firstValue("Retry-After")).isPresent();
        assertError(reply, 429, "too many requests with token 'flood'");
      }
    }
    assertThat(limited).as("requests beyond the burst").isPositive();
  }

  /** One raw request from {@code localAddress}: status line and headers. */
  private String rawFrom(String localAddress, String token) throws IOException {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(localAddress, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", api.api().port()), 5000);
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET /api/v1/hosts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                      + token
                      + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void wrongTokensFromOneAddressAreSlowedDownThenEvenTheRightOneWaits() throws Exception {
    String address = "127.0.0.9";
    for (int i = 0; i < AuthFailures.FREE_FAILURES; i++) {
      assertThat(rawFrom(address, "wrong-" + i)).startsWith("HTTP/1.1 401");
    }
    String blocked = rawFrom(address, "wrong-again");
    assertThat(blocked)
        .startsWith("HTTP/1.1 429")
        .contains("Retry-After: ")
        .contains("wrong tokens");
    assertThat(rawFrom(address, VIEWER)).startsWith("HTTP/1.1 429");
    // Other addresses are not affected.
    assertThat(rawFrom("127.0.0.10", VIEWER)).startsWith("HTTP/1.1 200");
    // After the wait the right token works and clears the count.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> rawFrom(address, VIEWER).startsWith("HTTP/1.1 200"));
  }

  @Test
  void aTokensFileOthersMayReadIsRefusedWithTheFix() throws IOException {
    Path open = dir.resolve("open-tokens");
    Files.writeString(open, "ops operator " + hashOf(OPERATOR) + "\n");
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> ApiTokens.fromFile(open))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("readable or writable by its group or others")
        .hasMessageContaining("chmod 600 " + open);
  }

  @Test
  void aMalformedTokensFileNamesItsLine() throws IOException {
    for (String[] bad :
        new String[][] {
          {"ops operator plaintext-token\n", ":1: the token must be stored as sha256:"},
          {"# c\nops boss " + hashOf(OPERATOR) + "\n", ":2: unknown role 'boss'"},
          {
            "ops operator " + hashOf(OPERATOR) + "\nops viewer " + hashOf(VIEWER) + "\n",
            ":2: the name 'ops' is given twice"
          },
          {"just-one-field\n", ":1: expected NAME ROLE sha256:HEX"},
          {"# only comments\n", "no token in the file"}
        }) {
      Path f = dir.resolve("bad-tokens");
      SecretFile.write(f, bad[0]);
      assertThatThrownBy(() -> ApiTokens.fromFile(f))
          .as(bad[0])
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(f + bad[1].substring(0, bad[1].startsWith(":") ? 0 : 0))
          .hasMessageContaining(bad[1]);
    }
  }

  @Test
  void theFileHoldsNoTokenInTheClear() throws IOException {
    String text = Files.readString(file);
    assertThat(text).doesNotContain(VIEWER).doesNotContain(OPERATOR).contains("sha256:");
    JsonNode unused = json.readTree("{}");
    assertThat(unused).isNotNull();
  }
}
