package io.vpanel.e2e;

import io.vpanel.testkit.Poll;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One host of an agent process, through its REST API, as the tests that kill and restart the agent
 * use it: read the host's status until it matches ({@code GET /api/v1/hosts/NAME}; while the agent
 * is down or starting, a refused connection or a non-200 answer counts as "not yet"), and request
 * maintenance with the bearer token.
 */
public final class AgentApi {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http;
  private final URI uri;
  private final String token;
  private final Supplier<String> explanation;

  /**
   * @param base the agent's address, such as {@code http://127.0.0.1:8080}
   * @param token the bearer token of the agent's API
   * @param explanation what to add to a time-out (the agent's log tail), or an empty text
   */
  public AgentApi(
      HttpClient http, String base, String host, String token, Supplier<String> explanation) {
    this.http = http;
    this.uri = URI.create(base + "/api/v1/hosts/" + host);
    this.token = token;
    this.explanation = explanation;
  }

  /** A TCP port free now, for an agent process to listen on. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The maintenance state a host's status shows. */
  public static String state(JsonNode host) {
    return host.path("maintenance").path("state").asString();
  }

  /** Whether a host's status shows maintenance state {@code wanted}. */
  public static Predicate<JsonNode> inState(String wanted) {
    return host -> wanted.equals(state(host));
  }

  /** Whether a migration of one of the host's guests has sent bytes. */
  public static boolean migrating(JsonNode host) {
    return host.path("vms")
        .valueStream()
        .anyMatch(vm -> vm.path("migration").path("processedBytes").asLong() > 0);
  }

  /** Requests maintenance {@code action} ({@code enter}, {@code exit}, {@code cancel}). */
  public HttpResponse<String> maintenance(String action) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(uri + "/maintenance"))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"" + action + "\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Posts a notice with {@code body} (the API's JSON) to the host. */
  public HttpResponse<String> notice(String body) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(uri + "/notices"))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The messages of the host's journal entries of {@code kind}, oldest first. */
  public List<String> journal(String kind) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(uri + "/journal?kind=" + kind))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(uri + "/journal answered " + response.statusCode());
    }
    List<String> messages = new java.util.ArrayList<>();
    JSON.readTree(response.body())
        .path("entries")
        .forEach(e -> messages.add(e.path("message").asString()));
    return messages;
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
