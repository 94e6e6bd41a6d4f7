package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class LibvirtSettingsTest {
  private final LibvirtSettings defaults = LibvirtSettings.defaults();

  /** The names of the components in which {@code to} differs from {@code from}. */
  private static Set<String> changed(LibvirtSettings from, LibvirtSettings to) throws Exception {
    Set<String> names = new TreeSet<>();
    for (RecordComponent c : LibvirtSettings.class.getRecordComponents()) {
      if (!Objects.equals(c.getAccessor().invoke(from), c.getAccessor().invoke(to))) {
        names.add(c.getName());
      }
    }
    return names;
  }

  @Test
  void eachWithChangesOnlyItsOwnComponents() throws Exception {
    LibvirtSettings network = defaults.withNetwork(25, 12.5);
    assertThat(changed(defaults, network)).containsExactly("nicGbps", "streamGbps");
    assertThat(network.nicGbps()).isEqualTo(25);
    assertThat(network.streamGbps()).isEqualTo(12.5);

    LibvirtSettings shutdown = defaults.withShutdown(7, true);
    assertThat(changed(defaults, shutdown))
        .containsExactly("forceOffAfterShutdownTimeout", "shutdownTimeoutSeconds");
    assertThat(shutdown.shutdownTimeoutSeconds()).isEqualTo(7);
    assertThat(shutdown.forceOffAfterShutdownTimeout()).isTrue();

    LibvirtSettings converge = defaults.withAutoConverge(50, 25);
    assertThat(changed(defaults, converge))
        .containsExactly("autoConvergeIncrementPercent", "autoConvergeInitialPercent");
    assertThat(converge.autoConvergeInitialPercent()).isEqualTo(50);
    assertThat(converge.autoConvergeIncrementPercent()).isEqualTo(25);

    LibvirtSettings sampling = defaults.withDirtyRateSampleSeconds(0);
    assertThat(changed(defaults, sampling)).containsExactly("dirtyRateSampleSeconds");
    assertThat(sampling.dirtyRateSampleSeconds()).isZero();

    LibvirtSettings postCopy = defaults.withPostCopyAfterRounds(3);
    assertThat(changed(defaults, postCopy)).containsExactly("postCopyAfterRounds");
    assertThat(postCopy.postCopyAfterRounds()).isEqualTo(3);

    LibvirtSettings steps = defaults.withDowntimeSteps(2000, 5);
    assertThat(changed(defaults, steps))
        .containsExactly("downtimeCeilingMillis", "downtimeStepRounds");
    assertThat(steps.downtimeCeilingMillis()).isEqualTo(2000);
    assertThat(steps.downtimeStepRounds()).isEqualTo(5);
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
