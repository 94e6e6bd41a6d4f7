package io.vpanel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.core.engine.EngineSettings;
import io.vpanel.driver.sim.SimSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * The REST API, SSE and metrics of a simulated cluster, over real HTTP. One demo serves the class,
 * and every test leaves it as it found it (every host OPERATIONAL, all 24 guests running), so the
 * tests run in any order; the test that drives several hosts into maintenance starts its own demo.
 */
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class ApiIntegrationTest {
  static final String TOKEN = "test-token-0123456789";
  static final List<String> HOSTS = List.of("sim-01", "sim-02", "sim-03", "sim-04");
  static final Duration SETTLE = Duration.ofSeconds(120);

  static RunningAgent demo;
  static TestHttp api;

  static RunningAgent startDemo() {
    SimSettings d = SimSettings.defaults();
    SimSettings sim = new SimSettings(d.seed(), 4, 24, 40, 20, d.tickMillis(), d.maxRounds());
    return Wiring.startDemo(
        new Wiring.DemoOptions("127.0.0.1", 0, sim, TOKEN, EngineSettings.defaults()));
  }

  @BeforeAll
  static void start() {
    demo = startDemo();
    api = new TestHttp(demo.url(), TOKEN);
    await().atMost(Duration.ofSeconds(30)).until(() -> api.totalRunningVms() == 24);
  }

  /**
   * The state every test starts from and leaves behind. A host that an earlier test left in a
   * resting state other than OPERATIONAL fails the test at once, naming the host, instead of
   * waiting out {@link #SETTLE} for a change that will never come.
   */
  @BeforeEach
  void everyHostOperationalWithAllGuestsRunning() {
    await()
        .atMost(SETTLE)
        .untilAsserted(
            () -> {
              for (String host : HOSTS) {
                String state = api.state(host);
                if (state.equals("IN_MAINTENANCE") || state.equals("FAILED")) {
                  throw new IllegalStateException(
                      host + " is " + state + ": an earlier test did not restore it");
                }
                assertThat(state).as(host).isEqualTo("OPERATIONAL");
              }
              assertThat(api.totalRunningVms()).as("running guests").isEqualTo(24);
            });
  }

  /**
   * Brings {@code host} back to OPERATIONAL with every guest running, whatever a test left it in;
   * state-changing tests call it in {@code finally}, so one failure does not fail the rest.
   */
  private static void restore(String host) {
    if (api.state(host).equals("ENTERING")) {
      api.post(maintenance(host), "{\"action\":\"cancel\"}");
      await().atMost(SETTLE).until(() -> !api.state(host).equals("ENTERING"));
    }
    String state = api.state(host);
    if (state.equals("IN_MAINTENANCE") || state.equals("FAILED")) {
      api.post(maintenance(host), "{\"action\":\"exit\"}");
    }
    await()
        .atMost(SETTLE)
        .until(() -> api.state(host).equals("OPERATIONAL") && api.totalRunningVms() == 24);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
    if (demo != null) {
      demo.close();
    }
  }

  private static String maintenance(String host) {
    return "/api/v1/hosts/" + host + "/maintenance";
  }

  private static void assertJsonError(TestHttp.Reply reply, int status) {
    String what =
        reply.response().request().method()
            + " "
            + reply.response().uri()
            + " -> "
            + reply.status()
            + " "
            + reply.contentType()
            + " "
            + reply.body();
    assertThat(reply.status()).as(what).isEqualTo(status);
    assertThat(reply.contentType()).as(what).startsWith("application/json");
    assertThat(reply.json().path("error").isString()).as(what).isTrue();
    assertThat(reply.error()).as(what).isNotBlank();
  }

  // ---------------------------------------------------------------- reads

  @Test
  void healthIsOk() {
    TestHttp.Reply reply = api.get("/healthz");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.contentType()).startsWith("application/json");
    JsonNode health = reply.json();
    assertThat(health.get("status").asString()).isEqualTo("ok");
    assertThat(health.get("hosts").asInt()).isEqualTo(4);
    assertThat(health.get("hypervisorsDown").asInt()).isZero();
  }

  @Test
  void hostsListsEveryHostWithTheContractFields() {
    TestHttp.Reply reply = api.get("/api/v1/hosts");
    assertThat(reply.status()).isEqualTo(200);
    JsonNode hosts = reply.json().get("hosts");
    assertThat(hosts.isArray()).isTrue();
    List<String> names = new ArrayList<>();
    int running = 0;
    for (JsonNode h : hosts) {
      String name = h.get("name").asString();
      names.add(name);
      assertThat(h.get("runningVms").isInt()).as(name).isTrue();
      running += h.get("runningVms").asInt();
      assertThat(h.path("maintenance").path("state").asString()).isEqualTo("OPERATIONAL");
      assertThat(h.path("maintenance").path("safeToService").asBoolean()).isFalse();
      assertThat(h.get("managementLink").asString()).isNotBlank();
      assertThat(h.get("pfaProtect").asString()).isNotBlank();
      assertThat(h.get("drs").asString()).isEqualTo("AUTOMATIC");
      assertThat(h.get("ha").asString()).isNotBlank();
      assertThat(h.has("vms")).as("the list leaves VMs out").isFalse();
      JsonNode lines = h.path("panel").path("lines");
      assertThat(lines.isArray()).as("%s has a panel: %s", name, h).isTrue();
      assertThat(lines.size()).isEqualTo(4);
      for (JsonNode line : lines) {
        assertThat(line.asString()).hasSize(20);
      }
      assertThat(lines.get(0).asString())
          .startsWith(name.toUpperCase(java.util.Locale.ROOT))
          .endsWith(h.get("runningVms").asInt() + " VM");
      assertThat(lines.get(1).asString().trim()).isEqualTo("OPERATIONAL");
    }
    assertThat(names).containsExactlyInAnyOrderElementsOf(HOSTS);
    assertThat(running).isEqualTo(24);
  }

  @Test
  void eachHostsWebPanelAnswersWhatItWasLastGiven() {
    for (String name : HOSTS) {
      TestHttp.Reply reply = api.get("/api/v1/hosts/" + name + "/panel");
      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      JsonNode panel = reply.json();
      assertThat(panel.get("host").asString()).isEqualTo(name);
      assertThat(panel.get("display").asString()).isEqualTo("20x4");
      assertThat(panel.get("rows").asInt()).isEqualTo(4);
      assertThat(panel.get("columns").asInt()).isEqualTo(20);
      JsonNode state = panel.get("state");
      assertThat(state.get("maintenanceState").asString()).isEqualTo("OPERATIONAL");
      assertThat(state.get("lines").get(0).asString())
          .startsWith(name.toUpperCase(java.util.Locale.ROOT));
      assertThat(state.get("lines")).hasSize(4);
      JsonNode health = api.host(name).get("panels");
      assertThat(health.isArray()).as("the panels' health is a list").isTrue();
      assertThat(health).hasSize(1);
      assertThat(health.get(0).get("name").asString()).isEqualTo("web");
      assertThat(health.get(0).get("display").asString()).isEqualTo("20x4");
      assertThat(health.get(0).get("healthy").asBoolean()).isTrue();
      assertThat(api.host(name).get("alertSources").isArray()).isTrue();
    }
    TestHttp.Reply metrics = api.get("/metrics");
    for (String name : HOSTS) {
      assertThat(metrics.body())
          .contains("vpanel_panel_up{host=\"" + name + "\",panel=\"web\"} 1.0");
    }
    assertJsonError(api.get("/api/v1/hosts/sim-99/panel"), 404);
  }

  @Test
  void aHostShowsItsVms() {
    JsonNode host = api.host("sim-01");
    assertThat(host.get("name").asString()).isEqualTo("sim-01");
    JsonNode vms = host.get("vms");
    assertThat(vms.isArray()).isTrue();
    assertThat(vms.size()).isPositive();
    Set<String> uuids = new HashSet<>();
    int running = 0;
    for (JsonNode vm : vms) {
      assertThat(vm.get("uuid").asString()).isNotBlank();
      uuids.add(vm.get("uuid").asString());
      assertThat(vm.get("memoryBytes").asLong()).isPositive();
      assertThat(vm.get("state").asString()).isEqualTo("RUNNING");
      assertThat(vm.get("name").asString()).isNotBlank();
      running++;
    }
    assertThat(uuids).as("uuids are unique").hasSize(vms.size());
    assertThat(host.get("runningVms").asInt()).isEqualTo(running);
    assertThat(host.get("totalVms").asInt()).isEqualTo(vms.size());
  }

  @Test
  void anUnknownHostIs404WithAReason() {
    TestHttp.Reply reply = api.get("/api/v1/hosts/sim-99");
    assertJsonError(reply, 404);
    assertThat(reply.error()).contains("sim-99");

    assertJsonError(api.get("/api/v1/hosts/sim-99/maintenance/plan"), 404);
    assertJsonError(api.post(maintenance("sim-99"), "{\"action\":\"enter\"}"), 404);
    assertJsonError(api.post("/api/v1/hosts/sim-99/notices", "{\"text\":\"hi\"}"), 404);
    assertJsonError(api.post("/api/v1/hosts/sim-99/panel/button", "{\"pressed\":true}"), 404);
  }

  @Test
  void thePlanIsAGoWithEveryVmPlaced() {
    TestHttp.Reply reply = api.get("/api/v1/hosts/sim-01/maintenance/plan");
    assertThat(reply.status()).isEqualTo(200);
    JsonNode plan = reply.json();
    assertThat(plan.get("host").asString()).isEqualTo("sim-01");
    assertThat(plan.get("go").asBoolean()).isTrue();
    assertThat(plan.get("summary").asString()).startsWith("GO:");
    assertThat(plan.get("concurrency").asInt()).isPositive();
    Set<String> moved = new HashSet<>();
    long bytes = 0;
    for (JsonNode move : plan.get("moves")) {
      moved.add(move.get("uuid").asString());
      bytes += move.get("memoryBytes").asLong();
      assertThat(move.get("vm").asString()).isNotBlank();
      assertThat(move.get("destination").asString()).isIn("sim-02", "sim-03", "sim-04");
    }
    assertThat(moved).isEqualTo(api.runningUuids("sim-01"));
    assertThat(plan.get("bytesToMove").asLong()).isEqualTo(bytes);
    assertThat(plan.get("shutdowns").size()).isZero();
    assertThat(plan.get("suspends").size()).isZero();
    assertThat(api.state("sim-01")).as("a dry run changes nothing").isEqualTo("OPERATIONAL");
  }

  // ---------------------------------------------------------------- refusals

  @Test
  void mutationsWithoutTheRightTokenAre401AndChangeNothing() {
    Map<String, Map<String, String>> before = api.inventory();
    String enter = "{\"action\":\"enter\"}";

    TestHttp.Reply none = api.post(maintenance("sim-01"), enter, null);
    assertJsonError(none, 401);
    assertThat(none.response().headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));

    TestHttp.Reply wrong = api.post(maintenance("sim-01"), enter, "test-token-0123456788");
    assertJsonError(wrong, 401);
    assertThat(wrong.response().headers().firstValue("WWW-Authenticate")).isPresent();

    assertJsonError(api.post(maintenance("sim-01"), enter, ""), 401);
    assertJsonError(api.post(maintenance("sim-01"), enter, TOKEN + "x"), 401);
    assertJsonError(
        api.post(maintenance("sim-01"), enter, TOKEN.substring(0, TOKEN.length() - 1)), 401);
    assertJsonError(api.post("/api/v1/hosts/sim-01/notices", "{\"text\":\"x\"}", null), 401);
    assertJsonError(
        api.post("/api/v1/hosts/sim-01/notices", "{\"text\":\"x\"}", "wrong-token-000000"), 401);
    assertJsonError(api.post("/api/v1/hosts/sim-01/panel/button", "{\"pressed\":true}", null), 401);

    TestHttp.Reply basic =
        api.postWithAuthorization(maintenance("sim-01"), enter, "Basic dXNlcjpwYXNz");
    assertJsonError(basic, 401);
    TestHttp.Reply lowercase =
        api.postWithAuthorization(maintenance("sim-01"), enter, "bearer " + TOKEN);
    assertThat(lowercase.status()).as(lowercase.body()).isIn(202, 401);
    if (lowercase.status() == 202) {
      // RFC 6750 schemes are case-insensitive; accepting it is fine, but undo it.
      try {
        await().atMost(SETTLE).until(() -> api.state("sim-01").equals("IN_MAINTENANCE"));
      } finally {
        restore("sim-01");
      }
      await().atMost(SETTLE).until(() -> api.inventory().equals(before));
    }
    assertThat(api.state("sim-01")).isEqualTo("OPERATIONAL");
    assertThat(api.inventory()).isEqualTo(before);
  }

  @Test
  void unauthorisedCallsLeaveTheStateAlone() {
    Map<String, Map<String, String>> before = api.inventory();
    JsonNode noticesBefore = api.host("sim-02").get("notices");
    for (String action : List.of("enter", "exit", "cancel")) {
      assertJsonError(
          api.post(maintenance("sim-02"), "{\"action\":\"" + action + "\"}", null), 401);
      assertJsonError(
          api.post(maintenance("sim-02"), "{\"action\":\"" + action + "\"}", "nope"), 401);
    }
    assertThat(api.state("sim-02")).isEqualTo("OPERATIONAL");
    assertThat(api.host("sim-02").get("notices")).isEqualTo(noticesBefore);
    assertThat(api.inventory()).isEqualTo(before);
  }

  @Test
  void badBodiesAre400WithAReasonNever500() {
    String path = maintenance("sim-04");
    Map<String, String> bodies =
        Map.ofEntries(
            Map.entry("malformed", "{\"action\": "),
            Map.entry("not JSON", "enter"),
            Map.entry("empty", ""),
            Map.entry("blank", "   "),
            Map.entry("array", "[\"enter\"]"),
            Map.entry("string", "\"enter\""),
            Map.entry("number", "42"),
            Map.entry("null", "null"),
            Map.entry("no action", "{}"),
            Map.entry("null action", "{\"action\":null}"),
            Map.entry("numeric action", "{\"action\":1}"),
            Map.entry("object action", "{\"action\":{\"do\":\"enter\"}}"),
            Map.entry("array action", "{\"action\":[\"enter\"]}"),
            Map.entry("boolean action", "{\"action\":true}"),
            Map.entry("unknown action", "{\"action\":\"reboot\"}"),
            Map.entry("empty action", "{\"action\":\"\"}"),
            Map.entry("trailing garbage", "{\"action\":\"enter\"} x"));
    bodies.forEach(
        (what, body) -> {
          TestHttp.Reply reply = api.post(path, body);
          assertThat(reply.status()).as("%s: %s -> %s", what, body, reply.body()).isEqualTo(400);
          assertJsonError(reply, 400);
        });
    assertThat(api.post(path, "{\"action\":\"reboot\"}").error())
        .contains("reboot")
        .contains("enter");
    assertThat(api.post(path, "{}").error()).contains("action");
    assertThat(api.state("sim-04")).isEqualTo("OPERATIONAL");
  }

  @Test
  void aHugeBodyIsRefusedWithoutA500() {
    String huge = "{\"action\":\"" + "x".repeat(200_000) + "\"}";
    TestHttp.Reply reply = api.post(maintenance("sim-04"), huge);
    assertThat(reply.status()).as(reply.body()).isBetween(400, 499);
  }

  @Test
  void unknownRoutesAre404WithAJsonError() {
    SoftAssertions softly = new SoftAssertions();
    for (String path :
        List.of("/api/v1/nope", "/api/v2/hosts", "/api/v1/hosts/sim-01/nope", "/nope.html")) {
      softly.check(() -> assertJsonError(api.get(path), 404));
    }
    softly.assertAll();
  }

  @Test
  void wrongMethodsAre404Or405WithAJsonError() {
    List<TestHttp.Reply> wrongMethods =
        List.of(
            api.method("DELETE", "/api/v1/hosts", ""),
            api.method("PUT", maintenance("sim-01"), "{\"action\":\"enter\"}"),
            api.method("DELETE", maintenance("sim-01"), ""),
            api.get(maintenance("sim-01")),
            api.post("/api/v1/hosts", "{}"),
            api.post("/api/v1/hosts/sim-01/maintenance/plan", "{}"),
            api.get("/api/v1/hosts/sim-01/notices"));
    SoftAssertions softly = new SoftAssertions();
    for (TestHttp.Reply reply : wrongMethods) {
      softly.check(
          () -> {
            assertThat(reply.status())
                .as("%s %s", reply.response().request().method(), reply.response().uri())
                .isIn(404, 405);
            assertJsonError(reply, reply.status());
          });
    }
    softly.assertAll();
    assertThat(api.state("sim-01")).isEqualTo("OPERATIONAL");
  }

  @Test
  void cancelAndExitOfAnOperationalHostAre409() {
    TestHttp.Reply cancel = api.post(maintenance("sim-03"), "{\"action\":\"cancel\"}");
    assertJsonError(cancel, 409);
    assertThat(cancel.json().get("accepted").asBoolean()).isFalse();
    assertThat(cancel.error()).contains("OPERATIONAL");

    TestHttp.Reply exit = api.post(maintenance("sim-03"), "{\"action\":\"exit\"}");
    assertJsonError(exit, 409);
    assertThat(exit.error()).contains("OPERATIONAL");
    assertThat(api.state("sim-03")).isEqualTo("OPERATIONAL");
  }

  @Test
  void actionsAreCaseInsensitive() {
    TestHttp.Reply cancel = api.post(maintenance("sim-03"), "{\"action\":\" CANCEL \"}");
    assertThat(cancel.status()).as(cancel.body()).isEqualTo(409);
    assertThat(cancel.json().get("action").asString()).isEqualTo("cancel");
  }

  // ---------------------------------------------------------------- notices and the button

  @Test
  void aNoticeShowsOnTheHostAndItsPanel() {
    TestHttp.Reply reply =
        api.post(
            "/api/v1/hosts/sim-02/notices",
            "{\"text\":\"DISK SWAP 14:00\",\"ttlSeconds\":600,\"from\":\"ops\"}");
    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    assertThat(reply.json().get("accepted").asBoolean()).isTrue();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonNode host = api.host("sim-02");
              assertThat(host.get("notices").toString()).contains("DISK SWAP 14:00");
              List<String> lines = new ArrayList<>();
              host.path("panel").path("lines").forEach(l -> lines.add(l.asString()));
              assertThat(lines).hasSize(4).anyMatch(l -> l.trim().equals("DISK SWAP 14:00"));
              assertThat(lines).allMatch(l -> l.length() == 20);
            });
    assertThat(api.host("sim-01").get("notices").size()).as("only on that host").isZero();
  }

  @Test
  void aNoticeIsWithdrawnByItsIdAndABadOrUnknownIdIsAJsonError() {
    TestHttp.Reply posted =
        api.post(
            "/api/v1/hosts/sim-04/notices", "{\"text\":\"CABLING AT U12\",\"ttlSeconds\":600}");
    assertThat(posted.status()).as(posted.body()).isEqualTo(202);
    String id = posted.json().get("id").asString();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> api.host("sim-04").get("notices").toString().contains("CABLING AT U12"));

    String path = "/api/v1/hosts/sim-04/notices/" + id;
    TestHttp.Reply withdrawn = api.method("DELETE", path, "");
    assertThat(withdrawn.status()).as(withdrawn.body()).isEqualTo(200);
    assertThat(withdrawn.json().get("id").asString()).isEqualTo(id);
    assertThat(withdrawn.json().get("withdrawn").asBoolean()).isTrue();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonNode host = api.host("sim-04");
              assertThat(host.get("notices").toString()).doesNotContain("CABLING AT U12");
              assertThat(host.path("panel").path("lines").toString()).doesNotContain("CABLING");
            });

    TestHttp.Reply again = api.method("DELETE", path, "");
    assertJsonError(again, 404);
    assertThat(again.json().get("error").asString()).contains("no notice " + id + " on sim-04");
    assertJsonError(api.method("DELETE", "/api/v1/hosts/sim-99/notices/" + id, ""), 404);
    assertJsonError(
        api.method("DELETE", "/api/v1/hosts/sim-04/notices/" + "x".repeat(65), ""), 400);
    assertJsonError(api.method("DELETE", "/api/v1/hosts/sim-04/notices/a%20b", ""), 400);
    assertJsonError(api.withoutToken("DELETE", path), 401);
  }

  @Test
  void aLongNoticeIsClippedToTheDisplayWidth() {
    String text = "RACK 12 POWER WORK TONIGHT FROM 22:00";
    assertThat(api.post("/api/v1/hosts/sim-03/notices", "{\"text\":\"" + text + "\"}").status())
        .isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonNode host = api.host("sim-03");
              assertThat(host.get("notices").get(0).get("text").asString()).isEqualTo(text);
              List<String> lines = new ArrayList<>();
              host.path("panel").path("lines").forEach(l -> lines.add(l.asString()));
              assertThat(lines).allMatch(l -> l.length() == 20).contains(text.substring(0, 20));
            });
  }

  @Test
  void aNoticeCarriesItsSeverityAndExpiryAndIsShownMarked() {
    java.time.Instant until =
        java.time.Instant.now()
            .plus(Duration.ofHours(2))
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    TestHttp.Reply reply =
        api.post(
            "/api/v1/hosts/sim-04/notices",
            "{\"text\":\"RAID REBUILDING\",\"severity\":\"critical\",\"expiresAt\":\""
                + until
                + "\",\"from\":\"noc\"}");
    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    String id = reply.json().get("id").asString();
    assertThat(id).isNotBlank();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonNode host = api.host("sim-04");
              JsonNode notice = null;
              for (JsonNode n : host.get("notices")) {
                if (n.get("id").asString().equals(id)) {
                  notice = n;
                }
              }
              assertThat(notice).as(host.get("notices").toString()).isNotNull();
              assertThat(notice.get("severity").asString()).isEqualTo("critical");
              assertThat(notice.get("from").asString()).isEqualTo("noc");
              assertThat(java.time.Instant.parse(notice.get("expiresAt").asString()))
                  .isEqualTo(until);
              assertThat(notice.get("acknowledged").isNull()).isTrue();
              assertThat(host.path("panel").path("lines").toString())
                  .contains("CRIT: RAID REBUILDIN"); // clipped to 20 columns
            });
    JsonNode pfa = api.host("sim-04").get("pfa");
    assertThat(pfa.get("status").asString()).isEqualTo("DISABLED");
    assertThat(pfa.get("quarantined").asBoolean()).isFalse();
    assertThat(pfa.get("alerts").isArray()).isTrue();
  }

  @Test
  void badNoticesAre400() {
    String path = "/api/v1/hosts/sim-02/notices";
    List<String> bad =
        List.of(
            "{\"text\":\"" + "x".repeat(201) + "\"}",
            "{\"text\":\"\"}",
            "{\"text\":\"   \"}",
            "{}",
            "{\"text\":7}",
            "{\"text\":\"ok\",\"ttlSeconds\":0}",
            "{\"text\":\"ok\",\"ttlSeconds\":-5}",
            "{\"text\":\"ok\",\"ttlSeconds\":604801}",
            "{\"text\":\"ok\",\"severity\":\"urgent\"}",
            "{\"text\":\"ok\",\"severity\":3}",
            "{\"text\":\"ok\",\"expiresAt\":\"tomorrow\"}",
            "{\"text\":\"ok\",\"expiresAt\":\"2000-01-01T00:00:00Z\"}",
            "{\"text\":\"ok\",\"expiresAt\":\"2999-01-01T00:00:00Z\"}",
            "{\"text\":\"ok\",\"expiresAt\":\"2999-01-01T00:00:00Z\",\"ttlSeconds\":60}",
            "{\"text\":\"ok\",\"ttlSeconds\":1.5}",
            "{\"text\":\"ok\",\"ttlSeconds\":\"60\"}",
            "{\"text\":\"ok\",\"ttlSeconds\":true}",
            "{\"text\":\"ok\",\"from\":5}",
            "[]",
            "{");
    for (String body : bad) {
      TestHttp.Reply reply = api.post(path, body);
      assertThat(reply.status()).as("%s -> %s", body, reply.body()).isEqualTo(400);
      assertJsonError(reply, 400);
    }
    assertThat(api.post(path, "{\"text\":\"" + "y".repeat(200) + "\"}").status())
        .as("200 characters is the limit, inclusive")
        .isEqualTo(202);
    assertThat(api.post(path, "{\"text\":\"ok\",\"ttlSeconds\":604800}").status())
        .as("a week is the limit, inclusive")
        .isEqualTo(202);
    assertThat(api.host("sim-02").get("notices").toString()).doesNotContain("x".repeat(201));
  }

  @Test
  void aBumpOfTheButtonDoesNothing() {
    String path = "/api/v1/hosts/sim-04/panel/button";
    Map<String, Map<String, String>> before = api.inventory();
    TestHttp.Reply down = api.post(path, "{\"pressed\":true}");
    assertThat(down.status()).as(down.body()).isEqualTo(202);
    // The panel acknowledges the hold (so the press was seen), well before it would confirm.
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> !api.host("sim-04").path("panel").path("hold").isNull());
    TestHttp.Reply up = api.post(path, "{\"pressed\":false}");
    assertThat(up.status()).as(up.body()).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> api.host("sim-04").path("panel").path("hold").isNull());
    // Longer than the 3 s confirm time: nothing may start.
    await()
        .during(Duration.ofMillis(3500))
        .atMost(Duration.ofSeconds(10))
        .until(() -> api.state("sim-04").equals("OPERATIONAL"));
    assertThat(api.inventory()).isEqualTo(before);
  }

  @Test
  void badButtonBodiesAre400() {
    String path = "/api/v1/hosts/sim-04/panel/button";
    for (String body :
        List.of(
            "{}",
            "{\"pressed\":\"yes\"}",
            "{\"pressed\":1}",
            "{\"pressed\":null}",
            "",
            "true",
            "{\"pressed\":")) {
      TestHttp.Reply reply = api.post(path, body);
      assertThat(reply.status()).as("%s -> %s", body, reply.body()).isEqualTo(400);
      assertJsonError(reply, 400);
    }
    assertThat(api.state("sim-04")).isEqualTo("OPERATIONAL");
  }

  // ---------------------------------------------------------------- the maintenance flow

  @Test
  void enterEmptiesTheHostThenExitBringsItsVmsBack() {
    try {
      Set<String> own = api.runningUuids("sim-01");
      assertThat(own).isNotEmpty();
      int total = api.totalRunningVms();

      TestHttp.Reply enter = api.post(maintenance("sim-01"), "{\"action\":\"enter\"}");
      assertThat(enter.status()).as(enter.body()).isEqualTo(202);
      assertThat(enter.json().get("accepted").asBoolean()).isTrue();
      assertThat(enter.json().get("action").asString()).isEqualTo("enter");
      assertThat(enter.json().get("message").asString()).startsWith("GO:");
      assertThat(api.state("sim-01")).isIn("ENTERING", "IN_MAINTENANCE");

      await()
          .atMost(SETTLE)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> api.state("sim-01").equals("IN_MAINTENANCE"));
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                JsonNode host = api.host("sim-01");
                assertThat(host.get("runningVms").asInt()).as("guests left on sim-01").isZero();
                assertThat(host.path("maintenance").path("safeToService").asBoolean())
                    .as("safe to service")
                    .isTrue();
                assertThat(host.path("panel").path("lines").toString())
                    .as("the panel of sim-01")
                    .contains("SAFE TO SERVICE");
                assertThat(api.totalRunningVms())
                    .as("no guest lost or duplicated")
                    .isEqualTo(total);
                Set<String> everywhere = new HashSet<>();
                for (String other : List.of("sim-02", "sim-03", "sim-04")) {
                  everywhere.addAll(api.runningUuids(other));
                }
                assertThat(everywhere).as("sim-01's guests on the other hosts").containsAll(own);
              });

      TestHttp.Reply again = api.post(maintenance("sim-01"), "{\"action\":\"enter\"}");
      assertJsonError(again, 409);
      assertThat(again.json().get("accepted").asBoolean()).isFalse();
      assertThat(again.error()).contains("IN_MAINTENANCE");

      TestHttp.Reply cancel = api.post(maintenance("sim-01"), "{\"action\":\"cancel\"}");
      assertJsonError(cancel, 409);
      assertThat(api.state("sim-01")).isEqualTo("IN_MAINTENANCE");

      TestHttp.Reply exit = api.post(maintenance("sim-01"), "{\"action\":\"exit\"}");
      assertThat(exit.status()).as(exit.body()).isEqualTo(202);
      assertThat(exit.json().get("message").asString()).contains(own.size() + " VMs");
      await()
          .atMost(SETTLE)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> api.state("sim-01").equals("OPERATIONAL"));
      assertThat(api.runningUuids("sim-01")).as("the evacuated VMs came back").isEqualTo(own);
      assertThat(api.totalRunningVms()).isEqualTo(total);
      assertThat(api.host("sim-01").path("maintenance").path("safeToService").asBoolean())
          .isFalse();
      assertThat(successfulMigrations())
          .as("the flow above migrated guests")
          .isGreaterThanOrEqualTo(2);
    } finally {
      restore("sim-01");
    }
  }

  /** The sum of {@code vpanel_migrations_total} with outcome success on {@code /metrics}. */
  private static double successfulMigrations() {
    Matcher migrations =
        Pattern.compile("vpanel_migrations_total\\{[^}]*outcome=\"success\"[^}]*} ([0-9.eE+]+)")
            .matcher(api.get("/metrics").body());
    double done = 0;
    while (migrations.find()) {
      done += Double.parseDouble(migrations.group(1));
    }
    return done;
  }

  @Test
  void cancelStopsAnEvacuationInProgress() {
    int total = api.totalRunningVms();
    try {
      TestHttp.Reply enter = api.post(maintenance("sim-02"), "{\"action\":\"enter\"}");
      assertThat(enter.status()).as(enter.body()).isEqualTo(202);
      TestHttp.Reply cancel = api.post(maintenance("sim-02"), "{\"action\":\"cancel\"}");
      if (cancel.status() == 409) {
        // The evacuation was already over; then it must be in maintenance.
        assertThat(api.state("sim-02")).isEqualTo("IN_MAINTENANCE");
      } else {
        assertThat(cancel.status()).as(cancel.body()).isEqualTo(202);
        await().atMost(SETTLE).until(() -> !api.state("sim-02").equals("ENTERING"));
      }
      await().atMost(SETTLE).until(() -> api.totalRunningVms() == total);
      assertThat(api.state("sim-02")).isIn("OPERATIONAL", "FAILED", "IN_MAINTENANCE");
    } finally {
      restore("sim-02");
    }
  }

  @Test
  void metricsAreInPrometheusTextFormat() {
    TestHttp.Reply reply = api.get("/metrics");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.contentType()).startsWith("text/plain");
    String text = reply.body();
    for (String host : HOSTS) {
      assertThat(text).containsPattern("vpanel_host_running_vms\\{host=\"" + host + "\"} \\d");
    }
    assertThat(text).contains("# TYPE vpanel_host_running_vms gauge");
    assertThat(text).contains("# TYPE vpanel_migrations_total counter");
    assertThat(text)
        .containsPattern(
            "vpanel_host_maintenance_state\\{host=\"sim-01\",state=\"OPERATIONAL\"} 1");
    assertThat(text).containsPattern("vpanel_maintenance_requests_total\\{");
  }

  // ---------------------------------------------------------------- server-sent events

  /** One event off the stream. */
  record Event(String name, String data) {}

  @Test
  void eventsStreamEveryHostAtOnceThenChanges() throws Exception {
    List<Event> events = new CopyOnWriteArrayList<>();
    List<String> raw = new CopyOnWriteArrayList<>();
    try (HttpClient http = HttpClient.newHttpClient()) {
      Stream<String> lines = openEvents(http, "text/event-stream");
      Thread reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    String[] name = {null};
                    try {
                      lines.forEach(
                          line -> {
                            raw.add(line);
                            if (line.startsWith("event:")) {
                              name[0] = line.substring(6).trim();
                            } else if (line.startsWith("data:")) {
                              events.add(new Event(name[0], line.substring(5).trim()));
                            }
                          });
                    } catch (RuntimeException closed) {
                      // The stream was closed at the end of the test.
                    }
                  });
      try {
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(hostEvents(events))
                        .extracting(d -> d.get("name").asString())
                        .containsAll(HOSTS));
        for (JsonNode host : hostEvents(events)) {
          assertThat(host.path("maintenance").path("state").isString()).isTrue();
          assertThat(host.has("runningVms")).isTrue();
        }
        int seen = events.size();
        TestHttp.Reply notice =
            api.post("/api/v1/hosts/sim-04/notices", "{\"text\":\"SSE CHECK\",\"ttlSeconds\":60}");
        assertThat(notice.status()).isEqualTo(202);
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () -> {
                  List<Event> later = events.subList(seen, events.size());
                  assertThat(later)
                      .filteredOn(e -> "host".equals(e.name()))
                      .extracting(e -> TestHttp.JSON.readTree(e.data()))
                      .anyMatch(
                          h ->
                              h.get("name").asString().equals("sim-04")
                                  && h.get("notices").toString().contains("SSE CHECK"));
                  assertThat(later).anyMatch(e -> "notice".equals(e.name()));
                });
        assertThat(raw)
            .as("the token never appears on the stream")
            .noneMatch(l -> l.contains(TOKEN));
      } finally {
        lines.close();
        reader.interrupt();
      }
    }
  }

  @Test
  void eventsStreamToCurlsDefaultAcceptWithEveryWebPanelAndRefuseJsonOnly() throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      try (Stream<String> lines = openEvents(http, "*/*")) {
        List<String> panels = new ArrayList<>();
        java.util.Iterator<String> it = lines.iterator();
        String name = null;
        while (panels.size() < HOSTS.size() && it.hasNext()) {
          String line = it.next();
          if (line.startsWith("event:")) {
            name = line.substring(6).trim();
          } else if (line.startsWith("data:") && "panel".equals(name)) {
            panels.add(TestHttp.JSON.readTree(line.substring(5).trim()).get("host").asString());
          }
        }
        assertThat(panels).containsExactlyInAnyOrderElementsOf(HOSTS);
      }
      HttpResponse<String> refused =
          http.send(
              HttpRequest.newBuilder(URI.create(demo.url() + "/api/v1/events"))
                  .header("Accept", "application/json")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(406);
      assertThat(TestHttp.JSON.readTree(refused.body()).get("error").asString())
          .contains("text/event-stream");
    }
  }

  /** The event stream's lines, after checking it answered 200 with text/event-stream. */
  private static Stream<String> openEvents(HttpClient http, String accept) throws Exception {
    HttpResponse<Stream<String>> response =
        http.send(
            HttpRequest.newBuilder(URI.create(demo.url() + "/api/v1/events"))
                .header("Accept", accept)
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    return response.body();
  }

  private static List<JsonNode> hostEvents(List<Event> events) {
    return events.stream()
        .filter(e -> "host".equals(e.name()))
        .map(e -> TestHttp.JSON.readTree(e.data()))
        .toList();
  }

  // ---------------------------------------------------------------- capacity refusal

  @Test
  void whenTheRestCannotAbsorbAHostTheRequestIsNoGoBeforeAnyVmMoves() {
    try (RunningAgent own = startDemo();
        TestHttp http = new TestHttp(own.url(), TOKEN)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> http.totalRunningVms() == 24);
      int entered = 0;
      String refused = null;
      for (String host : HOSTS) {
        Map<String, Map<String, String>> before = http.inventory();
        Map<String, String> states = new java.util.HashMap<>();
        HOSTS.forEach(h -> states.put(h, http.state(h)));
        JsonNode plan = http.get("/api/v1/hosts/" + host + "/maintenance/plan").json();
        TestHttp.Reply reply = http.post(maintenance(host), "{\"action\":\"enter\"}");
        if (reply.status() == 202) {
          assertThat(plan.get("go").asBoolean()).as("the dry run agreed").isTrue();
          await().atMost(SETTLE).until(() -> http.state(host).equals("IN_MAINTENANCE"));
          assertThat(http.host(host).get("runningVms").asInt()).isZero();
          assertThat(http.totalRunningVms()).isEqualTo(24);
          entered++;
          continue;
        }
        assertJsonError(reply, 409);
        refused = host;
        assertThat(reply.error()).startsWith("NO-GO:");
        assertThat(plan.get("go").asBoolean()).as("the dry run agreed").isFalse();
        assertThat(plan.get("summary").asString()).startsWith("NO-GO:");
        assertThat(plan.get("moves").size()).isZero();
        // Nothing moved, now or a little later, and no state changed.
        await()
            .during(Duration.ofSeconds(1))
            .atMost(Duration.ofSeconds(5))
            .until(() -> http.inventory().equals(before));
        HOSTS.forEach(h -> assertThat(http.state(h)).as(h).isEqualTo(states.get(h)));
        await()
            .atMost(Duration.ofSeconds(5))
            .untilAsserted(
                () ->
                    assertThat(http.host(host).path("panel").path("lines").toString())
                        .as("the refusal is on the panel")
                        .contains("NO-GO"));
        break;
      }
      assertThat(entered).as("at least one host can be emptied").isGreaterThanOrEqualTo(1);
      assertThat(refused).as("the third host cannot be emptied").isNotNull();
      assertThat(HOSTS.indexOf(refused)).isLessThanOrEqualTo(2);
      String host = refused;
      assertThat(http.get("/metrics").body().lines())
          .as("the refusal is counted")
          .anyMatch(
              l ->
                  l.startsWith("vpanel_maintenance_requests_total{")
                      && l.contains("accepted=\"false\"")
                      && l.contains("host=\"" + host + "\""));
    }
  }
}
