package io.vpanel.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The lcdproc panel's entry as the agent reads it: its sample file, its defaults, a bad value. */
class LcdprocConfigTest {
  private final ConfigLoader loader = new ConfigLoader();

  @Test
  void theDriversSampleConfigLoadsWithTheDefaultsItShows() {
    Path sample = Path.of("../drivers/panel-lcdproc/sample-config.yaml");
    AgentConfig config = loader.load(sample);
    assertThat(config.panels()).extracting(DriverChoice::name).containsExactly("web", "lcdproc");
    DriverChoice lcdproc = config.panels().get(1);
    assertThat(lcdproc.settings()).isEqualTo(lcdproc.provider().defaultSettings());
  }

  @Test
  void aBadValueIsRefusedAtItsLineNamingTheKey() {
    String yaml =
        """
        hypervisor:
          driver: sim
        panels:
          - driver: lcdproc
            port: 13666
            backKey: Enter
        """;
    assertThatThrownBy(() -> loader.parse(Path.of("agent.yaml"), yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("agent.yaml:6")
        .hasMessageContaining("backKey must differ from maintenanceKey, both are Enter");
    assertThatThrownBy(
            () ->
                loader.parse(
                    Path.of("agent.yaml"),
                    "hypervisor:\n  driver: sim\npanels:\n  - driver: lcdproc\n    colour: red\n"))
        .hasMessageContaining("unknown key 'colour' for the lcdproc panel driver")
        .hasMessageContaining("maintenanceKey");
  }
}
