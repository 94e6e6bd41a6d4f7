package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.agent.RunningAgent;
import io.vpanel.agent.Wiring;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.core.model.HostStatus;
import io.vpanel.driver.ipmi.IpmiSimBmc;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.testkit.SecretFile;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PFA protect end to end over IPMI: an agent started from YAML with the sim hypervisor, the web
 * panel, the {@code ipmi} alert source and the {@code ipmi-identify} panel, both on a real
 * ipmi_sim. A predictive memory failure injected at the BMC makes the host evacuate by itself; its
 * panel shows the alert, then SAFE TO SERVICE, and the identify LED request reaches the BMC's
 * chassis hook. Repeated {@code vpanel.e2e.ipmiRounds} times (default 20) to measure the time from
 * the injection to the panel showing the alert and to the first migration starting.
 */
class IpmiAlertEvacuationTest {
  @TempDir Path temp;
  private RunningAgent agent;
  private IpmiSimBmc bmc;

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (bmc != null) {
      bmc.close();
    }
  }

  private HostStatus host() {
    return agent.engine().snapshot().host("sim-01").orElseThrow();
  }

  private static String panelText(HostStatus h) {
    return h.panel().map(p -> String.join("\n", p.lines())).orElse("");
  }

  private long identifyLines(String line) throws Exception {
    return bmc.chassisLog().stream().filter(line::equals).count();
  }

  @Test
  void aPredictiveMemoryFailureAtTheBmcEvacuatesTheHostAndLightsIdentify() throws Exception {
    bmc = IpmiSimBmc.start(temp.resolve("bmc"));
    Path token = SecretFile.write(temp.resolve("token"), "e2e-token-0123456789abcdef");
    Path config =
        Files.writeString(
            temp.resolve("agent.yaml"),
            """
            host:
              name: sim-01
            hypervisor:
              driver: sim
              seed: 7
              hosts: 3
              vms: 6
              tickMillis: 50
              nicGbps: 1000
              streamGbps: 1000
            panels:
              - driver: web
              - driver: ipmi-identify
                interfaceType: lanplus
                host: 127.0.0.1
                port: %d
                user: admin
                passwordFile: %s
            alerts:
              - driver: ipmi
                interfaceType: lanplus
                host: 127.0.0.1
                port: %d
                user: admin
                passwordFile: %s
                pollSeconds: 1
            api:
              listen: 127.0.0.1:0
              tokenFile: %s
            maintenance:
              pfaProtect: true
              pfa:
                # Every round is a new automatic entry: lift the default limit of 2 an hour.
                maxAutomaticEntries: 1000
            """
                .formatted(
                    bmc.udpPort(), bmc.passwordFile(), bmc.udpPort(), bmc.passwordFile(), token));
    agent = Wiring.startAgent(new ConfigLoader().load(config));
    AgentApi api =
        new AgentApi(HttpClient.newHttpClient(), agent.url(), "sim-01", agent.token(), () -> "");
    Duration wait = Duration.ofSeconds(60);
    await().atMost(wait).until(() -> host().maintenance().state() == MaintenanceState.OPERATIONAL);
    await()
        .atMost(wait)
        .until(
            () ->
                host().alertSources().stream()
                    .anyMatch(
                        s ->
                            s.name().equals("ipmi")
                                && s.health()
                                    .map(h -> h.status().name().equals("OK"))
                                    .orElse(false)));

    int rounds = Integer.getInteger("vpanel.e2e.ipmiRounds", 20);
    List<Long> toPanel = new ArrayList<>();
    List<Long> toMigration = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      long identifyOn = identifyLines("set identify 0 1");
      long identifyOff = identifyLines("set identify 0 0");
      long t0 = System.nanoTime();
      bmc.dimmEccLimit(true);
      long[] seenAt = {-1, -1}; // the panel showing the alert, the first migration
      int current = round;
      await()
          .atMost(wait)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(2))
          .untilAsserted(
              () -> {
                HostStatus h = host();
                long now = System.nanoTime();
                if (seenAt[0] < 0 && panelText(h).contains("ALERT DIMM A1")) {
                  seenAt[0] = now;
                }
                if (seenAt[1] < 0 && h.vms().stream().anyMatch(vm -> vm.migration().isPresent())) {
                  seenAt[1] = now;
                }
                assertThat(seenAt[0])
                    .as("round %d: the panel shows the alert", current)
                    .isPositive();
                assertThat(seenAt[1]).as("round %d: a migration starts", current).isPositive();
              });
      toPanel.add((seenAt[0] - t0) / 1_000_000);
      toMigration.add((seenAt[1] - t0) / 1_000_000);

      await()
          .atMost(wait)
          .until(
              () ->
                  host().maintenance().state() == MaintenanceState.IN_MAINTENANCE
                      && host().maintenance().safeToService()
                      && panelText(host()).contains("SAFE TO SERVICE"));
      assertThat(host().runningVms()).isZero();
      await().atMost(wait).until(() -> identifyLines("set identify 0 1") == identifyOn + 1);

      // The DIMM is replaced: the condition clears, the technician ends maintenance.
      bmc.dimmEccLimit(false);
      await().atMost(wait).until(() -> host().alertSources().get(0).activeAlerts() == 0);
      assertThat(api.maintenance("exit").statusCode()).isEqualTo(202);
      await()
          .atMost(wait)
          .until(() -> host().maintenance().state() == MaintenanceState.OPERATIONAL);
      await().atMost(wait).until(() -> identifyLines("set identify 0 0") >= identifyOff + 1);
    }
    System.out.printf(
        "ipmi e2e over %d rounds: injection -> panel shows the alert p50 %d ms p99 %d ms max %d"
            + " ms; injection -> first migration p50 %d ms p99 %d ms max %d ms%n",
        rounds,
        percentile(toPanel, 50),
        percentile(toPanel, 99),
        percentile(toPanel, 100),
        percentile(toMigration, 50),
        percentile(toMigration, 99),
        percentile(toMigration, 100));
    System.out.println("ipmi e2e raw ms, panel: " + toPanel + " migration: " + toMigration);
  }

  private static long percentile(List<Long> values, int p) {
    List<Long> sorted = values.stream().sorted().toList();
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}
