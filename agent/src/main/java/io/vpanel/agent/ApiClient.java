package io.vpanel.agent;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The CLI's view of a running agent's API. */
final class ApiClient {
  private final String base;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final JsonMapper mapper = JsonMapper.builder().build();

  ApiClient(String base, String token) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.token = token;
  }

  /** A response: the status and the parsed JSON body. */
  record Reply(int status, JsonNode body) {
    String error() {
      JsonNode error = body.get("error");
      return error == null ? body.toString() : error.asString();
    }
  }

  Reply get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Reply post(String path, Object body) {
    if (token == null || token.isBlank()) {
      throw new CliException("this command needs the API token: pass --token or set VPANEL_TOKEN");
    }
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body))));
  }

  private Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode body =
          response.body().isBlank() ? mapper.createObjectNode() : mapper.readTree(response.body());
      return new Reply(response.statusCode(), body);
    } catch (ConnectException e) {
      throw new CliException("cannot reach the agent at " + base + " (is it running? check --url)");
    } catch (IOException e) {
      throw new CliException("talking to " + base + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    } catch (tools.jackson.core.JacksonException e) {
      throw new CliException(base + " did not answer with JSON; is --url a vpanel agent?");
    }
  }

  /** A CLI failure with a message for the user; exits with status 1. */
  static final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CliException(String message) {
      super(message);
    }
  }
}
