package io.vpanel.agent;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.agent.config.ConfigException;
import io.vpanel.agent.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link Wiring#startAgent} refuses before it serves, with the configuration's line. */
class WiringTest {
  @TempDir Path dir;

  @Test
  void aHostNameTheHypervisorDoesNotKnowIsRefusedWithItsLine() throws IOException {
    Path token = dir.resolve("token");
    Files.writeString(token, "wiring-test-token-0123456789");
    java.nio.file.Files.setPosixFilePermissions(
        token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path file = dir.resolve("agent.yaml");
    Files.writeString(
        file,
        """
        host:
          name: rack12-u07
        hypervisor:
          driver: sim
        api:
          listen: 127.0.0.1:0
          tokenFile: %s
        """
            .formatted(token));

    assertThatThrownBy(() -> Wiring.startAgent(new ConfigLoader().load(file)).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(file + ":2: host.name 'rack12-u07' is not a host of the sim")
        .hasMessageContaining("(it has sim-01, sim-02");
  }
}
