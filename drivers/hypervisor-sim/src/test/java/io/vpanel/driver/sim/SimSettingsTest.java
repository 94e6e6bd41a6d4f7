package io.vpanel.driver.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SimSettingsTest {

  @Test
  void defaultsDescribeTheDemoCluster() {
    assertThat(SimSettings.defaults()).isEqualTo(new SimSettings(1, 4, 24, 10, 4, 100, 30));
    assertThat(new SimHypervisorProvider().defaultSettings()).isEqualTo(SimSettings.defaults());
    assertThat(new SimHypervisorProvider().settingsType()).isEqualTo(SimSettings.class);
  }

  @Test
  void outOfRangeValuesAreRefusedWithTheKeyTheRangeAndTheValue() {
    assertThatThrownBy(() -> SimSettings.defaults().withHosts(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hosts must be between 1 and 1000, was 0");
    assertThatThrownBy(() -> SimSettings.defaults().withVms(-1))
        .hasMessage("vms must be between 0 and 100000, was -1");
    assertThatThrownBy(() -> new SimSettings(1, 4, 24, 0, 4, 100, 30))
        .hasMessage("nicGbps must be more than 0 and at most 1000 (gigabits per second), was 0.0");
    assertThatThrownBy(() -> new SimSettings(1, 4, 24, 10, Double.NaN, 100, 30))
        .hasMessageStartingWith("streamGbps must be more than 0");
    assertThatThrownBy(() -> new SimSettings(1, 4, 24, 10, 4, 0, 30))
        .hasMessage("tickMillis must be between 1 and 60000, was 0");
    assertThatThrownBy(() -> new SimSettings(1, 4, 24, 10, 4, 100, 0))
        .hasMessage("maxRounds must be between 1 and 1000, was 0");
  }
}
