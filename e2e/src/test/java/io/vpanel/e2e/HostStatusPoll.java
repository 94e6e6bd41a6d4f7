package io.vpanel.e2e;

import io.vpanel.testkit.Poll;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads one host's status from an agent process's REST API ({@code GET /api/v1/hosts/NAME}) until
 * it matches, for the tests that kill and restart the agent: while the agent is down or starting, a
 * refused connection or a non-200 answer counts as "not yet".
 */
public final class HostStatusPoll {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http;
  private final URI uri;
  private final Supplier<String> explanation;

  /**
   * @param base the agent's address, such as {@code http://127.0.0.1:8080}
   * @param explanation what to add to a time-out (the agent's log tail), or an empty text
   */
  public HostStatusPoll(HttpClient http, String base, String host, Supplier<String> explanation) {
    this.http = http;
    this.uri = URI.create(base + "/api/v1/hosts/" + host);
    this.explanation = explanation;
  }

  /** The first status that {@code condition} accepts within {@code seconds}. */
  public JsonNode await(Predicate<JsonNode> condition, int seconds) {
    return Poll.atMost(Duration.ofSeconds(seconds))
        .every(Duration.ofMillis(200))
        .ignoring(IOException.class)
        .explainedBy(explanation)
        .until(uri.getPath() + " to match", this::read, condition);
  }

  /** The host's status now; {@link IOException} when the agent does not answer 200. */
  public JsonNode read() throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(uri + " answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body());
  }
}
