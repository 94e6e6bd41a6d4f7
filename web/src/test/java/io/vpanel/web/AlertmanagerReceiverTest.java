package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
 * The Alertmanager receiver over the simulator's cluster, with Alertmanager's own payloads: firing
 * alerts become notices on the host their labels name, repeats renew and never duplicate, resolved
 * ones withdraw; a {@code notifier} token may post notices and nothing else; every bad payload is
 * the API's JSON error and changes nothing. Each test uses its own host or fingerprints.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AlertmanagerReceiverTest {
  private static final String NOTIFIER = "notifier-token-0123456789abcd";
  private static final String VIEWER = "viewer-token-0123456789abcdef";
  private static final String OPERATOR = "operator-token-0123456789abcd";

  @TempDir static Path dir;
  private SimulatedApi api;
  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws IOException {
    Path file = dir.resolve("tokens");
    Files.writeString(
        file,
        "am notifier "
            + ApiTokens.hash(NOTIFIER)
            + "\nnoc viewer "
            + ApiTokens.hash(VIEWER)
            + "\nops operator "
            + ApiTokens.hash(OPERATOR)
            + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    api =
        SimulatedApi.withSimulatedHosts(
            ApiTokens.fromFile(file),
            ApiSettings.defaults()
                .withReadsNeedToken(true)
                .withAlertmanager(
                    new AlertmanagerSettings(
                        List.of("node", "instance", "host"), Duration.ofHours(2))));
    api.api().withoutRateLimits();
  }

  @AfterAll
  void stop() {
    api.close();
    http.close();
  }

  private HttpResponse<String> send(String method, String path, String token, String body)
      throws Exception {
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
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> webhook(String body) throws Exception {
    return send("POST", "/api/v1/alertmanager", NOTIFIER, body);
  }

  private static String payload(String receiver, String... alerts) {
    return """
        {"version":"4","groupKey":"{}:{alertname=\\"x\\"}","truncatedAlerts":0,"status":"firing",
         "receiver":"%s","groupLabels":{},"commonLabels":{},"commonAnnotations":{},
         "externalURL":"http://am.example:9093","alerts":[%s]}
        """
        .formatted(receiver, String.join(",", alerts));
  }

  private static String alert(
      String status, String fingerprint, String labels, String annotations, String endsAt) {
    return """
        {"status":"%s","labels":{%s},"annotations":{%s},"startsAt":"2026-12-02T05:00:00.123Z",
         "endsAt":"%s","generatorURL":"http://prom.example/graph","fingerprint":"%s"}
        """
        .formatted(status, labels, annotations, endsAt, fingerprint);
  }

  private static String firing(String fingerprint, String labels, String annotations) {
    return alert("firing", fingerprint, labels, annotations, "0001-01-01T00:00:00Z");
  }

  private JsonNode notices(String host) throws Exception {
    HttpResponse<String> reply = send("GET", "/api/v1/hosts/" + host, VIEWER, null);
    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
    return json.readTree(reply.body()).path("notices");
  }

  private void assertError(HttpResponse<String> response, int status, String contains) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    assertThat(json.readTree(response.body()).path("error").asString()).contains(contains);
  }

  @Test
  void aFiringAlertIsANoticeOnItsHostARepeatRenewsItAndItsResolutionRemovesIt() throws Exception {
    String fire =
        payload(
            "vpanel",
            firing(
                "3fa1c2d3e4f50617",
                "\"alertname\":\"DiskFailing\",\"severity\":\"critical\",\"instance\":\"sim-01:9100\"",
                "\"summary\":\"disk sda failing\",\"description\":\"SMART says so\""));
    HttpResponse<String> first = webhook(fire);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonNode answer = json.readTree(first.body());
    assertThat(answer.path("shown").get(0).path("host").asString()).isEqualTo("sim-01");
    String id = answer.path("shown").get(0).path("id").asString();

    JsonNode notices = notices("sim-01");
    assertThat(notices).hasSize(1);
    JsonNode notice = notices.get(0);
    assertThat(notice.path("id").asString()).isEqualTo(id);
    assertThat(notice.path("text").asString()).isEqualTo("disk sda failing");
    assertThat(notice.path("severity").asString()).isEqualTo("critical");
    assertThat(notice.path("from").asString()).isEqualTo("alertmanager:vpanel");
    // No end of its own: the configured two hours.
    assertThat(
            Duration.between(
                Instant.parse(notice.path("at").asString()),
                Instant.parse(notice.path("expiresAt").asString())))
        .isEqualTo(Duration.ofHours(2));

    // Grouped and repeated notifications: the same notice, never a second one.
    for (int i = 0; i < 3; i++) {
      assertThat(webhook(fire).statusCode()).isEqualTo(200);
    }
    assertThat(notices("sim-01")).hasSize(1);
    assertThat(notices("sim-01").get(0).path("id").asString()).isEqualTo(id);

    String resolved =
        payload(
            "vpanel",
            alert(
                "resolved",
                "3fa1c2d3e4f50617",
                "\"alertname\":\"DiskFailing\",\"severity\":\"critical\",\"instance\":\"sim-01:9100\"",
                "\"summary\":\"disk sda failing\"",
                "2026-12-02T05:10:00Z"));
    HttpResponse<String> gone = webhook(resolved);
    assertThat(gone.statusCode()).as(gone.body()).isEqualTo(200);
    assertThat(json.readTree(gone.body()).path("withdrawn").get(0).path("id").asString())
        .isEqualTo(id);
    assertThat(notices("sim-01")).isEmpty();
    // Resolved again (a repeated notification): nothing to do, still 200.
    assertThat(webhook(resolved).statusCode()).isEqualTo(200);
    assertThat(json.readTree(webhook(resolved).body()).path("withdrawn")).isEmpty();
  }

  @Test
  void theConfiguredLabelsNameTheHostInOrderAndAnAlertForNoKnownHostIsSkipped() throws Exception {
    HttpResponse<String> reply =
        webhook(
            payload(
                "noc",
                // "node" comes first in this configuration, and names a host.
                firing(
                    "aaaa000000000001",
                    "\"alertname\":\"A\",\"node\":\"sim-02\",\"host\":\"sim-03\"",
                    "\"summary\":\"by node\""),
                // A node name that is no host: the next label, an address with a port and domain.
                firing(
                    "aaaa000000000002",
                    "\"alertname\":\"B\",\"node\":\"nothing\",\"instance\":\"SIM-02.example.org:9100\"",
                    "\"description\":\"by instance\""),
                firing(
                    "aaaa000000000003",
                    "\"alertname\":\"NoHost\",\"instance\":\"10.0.0.7:9100\"",
                    "\"summary\":\"unplaced\""),
                firing("aaaa000000000004", "\"alertname\":\"Nothing\"", "")));
    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
    JsonNode answer = json.readTree(reply.body());
    assertThat(answer.path("shown")).hasSize(2);
    assertThat(answer.path("skipped")).hasSize(2);
    assertThat(answer.path("skipped").get(0).path("reason").asString())
        .contains("names a host of this agent")
        .contains("instance=\"10.0.0.7:9100\"");
    assertThat(notices("sim-02"))
        .extracting(n -> n.path("text").asString())
        .containsExactly("by instance", "by node");
    assertThat(notices("sim-02").get(0).path("severity").asString()).isEqualTo("warning");
    assertThat(notices("sim-02").get(0).path("from").asString()).isEqualTo("alertmanager:noc");
    assertThat(notices("sim-03").toString()).doesNotContain("by node");
    HttpResponse<String> metrics = send("GET", "/metrics", VIEWER, null);
    assertThat(metrics.body())
        .containsPattern("vpanel_alertmanager_alerts_total\\{outcome=\"skipped\"\\} [1-9]")
        .containsPattern("vpanel_alertmanager_alerts_total\\{outcome=\"shown\"\\} [1-9]");
  }

  @Test
  void theTextFallsBackToTheAlertsNameIsMadePrintableAndAnEndWithinAWeekIsKept() throws Exception {
    Instant end =
        Instant.now()
            .plus(Duration.ofMinutes(30))
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    String longText = "x".repeat(300);
    HttpResponse<String> reply =
        webhook(
            payload(
                "vpanel",
                firing("bbbb000000000001", "\"alertname\":\"FanSlow\",\"host\":\"sim-04\"", ""),
                firing(
                    "bbbb000000000002",
                    "\"alertname\":\"Multi\",\"host\":\"sim-04\",\"severity\":\"info\"",
                    "\"summary\":\"line one\\nline two\\u001b[2J\\u202e  end\""),
                alert(
                    "firing",
                    "bbbb000000000003",
                    "\"alertname\":\"Long\",\"host\":\"sim-04\",\"severity\":\"page\"",
                    "\"summary\":\"" + longText + "\"",
                    end.toString()),
                alert(
                    "firing",
                    "bbbb000000000004",
                    "\"alertname\":\"Far\",\"host\":\"sim-04\"",
                    "\"summary\":\"far end\"",
                    "2099-01-01T00:00:00Z")));
    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
    JsonNode notices = notices("sim-04");
    assertThat(notices)
        .extracting(n -> n.path("text").asString())
        .containsExactly(
            "far end", "x".repeat(197) + "...", "line one line two [2J end", "FanSlow");
    assertThat(notices.get(2).path("severity").asString()).isEqualTo("info");
    assertThat(notices.get(1).path("severity").asString()).isEqualTo("warning");
    assertThat(Instant.parse(notices.get(1).path("expiresAt").asString())).isEqualTo(end);
    JsonNode far = notices.get(0);
    assertThat(
            Duration.between(
                Instant.parse(far.path("at").asString()),
                Instant.parse(far.path("expiresAt").asString())))
        .isEqualTo(Duration.ofHours(2));
  }

  @Test
  void aNotifierPostsNoticesButMayNotRequestMaintenanceReadOrPress() throws Exception {
    assertError(
        send("POST", "/api/v1/hosts/sim-03/maintenance", NOTIFIER, "{\"action\":\"enter\"}"),
        403,
        "token 'am' has role notifier; this call needs operator");
    assertError(
        send("POST", "/api/v1/hosts/sim-03/panel/button", NOTIFIER, "{\"pressed\":true}"),
        403,
        "this call needs operator");
    assertError(send("GET", "/api/v1/hosts/sim-03", NOTIFIER, null), 403, "needs viewer");
    assertError(send("GET", "/metrics", NOTIFIER, null), 403, "needs viewer");
    assertError(send("POST", "/api/v1/events/tickets", NOTIFIER, null), 403, "needs viewer");
    assertThat(
            json.readTree(send("GET", "/api/v1/hosts/sim-03", VIEWER, null).body())
                .path("maintenance")
                .path("state")
                .asString())
        .isEqualTo("OPERATIONAL");

    HttpResponse<String> notice =
        send("POST", "/api/v1/hosts/sim-03/notices", NOTIFIER, "{\"text\":\"from the NOC\"}");
    assertThat(notice.statusCode()).as(notice.body()).isEqualTo(202);
    // A viewer may not post to the receiver; an operator may.
    String body =
        payload(
            "vpanel",
            firing("cccc000000000001", "\"host\":\"sim-03\"", "\"summary\":\"by operator\""));
    assertError(
        send("POST", "/api/v1/alertmanager", VIEWER, body),
        403,
        "token 'noc' has role viewer; this call needs notifier (or operator)");
    assertError(send("POST", "/api/v1/alertmanager", null, body), 401, "Authorization: Bearer");
    assertThat(send("POST", "/api/v1/alertmanager", OPERATOR, body).statusCode()).isEqualTo(200);
    assertThat(notices("sim-03"))
        .extracting(n -> n.path("text").asString())
        .containsExactly("by operator", "from the NOC");
  }

  @Test
  void aMalformedPayloadIsRefusedWholeWithTheReasonNeverA500() throws Exception {
    String good =
        firing("dddd000000000001", "\"host\":\"sim-04\"", "\"summary\":\"must not show\"");
    String[][] bad = {
      {"", "request body must be a JSON object"},
      {"[1,2]", "request body must be a JSON object"},
      {"{\"alerts\":", "malformed JSON"},
      {"{\"version\":\"4\"}", "body needs \"alerts\""},
      {"{\"alerts\":{}}", "body needs \"alerts\""},
      {"{\"version\":\"3\",\"alerts\":[]}", "unsupported Alertmanager webhook version"},
      {"{\"alerts\":[" + good + ",7]}", "alerts[1] must be an object"},
      {
        "{\"alerts\":[" + good + ",{\"status\":\"burning\",\"labels\":{}}]}",
        "alerts[1].status must be \"firing\" or \"resolved\", not \"burning\""
      },
      {
        "{\"alerts\":[{\"status\":\"firing\",\"labels\":{\"host\":5}}]}",
        "alerts[0].labels.host must be a string"
      },
      {
        "{\"alerts\":[{\"status\":\"firing\",\"labels\":[]}]}", "alerts[0].labels must be an object"
      },
      {
        "{\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"../../x\",\"labels\":{}}]}",
        "fingerprint must be 1 to 64 letters and digits"
      },
      {
        "{\"alerts\":[{\"status\":\"firing\",\"endsAt\":\"tomorrow\",\"labels\":{}}]}",
        "alerts[0].endsAt must be an RFC 3339 time"
      },
    };
    for (String[] each : bad) {
      assertError(webhook(each[0]), 400, each[1]);
    }
    assertError(webhook("{\"alerts\":[\"" + "x".repeat(70 * 1024) + "\"]}"), 413, "");
    assertThat(notices("sim-04").toString()).doesNotContain("must not show");
  }

  @Test
  void withoutAFingerprintTheLabelsNameTheAlert() throws Exception {
    String labels = "\"alertname\":\"NoPrint\",\"host\":\"sim-01\",\"job\":\"x\"";
    String body =
        payload(
            "vpanel",
            alert("firing", "", labels, "\"summary\":\"no fingerprint\"", "0001-01-01T00:00:00Z"));
    webhook(body);
    webhook(body);
    assertThat(notices("sim-01").toString()).containsOnlyOnce("no fingerprint");
    webhook(
        payload(
            "vpanel",
            alert(
                "resolved", "", labels, "\"summary\":\"no fingerprint\"", "2026-12-02T05:00:00Z")));
    assertThat(notices("sim-01").toString()).doesNotContain("no fingerprint");
  }
}
