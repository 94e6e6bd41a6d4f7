package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /api/v1/events} streams to every client that can take {@code text/event-stream} (curl
 * sends {@code Accept: *}{@code /*}, some clients send nothing) and answers {@code 406} with the
 * API's JSON error only to a client that refuses it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventStreamAcceptTest {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private SimulatedApi api;

  @BeforeAll
  void start() {
    api = SimulatedApi.withoutHosts("accept-test-token-0123");
  }

  @AfterAll
  void stop() {
    api.close();
    http.close();
  }

  @ParameterizedTest(name = "Accept: {0}")
  @NullSource
  @ValueSource(
      strings = {
        "text/event-stream",
        "*/*",
        "text/*",
        "application/json;q=0.9, */*;q=0.1",
        "text/html, application/xhtml+xml, */*;q=0.8",
        "TEXT/EVENT-STREAM",
        "text/event-stream; charset=utf-8",
        "application/json, text/event-stream;q=0.5"
      })
  void streamsToAClientThatTakesAnEventStream(String accept) throws Exception {
    HttpRequest.Builder request = request();
    if (accept != null) {
      request.header("Accept", accept);
    }
    HttpResponse<InputStream> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
    }
  }

  @ParameterizedTest(name = "Accept: {0}")
  @ValueSource(
      strings = {
        "application/json",
        "text/html",
        "text/event-stream;q=0",
        "text/event-stream;q=0.0, application/json",
        "*/*;q=0",
        "text/*;q=0, application/json",
        "*/*, text/event-stream;q=0"
      })
  void refusesAClientThatDoesNotWithA406JsonError(String accept) throws Exception {
    HttpResponse<String> response =
        http.send(request().header("Accept", accept).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(406);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    assertThat(JsonMapper.builder().build().readTree(response.body()).path("error").asString())
        .contains("text/event-stream");
  }

  private HttpRequest.Builder request() {
    return HttpRequest.newBuilder(URI.create(api.url("/api/v1/events")))
        .timeout(Duration.ofSeconds(10))
        .GET();
  }
}
