package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LibvirtSettingsTest {
  private final LibvirtSettings defaults = LibvirtSettings.defaults();

  @Test
  void eachWithChangesOnlyItsOwnComponents() {
    assertThat(defaults.withNetwork(25, 12.5))
        .isEqualTo(
            new LibvirtSettings(
                5,
                5,
                30,
                0,
                25,
                12.5,
                1024,
                4,
                defaults.defaultPolicy(),
                LibvirtSettings.DEFAULT_NAMESPACE,
                300,
                20,
                10,
                5,
                120,
                false,
                30,
                0,
                10));
    assertThat(defaults.withShutdown(7, true))
        .isEqualTo(
            new LibvirtSettings(
                5,
                5,
                30,
                0,
                10,
                5,
                1024,
                4,
                defaults.defaultPolicy(),
                LibvirtSettings.DEFAULT_NAMESPACE,
                300,
                20,
                10,
                5,
                7,
                true,
                30,
                0,
                10));
    assertThat(defaults.withAutoConverge(50, 25))
        .isEqualTo(
            new LibvirtSettings(
                5,
                5,
                30,
                0,
                10,
                5,
                1024,
                4,
                defaults.defaultPolicy(),
                LibvirtSettings.DEFAULT_NAMESPACE,
                300,
                50,
                25,
                5,
                120,
                false,
                30,
                0,
                10));
    assertThat(defaults.withDirtyRateSampleSeconds(0).dirtyRateSampleSeconds()).isZero();
    assertThat(defaults.withPostCopyAfterRounds(3).postCopyAfterRounds()).isEqualTo(3);
    assertThat(defaults.withDowntimeSteps(2000, 5))
        .isEqualTo(
            new LibvirtSettings(
                5,
                5,
                30,
                0,
                10,
                5,
                1024,
                4,
                defaults.defaultPolicy(),
                LibvirtSettings.DEFAULT_NAMESPACE,
                300,
                20,
                10,
                5,
                120,
                false,
                30,
                2000,
                5));
  }

  @Test
  void aChangedCopyIsCheckedAsAnySettingsAre() {
    assertThatThrownBy(() -> defaults.withDowntimeSteps(60_001, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("downtimeCeilingMillis");
    assertThatThrownBy(() -> defaults.withDirtyRateSampleSeconds(1))
        .hasMessageContaining("dirtyRateSampleSeconds must be 0 (off) or 2-86400");
    assertThatThrownBy(() -> defaults.withNetwork(0, 1)).hasMessageContaining("nicGbps");
  }
}
