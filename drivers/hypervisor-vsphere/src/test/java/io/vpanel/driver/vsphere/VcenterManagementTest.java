package io.vpanel.driver.vsphere;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.DriverContext;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.Coordinator;
import io.vpanel.spi.management.DrsMode;
import io.vpanel.spi.management.HostReport;
import io.vpanel.spi.management.LinkStatus;
import io.vpanel.spi.management.ManagementListener;
import io.vpanel.spi.management.Notice;
import io.vpanel.testkit.VcsimFixture;
import io.vpanel.testkit.WallClockScheduler;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The vcenter management backend against vcsim: lights, peers, maintenance mode, both planners. */
class VcenterManagementTest {
  private static final String HOST = "DC0_C0_H0";
  private static VcsimFixture sim;
  private VcenterManagement backend;
  private final List<String> links = new CopyOnWriteArrayList<>();
  private final List<Notice> notices = new CopyOnWriteArrayList<>();
  private final List<String> keyed = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startSimulator() {
    sim = Vcsim.start("vcenter");
  }

  @AfterAll
  static void stopSimulator() {
    if (sim != null) {
      sim.close();
    }
  }

  @BeforeEach
  void fresh() throws IOException {
    sim.stop();
    sim.restart();
  }

  @AfterEach
  void close() {
    if (backend != null) {
      backend.close();
    }
  }

  private VcenterManagement start(VsphereSettings settings) {
    DriverContext context =
        new DriverContext(new WallClockScheduler(), HOST)
            .with(HostEndpoint.class, new HostEndpoint(HOST, HOST, HOST));
    backend = new VcenterManagement(settings, context);
    backend.start(
        new ManagementListener() {
          @Override
          public void onLinkStatus(LinkStatus status, String reason) {
            links.add(status + " " + reason);
          }

          @Override
          public void onNotice(Notice notice) {
            notices.add(notice);
          }

          @Override
          public void onNotice(Notice notice, String key) {
            keyed.add(key + " " + notice.severity() + " " + notice.text());
          }

          @Override
          public void onNoticeWithdrawn(String host, String key, String from) {
            keyed.add(key + " withdrawn by " + from);
          }
        });
    return backend;
  }

  private static void await(java.util.function.BooleanSupplier condition) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(condition::getAsBoolean);
  }

  private static HostReport report(MaintenanceState state) {
    return new HostReport(HOST, state, false, true, 0, Optional.empty(), 0, 0, Instant.now());
  }

  private boolean vcsimSaysInMaintenance() throws IOException {
    return sim.govc("object.collect", "-s", "/DC0/host/DC0_C0/" + HOST, "runtime.inMaintenanceMode")
        .strip()
        .equals("true");
  }

  @Test
  void peersAreTheOtherHostsOfTheClusterAndTheLinkFollowsTheSession() throws IOException {
    start(Vcsim.settings(sim));

    assertThat(backend.peers())
        .extracting(HostEndpoint::name)
        .containsExactly("DC0_C0_H1", "DC0_C0_H2");
    await(() -> links.stream().anyMatch(l -> l.startsWith("CONNECTED")));
    sim.kill();
    await(
        () ->
            links.stream()
                .anyMatch(l -> l.startsWith("LOST") && l.contains("cannot reach vSphere")));
    // the reason on the panels: a keyed notice with vCenter's own words, then "restored"
    await(
        () ->
            keyed.stream()
                .anyMatch(
                    k ->
                        k.startsWith(
                                "vcenter-link CRITICAL VC UNREACHABLE: vCenter link lost: cannot reach vSphere")
                            && k.contains("connection refused")));
    sim.restart();
    await(() -> links.get(links.size() - 1).startsWith("CONNECTED"));
    await(
        () ->
            keyed
                .get(keyed.size() - 1)
                .startsWith(
                    "vcenter-link INFO VC LINK OK: vCenter link restored after: cannot reach vSphere"));
  }

  /**
   * vCenter ends the backend's session (TerminateSession from govc's session, as an administrator
   * or an idle timeout does): the link is degraded with NotAuthenticated, a new login follows and
   * the change stream is made again, and the link is connected again.
   */
  @Test
  void aSessionEndedByVcenterDegradesTheLinkUntilANewLoginRestoresIt() throws IOException {
    start(Vcsim.settings(sim));
    await(() -> links.stream().anyMatch(l -> l.startsWith("CONNECTED")));
    int before = links.size();

    assertThat(sim.terminateSessions("Java-http-client")).isPositive();

    await(
        () ->
            links.stream()
                .skip(before)
                .anyMatch(l -> l.startsWith("DEGRADED") && l.contains("NotAuthenticated")));
    await(() -> links.get(links.size() - 1).startsWith("CONNECTED"));
    assertThat(links.stream().skip(before)).noneMatch(l -> l.startsWith("LOST"));
    assertThat(keyed)
        .anyMatch(
            k ->
                k.startsWith("vcenter-link WARNING VC SESSION END: vCenter link degraded")
                    && k.contains("NotAuthenticated"));
    await(
        () ->
            keyed
                .get(keyed.size() - 1)
                .startsWith("vcenter-link INFO VC LINK OK: vCenter link restored"));
    // and the backend still reads vCenter with its new session
    assertThat(backend.peers()).hasSize(2);
  }

  /**
   * HA's per-host state and Proactive HA, which vcsim 0.24 does not send (runtime.dasHostState and
   * infraUpdateHaConfig are unset there): fed XML as a vCenter sends it, per the vSphere API
   * reference (ClusterDasFdmHostState, ClusterInfraUpdateHaConfigInfo).
   */
  @Test
  void haAgentStateAndProactiveHaFeedTheLightsAndANotice() throws Exception {
    start(Vcsim.settings(sim));
    await(() -> links.stream().anyMatch(l -> l.startsWith("CONNECTED")));
    // vcsim: no per-host HA state, no Proactive HA setting: left to core
    assertThat(backend.haProtected(HOST)).isEmpty();
    assertThat(backend.pfaProtected(HOST)).isEmpty();
    // From here on the XML a vCenter sends, fed by hand: the live stream (which reads vcsim's
    // empty values after every wait) is stopped first, so it cannot overwrite what is fed.
    backend.close();

    backend.applyConfiguration(
        configuration(
            """
            <dasConfig><enabled>true</enabled><hostMonitoring>enabled</hostMonitoring></dasConfig>
            <drsConfig><enabled>true</enabled><defaultVmBehavior>fullyAutomated</defaultVmBehavior></drsConfig>
            <infraUpdateHaConfig>
              <enabled>true</enabled><behavior>Automated</behavior>
              <moderateRemediation>QuarantineMode</moderateRemediation>
              <severeRemediation>MaintenanceMode</severeRemediation>
              <providers>com.vendor.healthprovider</providers>
            </infraUpdateHaConfig>"""));
    assertThat(backend.pfaProtected(HOST)).contains(true);
    assertThat(backend.pfaProtected("DC0_C0_H1")).isEmpty();

    backend.applyHostState(
        configuration(
            "<state>connectedToMaster</state><stateReporter type=\"HostSystem\">host-21</stateReporter>"),
        false);
    assertThat(backend.haProtected(HOST)).isEmpty(); // protected: core's capacity check decides
    assertThat(keyed).noneMatch(k -> k.startsWith(VcenterManagement.HEALTH_NOTICE));

    backend.applyHostState(configuration("<state>networkIsolated</state>"), true);
    assertThat(backend.haProtected(HOST)).contains(false);
    assertThat(keyed)
        .contains(
            "vcenter-host-health WARNING vCenter: vSphere HA agent networkIsolated; Proactive HA: host in quarantine mode");

    backend.applyHostState(configuration("<state>master</state>"), false);
    assertThat(backend.haProtected(HOST)).isEmpty();
    assertThat(keyed.get(keyed.size() - 1)).isEqualTo("vcenter-host-health withdrawn by vcenter");

    backend.applyConfiguration(
        configuration(
            "<dasConfig><enabled>true</enabled></dasConfig><infraUpdateHaConfig><enabled>false</enabled></infraUpdateHaConfig>"));
    assertThat(backend.pfaProtected(HOST)).contains(false);
  }

  /** vcsim 0.24's cluster.change applies only -drs-enabled; the rest is read from hand-made XML. */
  @Test
  void drsAndHaLightsComeFromTheClusterConfiguration() throws Exception {
    sim.govc("cluster.change", "-drs-enabled=true", "/DC0/host/DC0_C0");
    start(Vcsim.settings(sim));
    assertThat(backend.drsMode()).isEqualTo(DrsMode.AUTOMATIC);
    assertThat(backend.haEnabled()).isFalse();

    backend.applyConfiguration(configuration("<drsConfig><enabled>false</enabled></drsConfig>"));
    assertThat(backend.drsMode()).isEqualTo(DrsMode.OFF);

    backend.applyConfiguration(
        configuration(
            "<drsConfig><enabled>true</enabled><defaultVmBehavior>manual</defaultVmBehavior></drsConfig><dasConfig><enabled>true</enabled></dasConfig>"));
    assertThat(backend.drsMode()).isEqualTo(DrsMode.MANUAL);
    assertThat(backend.haEnabled()).isTrue();
    backend.applyConfiguration(
        configuration(
            "<drsConfig><enabled>true</enabled><defaultVmBehavior>partiallyAutomated</defaultVmBehavior></drsConfig>"));
    assertThat(backend.drsMode()).isEqualTo(DrsMode.MANUAL);
    assertThat(backend.haEnabled()).isFalse();
  }

  private static org.w3c.dom.Element configuration(String inner) throws Exception {
    var f = javax.xml.parsers.DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    return f.newDocumentBuilder()
        .parse(
            new java.io.ByteArrayInputStream(
                ("<val xmlns=\"urn:vim25\">" + inner + "</val>")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .getDocumentElement();
  }

  @Test
  void plannerVpanelSetsMaintenanceModeOnceInMaintenanceAndClearsItOnExit() throws IOException {
    start(Vcsim.settings(sim));
    await(() -> links.stream().anyMatch(l -> l.startsWith("CONNECTED")));

    backend.publish(report(MaintenanceState.ENTERING));
    assertThat(vcsimSaysInMaintenance()).isFalse();
    backend.publish(report(MaintenanceState.IN_MAINTENANCE));
    await(backend::inMaintenanceMode);
    assertThat(vcsimSaysInMaintenance()).isTrue();
    backend.publish(report(MaintenanceState.EXITING));
    await(() -> !backend.inMaintenanceMode());
    assertThat(vcsimSaysInMaintenance()).isFalse();
    assertThat(notices).isEmpty();
  }

  @Test
  void plannerVcenterAdmitsThroughEnterMaintenanceMode() throws Exception {
    start(Vcsim.settings(sim).withPlanner("vcenter", ""));
    Coordinator coordinator = backend.coordinator().orElseThrow();

    Coordinator.Admission admission =
        coordinator.admit(new Coordinator.AdmissionRequest(HOST, 0, 0, "api:test")).get();

    assertThat(admission.granted()).as(admission.reason()).isTrue();
    assertThat(vcsimSaysInMaintenance()).isTrue();
  }
}
