package io.vpanel.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.VmInfo;
import io.vpanel.spi.hypervisor.VmPolicy;
import io.vpanel.spi.hypervisor.VmState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConcurrencyPolicyTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;
  private static final long NIC_10G = 1_250 * MB;
  private static final long STREAM_4G = 500 * MB;

  private static List<VmInfo> guests(int count, long memory, long dirty) {
    List<VmInfo> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(new VmInfo("u" + i, "vm-" + i, VmState.RUNNING, memory, 2, dirty, VmPolicy.MIGRATE));
    }
    return out;
  }

  @Test
  void saturatingStreamsRoundsUpToFillTheNic() {
    assertThat(ConcurrencyPolicy.saturatingStreams(NIC_10G, STREAM_4G)).isEqualTo(3);
    assertThat(ConcurrencyPolicy.saturatingStreams(NIC_10G, NIC_10G)).isEqualTo(1);
    assertThat(ConcurrencyPolicy.saturatingStreams(NIC_10G, 1)).isEqualTo(64);
  }

  @Test
  void shareIsTheStreamCapOrAnEqualSliceOfTheNic() {
    assertThat(ConcurrencyPolicy.share(NIC_10G, STREAM_4G, 1)).isEqualTo(STREAM_4G);
    assertThat(ConcurrencyPolicy.share(NIC_10G, STREAM_4G, 5)).isEqualTo(NIC_10G / 5);
  }

  @Test
  void nothingToMoveIsZeroAndOneGuestIsOne() {
    HostCapacity host = new HostCapacity(64 * GIB, 32, NIC_10G, STREAM_4G);
    assertThat(ConcurrencyPolicy.choose(List.of(), host)).isZero();
    assertThat(ConcurrencyPolicy.choose(guests(1, 4 * GIB, 0), host)).isEqualTo(1);
  }

  @Test
  void idleGuestsRunEnoughStreamsToFillTheLink() {
    HostCapacity host = new HostCapacity(64 * GIB, 32, NIC_10G, STREAM_4G);
    int chosen = ConcurrencyPolicy.choose(guests(12, 4 * GIB, MB), host);
    assertThat(chosen)
        .isGreaterThanOrEqualTo(ConcurrencyPolicy.saturatingStreams(NIC_10G, STREAM_4G));
    assertThat(chosen).isLessThanOrEqualTo(ConcurrencyPolicy.MAX_CONCURRENCY);
  }

  @Test
  void busyGuestsOnALinkOneStreamFillsRunFewAtATime() {
    HostCapacity host = new HostCapacity(64 * GIB, 32, NIC_10G, NIC_10G);
    int busy = ConcurrencyPolicy.choose(guests(12, 4 * GIB, 300 * MB), host);
    int idle = ConcurrencyPolicy.choose(guests(12, 4 * GIB, MB), host);
    assertThat(busy).isLessThanOrEqualTo(2);
    assertThat(busy).isLessThanOrEqualTo(idle);
  }

  @Test
  void aFasterLinkWithTheSameStreamCapAllowsMoreStreams() {
    List<VmInfo> vms = guests(16, 4 * GIB, 20 * MB);
    int slow = ConcurrencyPolicy.choose(vms, new HostCapacity(64 * GIB, 32, NIC_10G, STREAM_4G));
    int fast =
        ConcurrencyPolicy.choose(vms, new HostCapacity(64 * GIB, 32, 10 * NIC_10G, STREAM_4G));
    assertThat(fast).isGreaterThan(slow);
  }

  @Test
  void thePlannerRecordsTheChosenConcurrency() {
    HostCapacity source = new HostCapacity(64 * GIB, 32, NIC_10G, STREAM_4G);
    HostCapacity target = new HostCapacity(256 * GIB, 128, NIC_10G, STREAM_4G);
    List<VmInfo> vms = guests(6, 4 * GIB, MB);
    Plan plan =
        EvacuationPlanner.plan("h0", source, vms, List.of(new TargetHost("h1", target, 0, 0)));
    assertThat(plan.concurrency()).isEqualTo(ConcurrencyPolicy.choose(vms, source));
  }
}
