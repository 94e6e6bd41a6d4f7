package io.vpanel.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vpanel.agent.RunningAgent;
import io.vpanel.agent.Wiring;
import io.vpanel.agent.config.ConfigLoader;
import io.vpanel.driver.sysfs.FakeSysfs;
import io.vpanel.driver.sysfs.FifoInput;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.testkit.SecretFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A simulated cluster whose host has the sysfs panel: the agent is started from a YAML file as in
 * production ({@code ConfigLoader} + {@code Wiring.startAgent}), its panel's LEDs are a fake {@code
 * /sys/class/leds} and its button a FIFO carrying input_event records. A bump does nothing; holding
 * the button for {@code confirmHoldSeconds} evacuates the host and the maintenance LEDs follow the
 * state; holding it again brings the host back.
 */
class SysfsPanelEvacuationTest {
  private static final String RED = "vpanel:red:maintenance";
  private static final String GREEN = "vpanel:green:maintenance";
  private static final int KEY = 148;

  @TempDir Path temp;
  private RunningAgent agent;
  private FifoInput button;

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (button != null) {
      button.close();
    }
  }

  private MaintenanceState state() {
    return agent.engine().snapshot().host("sim-01").orElseThrow().maintenance().state();
  }

  private void press(boolean down) throws Exception {
    button.write(FifoInput.key(Instant.now(), KEY, down ? 1 : 0));
  }

  @Test
  void holdingTheButtonEvacuatesTheHostAndTheLedsFollow() throws Exception {
    FakeSysfs sysfs = new FakeSysfs(temp.resolve("leds"));
    sysfs.led(RED);
    sysfs.led(GREEN);
    button = FifoInput.create(temp.resolve("event-kbd"));
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
              - driver: sysfs
                ledRoot: %s
                leds:
                  maintenance: {red: "%s", green: "%s"}
                inputDevice: %s
                key: KEY_PROG1
                reattachMaxMillis: 500
            api:
              listen: 127.0.0.1:0
              tokenFile: %s
            maintenance:
              confirmHoldSeconds: 1
            """
                .formatted(sysfs.root(), RED, GREEN, button.path(), token));
    agent = Wiring.startAgent(new ConfigLoader().load(config));
    Duration wait = Duration.ofSeconds(60);

    await().atMost(wait).until(() -> state() == MaintenanceState.OPERATIONAL);
    assertThat(sysfs.read(RED, "brightness")).isEqualTo("0");
    assertThat(sysfs.read(GREEN, "brightness")).isEqualTo("0");

    // A bump: pressed and let go at once. Nothing happens, well past the hold time.
    press(true);
    press(false);
    await()
        .during(Duration.ofMillis(1_800))
        .atMost(wait)
        .until(() -> state() == MaintenanceState.OPERATIONAL);

    // A hold: the engine confirms after 1 s of the button down, then it is released.
    press(true);
    await().atMost(wait).until(() -> state() != MaintenanceState.OPERATIONAL);
    press(false);
    await().atMost(wait).until(() -> state() == MaintenanceState.IN_MAINTENANCE);
    await()
        .atMost(wait)
        .until(
            () ->
                sysfs.read(GREEN, "brightness").equals("255")
                    && sysfs.trigger(GREEN).equals("none")
                    && sysfs.read(RED, "brightness").equals("0"));
    assertThat(agent.engine().snapshot().host("sim-01").orElseThrow().runningVms()).isZero();

    // Holding it again ends maintenance: the LEDs go dark.
    press(true);
    await().atMost(wait).until(() -> state() != MaintenanceState.IN_MAINTENANCE);
    press(false);
    await().atMost(wait).until(() -> state() == MaintenanceState.OPERATIONAL);
    await()
        .atMost(wait)
        .until(
            () ->
                sysfs.read(GREEN, "brightness").equals("0")
                    && sysfs.read(RED, "brightness").equals("0"));
  }
}
