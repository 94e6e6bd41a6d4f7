package io.vpanel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.DriverException;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.panel.ButtonEvent;
import io.vpanel.spi.panel.ButtonInput;
import io.vpanel.spi.panel.ConfirmFeedback;
import io.vpanel.spi.panel.DisplayGeometry;
import io.vpanel.spi.panel.Light;
import io.vpanel.spi.panel.LightColor;
import io.vpanel.spi.panel.PanelDriver;
import io.vpanel.spi.panel.PanelState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web panel driver through the API server that owns its endpoint: what it is given to render is
 * what {@code GET .../panel} and the {@code panel} event carry, and the page's button reaches it
 * (and only it) as typed button events. That the page in a browser draws it is proven by the panel
 * contract in the e2e module.
 */
class WebPanelDriverTest {
  private static final String TOKEN = "web-panel-test-token-0123";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ButtonEvent> events = new CopyOnWriteArrayList<>();
  private SimulatedApi server;
  private PanelDriver panel;

  @BeforeEach
  void start() {
    server = SimulatedApi.withSimulatedHosts(TOKEN);
    panel = server.webPanel("sim-01", new WebPanelSettings(2, 16));
    server.start();
  }

  @AfterEach
  void stop() {
    panel.close();
    server.close();
    http.close();
  }

  @Test
  void itsCapabilitiesAreItsSettingsGeometryWithPressAndReleaseEveryColourAndFlashing() {
    assertThat(panel.name()).isEqualTo("web");
    assertThat(panel.capabilities().display()).isEqualTo(new DisplayGeometry(2, 16));
    assertThat(panel.capabilities().buttons()).isEqualTo(ButtonInput.PRESS_AND_RELEASE);
    assertThat(panel.capabilities().colors()).isEqualTo(EnumSet.allOf(LightColor.class));
    assertThat(panel.capabilities().hardwareFlashing()).isTrue();
    assertThat(new WebPanelProvider().defaultSettings().geometry())
        .isEqualTo(DisplayGeometry.FOUR_BY_TWENTY);
  }

  @Test
  void theEndpointAnswersWhatTheDriverWasLastGiven() {
    JsonNode before = get("/api/v1/hosts/sim-01/panel", 200);
    assertThat(before.get("host").asString()).isEqualTo("sim-01");
    assertThat(before.get("display").asString()).isEqualTo("16x2");
    assertThat(before.get("rows").asInt()).isEqualTo(2);
    assertThat(before.get("columns").asInt()).isEqualTo(16);
    assertThat(before.get("state").isNull()).isTrue();

    panel.render(state(6, "FIRST"));
    panel.render(state(7, "SIM-01      3 VM", "EVACUATING 2/3  "));

    JsonNode state = get("/api/v1/hosts/sim-01/panel", 200).get("state");
    assertThat(state.get("version").asLong()).isEqualTo(7);
    assertThat(state.get("maintenanceState").asString()).isEqualTo("ENTERING");
    assertThat(state.get("runningVms").asInt()).isEqualTo(3);
    assertThat(state.get("lines").toString())
        .isEqualTo("[\"SIM-01      3 VM\",\"EVACUATING 2/3  \"]");
    assertThat(state.path("lights").path("drs").path("color").asString()).isEqualTo("GREEN");
    assertThat(state.path("lights").path("maintenance").path("color").asString()).isEqualTo("RED");
    assertThat(state.path("lights").path("maintenance").path("flashing").asBoolean()).isTrue();
    assertThat(state.path("confirm").path("action").asString()).isEqualTo("cancel");
    assertThat(state.path("hold").isNull()).isTrue();
  }

  @Test
  void aHostWithoutAWebPanelIs404AndAnUnknownHostToo() {
    assertThat(get("/api/v1/hosts/sim-02/panel", 404).get("error").asString())
        .isEqualTo("host sim-02 has no web panel");
    assertThat(get("/api/v1/hosts/sim-99/panel", 404).get("error").asString())
        .isEqualTo("unknown host 'sim-99'");
    panel.close();
    assertThat(get("/api/v1/hosts/sim-01/panel", 404).get("error").asString())
        .isEqualTo("host sim-01 has no web panel");
  }

  @Test
  void theEventStreamSendsTheNewestStateOfEachPanel() throws Exception {
    try (SseTestClient early = connect()) {
      Awaitility.await().until(() -> !early.events("panel").isEmpty());
      assertThat(JSON.readTree(early.events("panel").getFirst().data()).get("state").isNull())
          .as("before its first render the panel is sent without a state")
          .isTrue();
      for (int v = 1; v <= 500; v++) {
        panel.render(state(v, "STATE " + v));
      }
      Awaitility.await().until(() -> lastPanelVersion(early) == 500);
      try (SseTestClient late = connect()) {
        Awaitility.await().until(() -> lastPanelVersion(late) == 500);
        assertThat(late.events("panel")).as("a late client gets the present only").hasSize(1);
      }
    }
  }

  @Test
  void thePagesButtonReachesTheDriverOfItsHostOnly() {
    assertThat(post("/api/v1/hosts/sim-01/panel/button", "{\"pressed\":true}", 409))
        .isEqualTo("the web panel of sim-01 is not started");
    panel.start(events::add);

    post("/api/v1/hosts/sim-01/panel/button", "{\"pressed\":true}", 202);
    post("/api/v1/hosts/sim-01/panel/button", "{\"pressed\":false}", 202);
    assertThat(events).hasSize(2);
    assertThat(events.get(0)).isInstanceOf(ButtonEvent.Pressed.class);
    assertThat(events.get(1)).isInstanceOf(ButtonEvent.Released.class);

    assertThat(post("/api/v1/hosts/sim-02/panel/button", "{\"pressed\":true}", 404))
        .isEqualTo("host sim-02 has no web panel configured");
    panel.close();
    assertThat(post("/api/v1/hosts/sim-01/panel/button", "{\"pressed\":true}", 404))
        .isEqualTo("host sim-01 has no web panel configured");
    assertThat(events).hasSize(2);
  }

  @Test
  void aSecondWebPanelForTheSameHostIsRefused() {
    assertThatThrownBy(() -> server.webPanel("sim-01", WebPanelSettings.defaults()))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("sim-01 has a web panel already");
  }

  @Test
  void withoutTheApiServersEndpointTheProviderSaysWhy() {
    assertThatThrownBy(
            () ->
                new WebPanelProvider()
                    .create(
                        WebPanelSettings.defaults(),
                        new DriverContext(server.scheduler(), "sim-02")))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("served by the API server");
  }

  @Test
  void badGeometriesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> new WebPanelSettings(0, 20)).hasMessageStartingWith("rows ");
    assertThatThrownBy(() -> new WebPanelSettings(9, 20)).hasMessageStartingWith("rows ");
    assertThatThrownBy(() -> new WebPanelSettings(4, 7)).hasMessageStartingWith("columns ");
    assertThatThrownBy(() -> new WebPanelSettings(4, 81)).hasMessageStartingWith("columns ");
  }

  private static long lastPanelVersion(SseTestClient client) {
    List<SseTestClient.Event> panels = client.events("panel");
    if (panels.isEmpty()) {
      return -1;
    }
    JsonNode state = JSON.readTree(panels.getLast().data()).get("state");
    return state.isNull() ? -1 : state.get("version").asLong();
  }

  /** Entering, the ring flashing red, 3 guests, a press-only confirm pending. */
  private static PanelState state(long version, String... lines) {
    Light green = Light.steady(LightColor.GREEN);
    Light red = Light.flashing(LightColor.RED);
    Optional<ConfirmFeedback> confirm = Optional.of(new ConfirmFeedback("cancel", Instant.EPOCH));
    MaintenanceState entering = MaintenanceState.ENTERING;
    List<String> rows = List.of(lines);
    return new PanelState(
        "sim-01",
        version,
        3,
        entering,
        false,
        red,
        green,
        Light.OFF,
        green,
        green,
        false,
        rows,
        Optional.empty(),
        confirm);
  }

  private SseTestClient connect() throws Exception {
    return SseTestClient.connect(http, url("/api/v1/events"));
  }

  private JsonNode get(String path, int status) {
    HttpResponse<String> response =
        send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10)));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    return JSON.readTree(response.body());
  }

  /** POSTs and returns the error (or the body when there is none). */
  private String post(String path, String body, int status) {
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(URI.create(url(path)))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode json = JSON.readTree(response.body());
    return json.has("error") ? json.get("error").asString() : response.body();
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private String url(String path) {
    return server.url(path);
  }
}
