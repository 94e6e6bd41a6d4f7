package io.vpanel.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.driver.sim.SimSettings;
import io.vpanel.spi.hypervisor.MigrationFeature;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sim driver's migration-feature keys as the agent reads them. */
class SimConfigTest {
  private final ConfigLoader loader = new ConfigLoader();

  @Test
  void theDriversSampleConfigLoadsWithTheDefaultsItShows() {
    AgentConfig config = loader.load(Path.of("../drivers/hypervisor-sim/sample-config.yaml"));
    assertThat(config.hypervisor().settings()).isEqualTo(SimSettings.defaults());
  }

  @Test
  void theMigrationKeysBind() {
    String yaml =
        """
        hypervisor:
          driver: sim
          setupMillis: 500
          xbzrleRatio: 2
          zstdRatio: 4
          zstdBusyRatio: 1.2
          zstdGbpsPerConnection: 5
          postCopyAfterRounds: 3
          migrationFeatures: [multifd, zstd]
          postCopyGuests: [vm-02]
        """;
    SimSettings sim =
        (SimSettings) loader.parse(Path.of("agent.yaml"), yaml).hypervisor().settings();
    assertThat(sim.setupMillis()).isEqualTo(500);
    assertThat(sim.xbzrleRatio()).isEqualTo(2);
    assertThat(sim.zstdRatio()).isEqualTo(4);
    assertThat(sim.zstdBusyRatio()).isEqualTo(1.2);
    assertThat(sim.zstdGbpsPerConnection()).isEqualTo(5);
    assertThat(sim.postCopyAfterRounds()).isEqualTo(3);
    assertThat(sim.offeredFeatures())
        .containsExactlyInAnyOrder(MigrationFeature.MULTIFD, MigrationFeature.ZSTD);
    assertThat(sim.postCopyGuests()).isEqualTo(List.of("vm-02"));
    assertThat(sim.neverConverge()).isEmpty();
  }

  @Test
  void aBadFeatureIsRefusedAtItsLine() {
    String yaml =
        """
        hypervisor:
          driver: sim
          migrationFeatures: [multifd, lz4]
        """;
    assertThatThrownBy(() -> loader.parse(Path.of("agent.yaml"), yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("agent.yaml:3")
        .hasMessageContaining("migrationFeatures: unknown migration feature 'lz4'");
  }
}
