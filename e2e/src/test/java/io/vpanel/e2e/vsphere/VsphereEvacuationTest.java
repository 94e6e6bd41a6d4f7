package io.vpanel.e2e.vsphere;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.agent.RunningAgent;
import io.vpanel.agent.Wiring;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.driver.vsphere.VsphereHypervisorDriver;
import io.vpanel.driver.vsphere.VsphereSettings;
import io.vpanel.e2e.AgentApi;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.testkit.TestCertificates;
import io.vpanel.testkit.VcsimFixture;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The agent with {@code driver: vsphere} and {@code management: vcenter} (planner vpanel) against
 * vcsim (vpanel's build: each RelocateVM_Task runs 1 s with progress), from its YAML: it empties
 * its host through the API, every guest's {@code runtime.host} (read with govc) is another host and
 * vcsim has the host in maintenance mode; exit brings them back; vcsim killed during an evacuation
 * and started again; a wrong password and a wrong CA are clear errors in the API.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VsphereEvacuationTest {
  private static final int TASK_MILLIS = 1000;

  /**
   * {@code -Dvpanel.e2e.vcsimMethodDelayMs=N}: stock vcsim with {@code -method-delay
   * RelocateVM_Task:N} instead of vcsim-vpanel's running tasks (for the makespan with a method
   * delay).
   */
  private static final int METHOD_DELAY_MILLIS =
      Integer.getInteger("vpanel.e2e.vcsimMethodDelayMs", 0);

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private static VcsimFixture sim;
  private static RunningAgent agent;
  private static AgentApi api;
  private static String host;
  private static Path temp;
  private static final List<RunningAgent> others = new ArrayList<>();

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    temp = dir;
    List<String> flags =
        new ArrayList<>(
            List.of("-cluster", "1", "-host", "3", "-standalone-host", "0", "-vm", "4"));
    if (METHOD_DELAY_MILLIS > 0) {
      // stock vcsim: each RelocateVM_Task call is held METHOD_DELAY_MILLIS, its task instant
      flags.addAll(List.of("-method-delay", "RelocateVM_Task:" + METHOD_DELAY_MILLIS));
    }
    sim =
        VcsimFixture.start(
            dir.resolve("vcsim"),
            METHOD_DELAY_MILLIS > 0 ? 0 : TASK_MILLIS,
            flags.toArray(String[]::new));
    host = busiestHost();
    agent = startAgent("main", sim.writePasswordFile(dir.resolve("password")), sim.caFile());
    api = new AgentApi(HTTP, agent.url(), host, agent.token(), () -> "");
    api.await(
        h ->
            h.path("runningVms").asInt() >= 2
                && h.path("managementLink").asString().equals("CONNECTED"),
        60);
  }

  @AfterAll
  static void stop() {
    others.forEach(RunningAgent::close);
    if (agent != null) {
      agent.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  private static String busiestHost() {
    VsphereSettings settings;
    try {
      settings =
          VsphereSettings.defaults()
              .withConnection(
                  sim.url(),
                  sim.user(),
                  sim.writePasswordFile(temp.resolve("probe-password")).toString(),
                  sim.caFile().toString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    try (VsphereHypervisorDriver driver = new VsphereHypervisorDriver(settings, Instant::now)) {
      String best = null;
      long most = -1;
      for (HostEndpoint h : driver.discoveredHosts()) {
        try (var c = driver.connect(h)) {
          long running = c.inventory().runningCount();
          if (running > most) {
            most = running;
            best = h.name();
          }
        }
      }
      return best;
    }
  }

  private static RunningAgent startAgent(String name, Path passwordFile, Path caFile)
      throws IOException {
    Path token =
        VcsimFixture.writeSecret(
            temp.resolve(name + "-token"), "e2e-vsphere-token-0123456789abcdef");
    String connection =
        """
          url: "%s"
          user: "%s"
          passwordFile: "%s"
          caFile: "%s"
          requestTimeoutSeconds: 15
          waitSeconds: 5
          reconnectMaxSeconds: 2
        """
            .formatted(sim.url(), sim.user(), passwordFile, caFile);
    String yaml =
        """
        host:
          name: %s
        hypervisor:
          driver: vsphere
          hostReserveMiB: 0
        %s
        management:
          driver: vcenter
          planner: vpanel
        %s
        panels:
          - driver: web
        api:
          listen: 127.0.0.1:0
          tokenFile: %s
        """
            .formatted(host, connection, connection, token);
    Path config = temp.resolve(name + ".yaml");
    Files.writeString(config, yaml);
    RunningAgent started = Wiring.startAgent(new ConfigLoader().parse(config, yaml));
    if (!name.equals("main")) {
      others.add(started);
    }
    return started;
  }

  /** Each guest's runtime.host as govc reads it from vcsim: guest name to host name. */
  private static Map<String, String> placement() throws IOException {
    Map<String, String> out = new TreeMap<>();
    for (String vm : sim.govc("find", "/DC0/vm", "-type", "m").strip().split("\n")) {
      String hostRef = sim.govc("object.collect", "-s", vm, "runtime.host").strip();
      String hostName =
          sim.govc(
                  "object.collect",
                  "-s",
                  "HostSystem:" + hostRef.replaceFirst("^HostSystem:", ""),
                  "name")
              .strip();
      out.put(vm.substring(vm.lastIndexOf('/') + 1), hostName);
    }
    return out;
  }

  private static boolean inMaintenanceMode(String name) throws IOException {
    return sim.govc("object.collect", "-s", "/DC0/host/DC0_C0/" + name, "runtime.inMaintenanceMode")
        .strip()
        .equals("true");
  }

  private static List<String> guestsOn(Map<String, String> placement, String name) {
    return placement.entrySet().stream()
        .filter(e -> e.getValue().equals(name))
        .map(Map.Entry::getKey)
        .toList();
  }

  @Test
  @Order(1)
  void enterThroughTheApiEmptiesTheHostAndSetsMaintenanceModeAndExitBringsThemBack()
      throws Exception {
    List<String> before = guestsOn(placement(), host);
    assertThat(before).isNotEmpty();
    long t0 = System.nanoTime();
    HttpResponse<String> enter = api.maintenance("enter");
    assertThat(enter.statusCode()).as(enter.body()).isEqualTo(202);
    api.await(AgentApi.inState("IN_MAINTENANCE"), 120);
    double makespan = (System.nanoTime() - t0) / 1e9;
    Map<String, String> after = placement();
    assertThat(guestsOn(after, host)).isEmpty();
    before.forEach(vm -> assertThat(after.get(vm)).as(vm).isNotEqualTo(host));
    awaitTrue(() -> inMaintenanceMode(host), "vcsim has " + host + " in maintenance mode");
    System.out.printf(
        Locale.ROOT,
        "MAKESPAN vsphere evacuation of %d guests (RelocateVM_Task %d ms each, %s): %.2f s%n",
        before.size(),
        METHOD_DELAY_MILLIS > 0 ? METHOD_DELAY_MILLIS : TASK_MILLIS,
        METHOD_DELAY_MILLIS > 0 ? "stock vcsim -method-delay" : "vcsim-vpanel running task",
        makespan);

    HttpResponse<String> exit = api.maintenance("exit");
    assertThat(exit.statusCode()).as(exit.body()).isEqualTo(202);
    api.await(AgentApi.inState("OPERATIONAL"), 120);
    awaitTrue(() -> !inMaintenanceMode(host), host + " out of maintenance mode");
    awaitTrue(() -> guestsOn(placement(), host).containsAll(before), "the guests back on " + host);
  }

  /**
   * Prints the time from a govc power change in vcsim to the API (the panel's source) showing it.
   */
  @Test
  @Order(6)
  void latencyFromAPowerChangeInVcsimToTheApi() throws Exception {
    api.await(AgentApi.inState("OPERATIONAL"), 60);
    JsonNode now = api.await(h -> h.path("runningVms").asInt() >= 1, 60);
    String vm = now.path("vms").get(0).path("name").asString();
    List<Double> millis = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      int want = api.read().path("runningVms").asInt() + (i % 2 == 0 ? -1 : 1);
      long start = System.nanoTime();
      sim.govc("vm.power", i % 2 == 0 ? "-off" : "-on", "/DC0/vm/" + vm);
      io.vpanel.testkit.Poll.atMost(Duration.ofSeconds(30))
          .every(Duration.ofMillis(5))
          .ignoring(IOException.class)
          .until("runningVms " + want, () -> api.read().path("runningVms").asInt() == want);
      millis.add((System.nanoTime() - start) / 1e6);
    }
    List<Double> sorted = millis.stream().sorted().toList();
    System.out.printf(
        Locale.ROOT,
        "LATENCY vsphere change-to-API (govc vm.power incl. its start -> GET runningVms), n=%d: p50 %.0f ms p99 %.0f ms max %.0f ms%n",
        sorted.size(),
        sorted.get(sorted.size() / 2),
        sorted.get(sorted.size() - 1),
        sorted.get(sorted.size() - 1));
    assertThat(millis).hasSize(20);
  }

  @Test
  @Order(2)
  void aHeldButtonOnTheWebPanelEmptiesTheHostAndAnotherHoldBringsThemBack() throws Exception {
    api.await(AgentApi.inState("OPERATIONAL"), 60);
    List<String> before = guestsOn(placement(), host);
    assertThat(before).isNotEmpty();
    hold();
    api.await(AgentApi.inState("IN_MAINTENANCE"), 120);
    assertThat(guestsOn(placement(), host)).isEmpty();
    awaitTrue(() -> inMaintenanceMode(host), "vcsim has " + host + " in maintenance mode");

    hold();
    api.await(AgentApi.inState("OPERATIONAL"), 120);
    awaitTrue(() -> !inMaintenanceMode(host), host + " out of maintenance mode");
    awaitTrue(() -> guestsOn(placement(), host).containsAll(before), "the guests back on " + host);
  }

  /**
   * The web panel's button as its page sends it: pressed, held until the agent acts on it (its
   * maintenance state changes, after the 3 s confirm time), released.
   */
  private static void hold() throws Exception {
    String before = AgentApi.state(api.read());
    assertThat(button(true).statusCode()).isEqualTo(202);
    api.await(h -> !before.equals(AgentApi.state(h)), 30);
    assertThat(button(false).statusCode()).isEqualTo(202);
  }

  private static HttpResponse<String> button(boolean pressed) throws Exception {
    return HTTP.send(
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(agent.url() + "/api/v1/hosts/" + host + "/panel/button"))
            .header("Authorization", "Bearer " + agent.token())
            .header("Content-Type", "application/json")
            .POST(
                java.net.http.HttpRequest.BodyPublishers.ofString("{\"pressed\":" + pressed + "}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Order(3)
  void vcsimKilledDuringAnEvacuationIsAClearErrorAndTheAgentRecoversWhenItReturns()
      throws Exception {
    api.await(AgentApi.inState("OPERATIONAL"), 60);
    api.await(h -> h.path("runningVms").asInt() >= 2, 60);
    HttpResponse<String> enter = api.maintenance("enter");
    assertThat(enter.statusCode()).as(enter.body()).isEqualTo(202);
    api.await(AgentApi.inState("ENTERING"), 30);
    sim.kill();
    JsonNode lost =
        api.await(
            h ->
                !h.path("hypervisorConnected").asBoolean()
                    && h.path("managementLink").asString().equals("LOST"),
            60);
    assertThat(lost.path("hypervisorConnected").asBoolean()).isFalse();
    // the reason, not a generic message: in the API's notices in full, on the panel its start
    JsonNode told =
        api.await(
            h -> noticeText(h, "VC UNREACHABLE: vCenter link lost: cannot reach vSphere"), 60);
    assertThat(noticeText(told, "connection refused")).isTrue();
    awaitTrue(
        () -> panelLines().stream().anyMatch(l -> l.startsWith("CRIT: VC UNREACHABLE")),
        "the panel shows CRIT: VC UNREACHABLE");
    sim.restart(); // vcsim keeps no state: its inventory starts again as generated
    JsonNode back =
        api.await(
            h ->
                h.path("hypervisorConnected").asBoolean()
                    && h.path("managementLink").asString().equals("CONNECTED"),
            90);
    api.await(h -> noticeText(h, "VC LINK OK: vCenter link restored after: cannot reach"), 60);
    assertThat(noticeText(api.read(), "VC UNREACHABLE")).as("replaced, not shown twice").isFalse();
    // no guest lost: vCenter (here vcsim) still has every guest, the agent sees those on its host
    assertThat(placement()).hasSize(4);
    JsonNode settled =
        api.await(h -> !h.path("maintenance").path("state").asString().equals("ENTERING"), 120);
    String state = AgentApi.state(settled);
    System.out.println(
        "after vcsim restart: "
            + state
            + " "
            + settled.path("maintenance").path("reason").asString());
    if (!state.equals("OPERATIONAL")) {
      api.maintenance("exit");
    }
    api.await(AgentApi.inState("OPERATIONAL"), 120);
    api.await(h -> h.path("runningVms").asInt() == guestsOnQuietly(host), 60);
    assertThat(back.path("hypervisorConnected").asBoolean()).isTrue();
  }

  /**
   * vCenter ends the agent's sessions (TerminateSession from govc's own session, as an
   * administrator or vCenter's idle timeout would; vcsim 0.24 has no timeout flag): the driver and
   * the backend meet NotAuthenticated and log in again. The API says the link was degraded (a
   * notice with the reason, on the panel as WARN: VC SESSION END) and then restored; the hypervisor
   * never counts as lost, every guest is still there, and a change after it still reaches the API.
   */
  @Test
  @Order(7)
  void aSessionEndedByVcenterIsDegradedThenRestoredAndNoGuestIsLost() throws Exception {
    JsonNode before =
        api.await(
            h ->
                AgentApi.state(h).equals("OPERATIONAL")
                    && h.path("managementLink").asString().equals("CONNECTED")
                    && h.path("hypervisorConnected").asBoolean(),
            120);
    int guests = before.path("totalVms").asInt();
    assertThat(sim.terminateSessions("Java-http-client")).isGreaterThanOrEqualTo(2);

    java.util.concurrent.atomic.AtomicBoolean hypervisorLost =
        new java.util.concurrent.atomic.AtomicBoolean();
    api.await(
        h -> {
          if (!h.path("hypervisorConnected").asBoolean()) {
            hypervisorLost.set(true);
          }
          return noticeText(h, "VC SESSION END: vCenter link degraded")
              || noticeText(h, "VC LINK OK: vCenter link restored after: vSphere at");
        },
        60);
    JsonNode restored =
        api.await(
            h -> {
              if (!h.path("hypervisorConnected").asBoolean()) {
                hypervisorLost.set(true);
              }
              return noticeText(h, "VC LINK OK: vCenter link restored after: vSphere at")
                  && h.path("managementLink").asString().equals("CONNECTED");
            },
            60);
    assertThat(noticeText(restored, "NotAuthenticated")).isTrue();
    assertThat(restored.path("hypervisorConnected").asBoolean()).isTrue();
    assertThat(restored.path("totalVms").asInt()).isEqualTo(guests);
    assertThat(placement()).hasSize(4);
    assertThat(hypervisorLost.get()).as("the session's end is not a lost hypervisor").isFalse();
    // the new sessions carry the change stream on
    String vm = restored.path("vms").get(0).path("name").asString();
    boolean on = restored.path("vms").get(0).path("state").asString().equals("RUNNING");
    int want = restored.path("runningVms").asInt() + (on ? -1 : 1);
    sim.govc("vm.power", on ? "-off" : "-on", "/DC0/vm/" + vm);
    api.await(h -> h.path("runningVms").asInt() == want, 60);
    sim.govc("vm.power", on ? "-on" : "-off", "/DC0/vm/" + vm);
  }

  private static boolean noticeText(JsonNode host, String part) {
    for (JsonNode n : host.path("notices")) {
      if (n.path("text").asString().contains(part)) {
        return true;
      }
    }
    return false;
  }

  /** The lines the host's web panel shows now. */
  private static List<String> panelLines() throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(agent.url() + "/api/v1/hosts/" + host + "/panel"))
                .header("Authorization", "Bearer " + agent.token())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("panel answered " + r.statusCode() + ": " + r.body());
    }
    List<String> lines = new ArrayList<>();
    tools.jackson.databind.json.JsonMapper.builder()
        .build()
        .readTree(r.body())
        .path("state")
        .path("lines")
        .forEach(l -> lines.add(l.asString()));
    return lines;
  }

  private static int guestsOnQuietly(String name) {
    try {
      return guestsOn(placement(), name).size();
    } catch (IOException e) {
      return -1;
    }
  }

  @Test
  @Order(4)
  void aWrongPasswordIsAClearErrorInTheApi() throws Exception {
    RunningAgent wrong =
        startAgent(
            "wrong-password",
            VcsimFixture.writeSecret(temp.resolve("wrong"), "not-the-password"),
            sim.caFile());
    AgentApi wrongApi = new AgentApi(HTTP, wrong.url(), host, wrong.token(), () -> "");
    wrongApi.await(
        h ->
            !h.path("hypervisorConnected").asBoolean()
                && h.path("managementLink").asString().equals("LOST"),
        60);
    HttpResponse<String> enter = wrongApi.maintenance("enter");
    assertThat(enter.statusCode()).isGreaterThanOrEqualTo(400);
    assertThat(enter.body())
        .contains("refused the login")
        .contains("InvalidLogin")
        .doesNotContain("not-the-password");
  }

  @Test
  @Order(5)
  void aServerCertificateFromAnotherCaIsAClearErrorInTheApi() throws Exception {
    Path otherCa = new TestCertificates(temp).ca("other").certificate();
    RunningAgent wrong =
        startAgent("wrong-ca", sim.writePasswordFile(temp.resolve("password2")), otherCa);
    AgentApi wrongApi = new AgentApi(HTTP, wrong.url(), host, wrong.token(), () -> "");
    wrongApi.await(h -> !h.path("hypervisorConnected").asBoolean(), 60);
    HttpResponse<String> enter = wrongApi.maintenance("enter");
    assertThat(enter.statusCode()).isGreaterThanOrEqualTo(400);
    assertThat(enter.body()).contains("TLS with vSphere").contains("caFile");
  }

  interface Check {
    boolean holds() throws Exception;
  }

  private static void awaitTrue(Check check, String what) {
    io.vpanel.testkit.Poll.atMost(Duration.ofSeconds(60))
        .every(Duration.ofMillis(200))
        .ignoring(IOException.class)
        .until(what, check::holds);
  }
}
