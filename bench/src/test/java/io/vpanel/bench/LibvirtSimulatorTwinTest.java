package io.vpanel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.core.plan.Plan;
import io.vpanel.spi.MaintenanceState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The simulator's twin of the real-QEMU bed evacuates the same guests on the virtual clock. */
class LibvirtSimulatorTwinTest {
  @Test
  void theTwinEmptiesTheBedAndTakesLongerForBusyGuests() {
    List<LibvirtEvacuationBench.GuestSpec> idle =
        List.of(new LibvirtEvacuationBench.GuestSpec("idle1", false));
    List<LibvirtEvacuationBench.GuestSpec> mixed =
        List.of(
            new LibvirtEvacuationBench.GuestSpec("idle1", false),
            new LibvirtEvacuationBench.GuestSpec("busy1", true));
    double idleSeconds = LibvirtEvacuationBench.simulatorSeconds(run(Map.of("idle1", 0L)), idle);
    double mixedSeconds =
        LibvirtEvacuationBench.simulatorSeconds(
            run(Map.of("idle1", 0L, "busy1", 120 * LibvirtEvacuationBench.MIB)), mixed);

    // 128 MiB over 50 MB/s is 2.7 s at least
    assertThat(idleSeconds).isGreaterThan(2.5);
    assertThat(mixedSeconds).isGreaterThan(idleSeconds);
  }

  private static LibvirtEvacuationBench.Run run(Map<String, Long> dirty) {
    return new LibvirtEvacuationBench.Run(
        0,
        0,
        1,
        1,
        MaintenanceState.IN_MAINTENANCE,
        List.of(),
        List.of(),
        List.of(),
        Plan.noGo("a", "test"),
        dirty,
        1);
  }
}
