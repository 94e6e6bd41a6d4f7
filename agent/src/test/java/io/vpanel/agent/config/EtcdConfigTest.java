package io.vpanel.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.driver.etcd.EtcdSettings;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The etcd management backend's section as the agent reads it: its sample file, a bad value. */
class EtcdConfigTest {
  private final ConfigLoader loader = new ConfigLoader();

  @Test
  void theDriversSampleConfigLoads() {
    AgentConfig config = loader.load(Path.of("../drivers/management-etcd/sample-config.yaml"));
    DriverChoice management = config.management().orElseThrow();
    assertThat(management.name()).isEqualTo("etcd");
    EtcdSettings settings = (EtcdSettings) management.settings();
    assertThat(settings.endpoints()).hasSize(3).allMatch(e -> e.startsWith("https://"));
    assertThat(settings.cluster()).isEqualTo("rack12");
    assertThat(settings.leaseTtlSeconds()).isEqualTo(10);
  }

  @Test
  void onlyTheKeysGivenChangeTheDefaults() {
    AgentConfig config =
        loader.parse(
            Path.of("agent.yaml"),
            "hypervisor:\n  driver: sim\nmanagement:\n  driver: etcd\n"
                + "  endpoints: [http://10.0.0.1:2379]\n  maxHostsInMaintenance: 2\n");
    EtcdSettings settings = (EtcdSettings) config.management().orElseThrow().settings();
    assertThat(settings)
        .isEqualTo(
            EtcdSettings.defaults()
                .withCluster(List.of("http://10.0.0.1:2379"), "default")
                .withTimes(10, 2, 2, 5000));
  }

  @Test
  void aBadValueIsRefusedAtItsLineNamingTheKey() {
    String yaml =
        """
        hypervisor:
          driver: sim
        management:
          driver: etcd
          endpoints: [http://10.0.0.1:2379]
          leaseTtlSeconds: 1
        """;
    assertThatThrownBy(() -> loader.parse(Path.of("agent.yaml"), yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("agent.yaml:6")
        .hasMessageContaining("leaseTtlSeconds must be between 2 and 300, was 1");
  }
}
