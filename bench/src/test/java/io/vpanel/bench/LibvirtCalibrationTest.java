package io.vpanel.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vpanel.bench.LibvirtEvacuationBench.Calibration;
import io.vpanel.bench.LibvirtEvacuationBench.Migration;
import io.vpanel.bench.LibvirtEvacuationBench.Run;
import io.vpanel.driver.libvirt.LibvirtSettings;
import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What section 7 learns from one run's job statistics, and the predictions it makes from it. */
class LibvirtCalibrationTest {
  private static final long MIB = LibvirtEvacuationBench.MIB;

  private static VmInfo vm(String name) {
    return new VmInfo(name, name, VmState.RUNNING, 128 * MIB, 1, 0, VmPolicy.MIGRATE);
  }

  private static Run run(int concurrency, List<Migration> migrations) {
    return new Run(
        concurrency,
        0,
        concurrency,
        30,
        MaintenanceState.IN_MAINTENANCE,
        migrations,
        List.of(),
        List.of("busy1", "idle1"),
        List.of(vm("busy1"), vm("idle1")),
        new HostCapacity(1024 * MIB, 4, 50_000_000, 50_000_000),
        Map.of("busy1", 120 * MIB),
        concurrency);
  }

  @Test
  void learnsSetUpThroughputAndWhatEachGuestReallySends() {
    // busy1: 800 MiB in 20 s (40 MiB/s); idle1: 1 MiB in 1.5 s, almost all of it set-up
    Run calibration =
        run(
            1,
            List.of(
                new Migration("busy1", true, 800 * MIB, 10, 300, 20),
                new Migration("idle1", true, MIB, 2, 50, 1.5)));
    Calibration learned = LibvirtEvacuationBench.calibrate(calibration, LibvirtSettings.defaults());
    assertThat(learned.linkBytesPerSec()).isEqualTo(40 * MIB);
    assertThat(learned.setupSeconds()).isCloseTo(1.5 - 1.0 / 40, within(1e-9));
    assertThat(learned.volume()).containsEntry("busy1", 800 * MIB).containsEntry("idle1", MIB);

    // one at a time: both volumes at full link speed plus one set-up each
    double oneByOne = LibvirtEvacuationBench.predictedLearned(calibration, learned);
    assertThat(oneByOne).isCloseTo(801.0 / 40 + 2 * learned.setupSeconds(), within(1e-6));
    // the lower bound counts at most a guest's memory, at the configured 400 Mbit/s
    assertThat(LibvirtEvacuationBench.lowerBoundSeconds(learned, calibration))
        .isCloseTo(129 * MIB / 50e6, within(1e-9));
    // the planner's own inputs see two idle 128 MiB guests: far less than measured
    assertThat(LibvirtEvacuationBench.predictedAsPlanned(calibration)).isLessThan(oneByOne);
  }

  @Test
  void readsLibvirtsDirtyRateInMiBPerSecond() {
    String stats =
        "Domain: 'busy1'\n  dirtyrate.calc_status=2\n  dirtyrate.calc_start_time=1\n"
            + "  dirtyrate.calc_period=1\n  dirtyrate.megabytes_per_second=124\n";
    assertThat(LibvirtEvacuationBench.DirtyRates.parseMiBps(stats)).isEqualTo(124);
    assertThat(LibvirtEvacuationBench.DirtyRates.parseMiBps("Domain: 'x'\n")).isZero();
  }
}
