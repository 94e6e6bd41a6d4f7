package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vpanel.testkit.FuzzInputs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fuzzes the REST API's JSON bodies and query parameters through one real in-process server ({@link
 * SimulatedApi}, started once for the class, one {@link HttpClient} reused): fuzzed bodies are
 * POSTed to {@code notices}, {@code maintenance} and {@code panel/button} of {@code sim-01} (the
 * first input byte picks the route), fuzzed query strings go to {@code journal}. Whatever the
 * input, the answer is never a 500, is {@code application/json}, and its body is a JSON object: an
 * {@code error} for a 4xx or 503, the documented shape for a 2xx. See docs/FUZZING.md.
 */
class ApiFuzzTest {
  private static final String TOKEN = "fuzz-token-0123456789abcdef";
  private static final String[] ROUTES = {"notices", "maintenance", "panel/button"};
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static SimulatedApi api;
  private static HttpClient http;

  private static synchronized SimulatedApi api() {
    if (api == null) {
      api = SimulatedApi.withSimulatedHosts(TOKEN, ApiSettings.defaults());
      // The parsers behind the limits are under test, not the limits (ApiRolesTest has those).
      api.api().withoutRateLimits();
      http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }
    return api;
  }

  @AfterAll
  static synchronized void stop() {
    if (api != null) {
      api.close();
      http.close();
      api = null;
    }
  }

  @FuzzTest(maxDuration = "2m")
  void bodies(FuzzedDataProvider data) {
    checkBody(data.consumeRemainingAsBytes());
  }

  @FuzzTest(maxDuration = "2m")
  void query(FuzzedDataProvider data) {
    checkQuery(data.consumeRemainingAsBytes());
  }

  @Test
  void shortRunBodies() {
    FuzzInputs.run(getClass(), "bodies", 400, ApiFuzzTest::checkBody);
  }

  @Test
  void shortRunQuery() {
    FuzzInputs.run(getClass(), "query", 300, ApiFuzzTest::checkQuery);
  }

  static void checkBody(byte[] input) {
    String route = ROUTES[input.length == 0 ? 0 : (input[0] & 0xff) % ROUTES.length];
    byte[] body = input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api().url("/api/v1/hosts/sim-01/" + route)))
            .timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    JsonNode answer = send(request, route);
    if (answer.has("accepted") || answer.has("pressed")) {
      assertThat(answer.path("host").asString()).isEqualTo("sim-01");
    }
  }

  static void checkQuery(byte[] input) {
    String query = queryString(input);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api().url("/api/v1/hosts/sim-01/journal?" + query)))
            .timeout(Duration.ofSeconds(20))
            .GET()
            .build();
    send(request, "journal?" + query);
  }

  /**
   * The bytes as a query the client can send: {@code & = + , ; :} and unreserved characters as they
   * are, {@code %} as it is when two hex digits follow, everything else percent-encoded.
   */
  static String queryString(byte[] input) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < input.length; i++) {
      int b = input[i] & 0xff;
      boolean plain =
          (b >= 'a' && b <= 'z')
              || (b >= 'A' && b <= 'Z')
              || (b >= '0' && b <= '9')
              || "&=+,;:-._~".indexOf(b) >= 0;
      boolean escape =
          b == '%'
              && i + 2 < input.length
              && Character.digit(input[i + 1], 16) >= 0
              && Character.digit(input[i + 2], 16) >= 0;
      if (plain || escape) {
        out.append((char) b);
      } else {
        out.append('%').append(String.format("%02X", b));
      }
    }
    return out.toString();
  }

  private static JsonNode send(HttpRequest request, String what) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(what + ": no answer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    int status = response.statusCode();
    assertThat(status).as("%s: %s", what, response.body()).isNotEqualTo(500).isIn(okStatuses());
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .as("%s (%d)", what, status)
        .startsWith("application/json");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.isObject()).as("%s: %s", what, response.body()).isTrue();
    if (status >= 400) {
      assertThat(body.path("error").isString()).as("%s: %s", what, response.body()).isTrue();
      assertThat(body.path("error").asString().length())
          .isLessThanOrEqualTo(ApiLimits.MAX_ERROR_MESSAGE + 3);
    }
    return body;
  }

  private static List<Integer> okStatuses() {
    return List.of(200, 202, 400, 401, 404, 409, 413, 415, 429, 503);
  }
}
