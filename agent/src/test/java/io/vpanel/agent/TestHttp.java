package io.vpanel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small HTTP client for a running agent's API. Every answer is checked to never carry the API
 * token, so the whole suite doubles as a test that the secret does not leak.
 */
final class TestHttp implements AutoCloseable {
  static final JsonMapper JSON = JsonMapper.builder().build();

  private final String base;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  TestHttp(String base, String token) {
    this.base = base;
    this.token = token;
  }

  /** One answer: status, headers and body, with the body parsed when it is JSON. */
  record Reply(int status, HttpResponse<String> response) {
    String body() {
      return response.body();
    }

    JsonNode json() {
      return JSON.readTree(response.body());
    }

    String contentType() {
      return response.headers().firstValue("Content-Type").orElse("");
    }

    String error() {
      return json().path("error").asString();
    }
  }

  String base() {
    return base;
  }

  String token() {
    return token;
  }

  Reply get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  /** POSTs {@code body} with the right token. */
  Reply post(String path, String body) {
    return post(path, body, token);
  }

  /** POSTs {@code body} with {@code bearer} as token, none when null. */
  Reply post(String path, String body, String bearer) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    return send(request);
  }

  /** POSTs {@code body} with {@code authorization} as the whole Authorization header. */
  Reply postWithAuthorization(String path, String body, String authorization) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .header("Authorization", authorization)
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  Reply method(String method, String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", "Bearer " + token)
            .method(method, HttpRequest.BodyPublishers.ofString(body)));
  }

  /** {@code method} on {@code path} without the token. */
  Reply withoutToken(String method, String path) {
    return send(
        HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody()));
  }

  JsonNode host(String name) {
    Reply reply = get("/api/v1/hosts/" + name);
    assertThat(reply.status()).as("GET host %s: %s", name, reply.body()).isEqualTo(200);
    return reply.json();
  }

  String state(String name) {
    return host(name).path("maintenance").path("state").asString();
  }

  /** Running VMs per host, from {@code GET /api/v1/hosts}. */
  Map<String, Integer> runningVms() {
    Reply reply = get("/api/v1/hosts");
    assertThat(reply.status()).isEqualTo(200);
    Map<String, Integer> out = new HashMap<>();
    for (JsonNode h : reply.json().get("hosts")) {
      out.put(h.get("name").asString(), h.get("runningVms").asInt());
    }
    return out;
  }

  int totalRunningVms() {
    return runningVms().values().stream().mapToInt(Integer::intValue).sum();
  }

  /** The uuids of the guests running on {@code host}. */
  Set<String> runningUuids(String host) {
    Set<String> out = new HashSet<>();
    for (JsonNode vm : host(host).get("vms")) {
      if (vm.get("state").asString().equals("RUNNING")) {
        out.add(vm.get("uuid").asString());
      }
    }
    return out;
  }

  /** Every host's VMs (uuid and state), to see that nothing moved. */
  Map<String, Map<String, String>> inventory() {
    Map<String, Map<String, String>> out = new HashMap<>();
    for (String name : runningVms().keySet()) {
      Map<String, String> vms = new HashMap<>();
      for (JsonNode vm : host(name).get("vms")) {
        vms.put(vm.get("uuid").asString(), vm.get("state").asString());
      }
      out.put(name, vms);
    }
    return out;
  }

  private URI uri(String path) {
    return URI.create(base + path);
  }

  private Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.body()).as("the token never appears in an answer").doesNotContain(token);
      response
          .headers()
          .map()
          .forEach(
              (name, values) ->
                  assertThat(values)
                      .as("the token never appears in header %s", name)
                      .noneMatch(v -> v.contains(token)));
      return new Reply(response.statusCode(), response);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
