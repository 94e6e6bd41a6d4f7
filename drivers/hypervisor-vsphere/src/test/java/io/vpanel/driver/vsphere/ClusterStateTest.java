package io.vpanel.driver.vsphere;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.management.DrsMode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * The parser of a cluster's configurationEx and a host's dasHostState, on XML written from the
 * vSphere API reference (ClusterConfigInfoEx, ClusterDrsConfigInfo, ClusterDasConfigInfo,
 * ClusterInfraUpdateHaConfigInfo, ClusterDasFdmHostState): vcsim 0.24 sends no Proactive HA setting
 * and no per-host HA state, so these are tested against the documents only.
 */
class ClusterStateTest {

  private static Element val(String xml) throws Exception {
    var f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    return f.newDocumentBuilder()
        .parse(
            new ByteArrayInputStream(
                ("<val xmlns=\"urn:vim25\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                        + " xsi:type=\"ClusterConfigInfoEx\">"
                        + xml
                        + "</val>")
                    .getBytes(StandardCharsets.UTF_8)))
        .getDocumentElement();
  }

  @Test
  void aFullConfigurationAsVcenterSendsIt() throws Exception {
    ClusterState state =
        ClusterState.parse(
            val(
                """
                <dasConfig>
                  <enabled>true</enabled><vmMonitoring>vmMonitoringDisabled</vmMonitoring>
                  <hostMonitoring>enabled</hostMonitoring><vmComponentProtecting>disabled</vmComponentProtecting>
                  <failoverLevel>1</failoverLevel>
                  <admissionControlPolicy xsi:type="ClusterFailoverResourcesAdmissionControlPolicy">
                    <cpuFailoverResourcesPercent>50</cpuFailoverResourcesPercent>
                    <memoryFailoverResourcesPercent>50</memoryFailoverResourcesPercent>
                  </admissionControlPolicy>
                  <admissionControlEnabled>true</admissionControlEnabled>
                  <hBDatastoreCandidatePolicy>allFeasibleDsWithUserPreference</hBDatastoreCandidatePolicy>
                </dasConfig>
                <drsConfig>
                  <enabled>true</enabled><enableVmBehaviorOverrides>true</enableVmBehaviorOverrides>
                  <defaultVmBehavior>partiallyAutomated</defaultVmBehavior><vmotionRate>3</vmotionRate>
                </drsConfig>
                <dpmConfigInfo><enabled>false</enabled></dpmConfigInfo>
                <infraUpdateHaConfig>
                  <enabled>true</enabled><behavior>Manual</behavior>
                  <moderateRemediation>MixedMode</moderateRemediation>
                  <severeRemediation>MaintenanceMode</severeRemediation>
                  <providers>com.dell.openmanage</providers><providers>com.hpe.oneview</providers>
                </infraUpdateHaConfig>
                <proactiveDrsConfig><enabled>false</enabled></proactiveDrsConfig>
                <somethingNewer><x>1</x></somethingNewer>
                """));
    assertThat(state.drs()).isEqualTo(DrsMode.MANUAL);
    assertThat(state.ha()).isTrue();
    ClusterState.ProactiveHa proactive = state.proactiveHa().orElseThrow();
    assertThat(proactive.enabled()).isTrue();
    assertThat(proactive.behavior()).isEqualTo("Manual");
    assertThat(proactive.moderateRemediation()).isEqualTo("MixedMode");
    assertThat(proactive.severeRemediation()).isEqualTo("MaintenanceMode");
    assertThat(proactive.providers()).containsExactly("com.dell.openmanage", "com.hpe.oneview");
    assertThat(proactive.protects()).isTrue();
  }

  @Test
  void missingPartsAreNotSetNeverAnError() throws Exception {
    ClusterState empty = ClusterState.parse(val(""));
    assertThat(empty.drs()).isEqualTo(DrsMode.OFF);
    assertThat(empty.ha()).isFalse();
    assertThat(empty.proactiveHa()).isEmpty();
    assertThat(ClusterState.parse(null)).isEqualTo(ClusterState.NONE);
    // DRS on without a behaviour is vCenter's default, fully automated (vcsim sends it so)
    assertThat(ClusterState.parse(val("<drsConfig><enabled>true</enabled></drsConfig>")).drs())
        .isEqualTo(DrsMode.AUTOMATIC);
    // Proactive HA on without a provider protects nothing
    ClusterState noProvider =
        ClusterState.parse(
            val("<infraUpdateHaConfig><enabled>true</enabled></infraUpdateHaConfig>"));
    assertThat(noProvider.proactiveHa().orElseThrow().protects()).isFalse();
    assertThat(noProvider.proactiveHa().orElseThrow().behavior()).isEmpty();
  }

  @Test
  void theHaAgentStates() throws Exception {
    assertThat(ClusterState.dasHostState(null)).isEmpty();
    assertThat(ClusterState.dasHostState(val(""))).isEmpty();
    assertThat(
            ClusterState.dasHostState(
                val(
                    "<state>connectedToMaster</state><stateReporter type=\"HostSystem\">host-9</stateReporter>")))
        .contains("connectedToMaster");
    assertThat(ClusterState.haProtects("master")).isTrue();
    assertThat(ClusterState.haProtects("connectedToMaster")).isTrue();
    for (String notProtected :
        new String[] {
          "uninitialized",
          "election",
          "networkPartitionedFromMaster",
          "networkIsolated",
          "hostDown",
          "initializationError",
          "uninitializationError",
          "fdmUnreachable",
          "retry"
        }) {
      assertThat(ClusterState.haProtects(notProtected)).as(notProtected).isFalse();
    }
  }
}
