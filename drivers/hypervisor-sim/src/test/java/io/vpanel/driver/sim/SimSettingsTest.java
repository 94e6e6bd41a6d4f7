package io.vpanel.driver.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.spi.hypervisor.MigrationFeature;
import java.util.List;
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

  @Test
  void theMigrationModelHasRealisticDefaults() {
    SimSettings d = SimSettings.defaults();
    assertThat(d.setupMillis()).isEqualTo(200);
    assertThat(d.xbzrleRatio()).isEqualTo(4);
    assertThat(d.zstdRatio()).isEqualTo(3);
    assertThat(d.zstdBusyRatio()).isEqualTo(1.5);
    assertThat(d.zstdGbpsPerConnection()).isEqualTo(2.5);
    assertThat(d.postCopyAfterRounds()).isEqualTo(2);
    assertThat(d.offeredFeatures()).containsExactlyInAnyOrder(MigrationFeature.values());
    assertThat(d.postCopyGuests()).isEmpty();
    assertThat(d.migrationModel()).isEqualTo(SimMigrationModel.defaults());
  }

  @Test
  void badMigrationModelValuesAreRefusedWithTheKey() {
    SimSettings d = SimSettings.defaults();
    assertThatThrownBy(() -> model(d, -1, 4, 3, 1.5, 2.5, 2))
        .hasMessage("setupMillis must be between 0 and 60000, was -1");
    assertThatThrownBy(() -> model(d, 200, 0.5, 3, 1.5, 2.5, 2))
        .hasMessage(
            "xbzrleRatio must be between 1 and 100 (bytes in per byte on the wire), was 0.5");
    assertThatThrownBy(() -> model(d, 200, 4, 3, 0, 2.5, 2))
        .hasMessageStartingWith("zstdBusyRatio must be between 1 and 100");
    assertThatThrownBy(() -> model(d, 200, 4, 3, 1.5, 0, 2))
        .hasMessageStartingWith("zstdGbpsPerConnection must be more than 0");
    assertThatThrownBy(() -> model(d, 200, 4, 3, 1.5, 2.5, 0))
        .hasMessage("postCopyAfterRounds must be between 1 and 1000, was 0");
    assertThatThrownBy(() -> d.withMigrationFeatures(List.of("multifd", "lz4")))
        .hasMessage(
            "migrationFeatures: unknown migration feature 'lz4' (use auto-converge, post-copy,"
                + " multifd, xbzrle or zstd)");
  }

  private static SimSettings model(
      SimSettings d,
      long setupMillis,
      double xbzrle,
      double zstd,
      double zstdBusy,
      double zstdGbps,
      int postCopyAfter) {
    return new SimSettings(
        d.seed(),
        d.hosts(),
        d.vms(),
        d.nicGbps(),
        d.streamGbps(),
        d.tickMillis(),
        d.maxRounds(),
        d.neverConverge(),
        setupMillis,
        xbzrle,
        zstd,
        zstdBusy,
        zstdGbps,
        postCopyAfter,
        d.migrationFeatures(),
        d.postCopyGuests());
  }
}
