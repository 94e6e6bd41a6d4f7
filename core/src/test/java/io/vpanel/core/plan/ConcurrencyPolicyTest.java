package io.vpanel.core.plan;

import static io.vpanel.core.plan.Fixtures.NIC_10G;
import static io.vpanel.core.plan.Fixtures.STREAM_4G;
import static io.vpanel.core.plan.Fixtures.capacity;
import static io.vpanel.core.plan.Fixtures.dirtyVm;
import static io.vpanel.core.plan.Fixtures.host;
import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.spi.hypervisor.VmInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConcurrencyPolicyTest {

  /** 10 Gb/s shared by three streams: 3.33 Gb/s each, in bytes per second. */
  private static final long SHARE_OF_THREE = NIC_10G / 3;

  @Test
  void saturatingStreamsRoundsUpToFillTheNic() {
    assertThat(ConcurrencyPolicy.saturatingStreams(NIC_10G, STREAM_4G)).isEqualTo(3);
    assertThat(ConcurrencyPolicy.saturatingStreams(NIC_10G, NIC_10G / 2)).isEqualTo(2);
    assertThat(ConcurrencyPolicy.saturatingStreams(NIC_10G, NIC_10G / 2 + 1)).isEqualTo(2);
    assertThat(ConcurrencyPolicy.saturatingStreams(NIC_10G, NIC_10G / 2 - 1)).isEqualTo(3);
  }

  @Test
  void saturatingStreamsIsAtLeastOneAndAtMostSixtyFour() {
    assertThat(ConcurrencyPolicy.saturatingStreams(NIC_10G, 4 * NIC_10G)).isEqualTo(1);
    assertThat(ConcurrencyPolicy.saturatingStreams(NIC_10G, 1)).isEqualTo(64);
  }

  @Test
  void shareIsTheStreamCapOrAnEqualSliceOfTheNic() {
    assertThat(ConcurrencyPolicy.share(NIC_10G, STREAM_4G, 1)).isEqualTo(STREAM_4G);
    assertThat(ConcurrencyPolicy.share(NIC_10G, STREAM_4G, 2)).isEqualTo(STREAM_4G);
    assertThat(ConcurrencyPolicy.share(NIC_10G, STREAM_4G, 3)).isEqualTo(SHARE_OF_THREE);
    assertThat(ConcurrencyPolicy.share(NIC_10G, STREAM_4G, 0)).isEqualTo(STREAM_4G);
  }

  @Test
  void theFirstMigrationMayAlwaysStart() {
    assertThat(ConcurrencyPolicy.mayStart(NIC_10G, STREAM_4G, 0, 0, 0)).isTrue();
    assertThat(ConcurrencyPolicy.mayStart(NIC_10G, STREAM_4G, 0, 0, 100 * NIC_10G)).isTrue();
  }

  @Test
  void refusesBeyondSaturation() {
    assertThat(ConcurrencyPolicy.mayStart(NIC_10G, STREAM_4G, 1, 0, 0)).isTrue();
    assertThat(ConcurrencyPolicy.mayStart(NIC_10G, STREAM_4G, 2, 0, 0)).isTrue();
    assertThat(ConcurrencyPolicy.mayStart(NIC_10G, STREAM_4G, 3, 0, 0)).isFalse();
    assertThat(ConcurrencyPolicy.mayStart(NIC_10G, STREAM_4G, 10, 0, 0)).isFalse();
  }

  @Test
  void refusesWhenTheNewGuestWouldGetLessThanTwiceItsDirtyRate() {
    // With two streams each gets the 4 Gb/s cap.
    long limit = STREAM_4G / 2;
    assertThat(ConcurrencyPolicy.mayStart(NIC_10G, STREAM_4G, 1, 0, limit)).isTrue();
    assertThat(ConcurrencyPolicy.mayStart(NIC_10G, STREAM_4G, 1, 0, limit + 1)).isFalse();
  }

  @Test
  void refusesWhenABusyRunningGuestWouldGetLessThanTwiceItsDirtyRate() {
    // A third stream cuts every share to a third of the NIC.
    long limit = SHARE_OF_THREE / 2;
    assertThat(ConcurrencyPolicy.mayStart(NIC_10G, STREAM_4G, 2, limit, 0)).isTrue();
    assertThat(ConcurrencyPolicy.mayStart(NIC_10G, STREAM_4G, 2, limit + 1, 0)).isFalse();
    assertThat(ConcurrencyPolicy.mayStart(NIC_10G, STREAM_4G, 2, 0, limit + 1)).isFalse();
  }

  @Test
  void initialConcurrencyOfQuietGuestsFillsTheNic() {
    Plan plan =
        planOf(dirtyVm("a", 8, 0), dirtyVm("b", 4, 0), dirtyVm("c", 2, 0), dirtyVm("d", 1, 0));

    assertThat(ConcurrencyPolicy.initialConcurrency(NIC_10G, STREAM_4G, plan)).isEqualTo(3);
  }

  @Test
  void initialConcurrencyStopsAtTheFirstGuestTooBusyToShare() {
    // "b" dirties more than half a 4 Gb/s stream: it could not converge beside "a".
    Plan plan = planOf(dirtyVm("a", 8, 0), dirtyVm("b", 4, STREAM_4G / 2 + 1), dirtyVm("c", 2, 0));

    assertThat(ConcurrencyPolicy.initialConcurrency(NIC_10G, STREAM_4G, plan)).isEqualTo(1);
  }

  @Test
  void initialConcurrencyStopsWhenAThirdStreamWouldStarveARunningGuest() {
    Plan plan =
        planOf(dirtyVm("a", 8, SHARE_OF_THREE / 2 + 1), dirtyVm("b", 4, 0), dirtyVm("c", 2, 0));

    assertThat(ConcurrencyPolicy.initialConcurrency(NIC_10G, STREAM_4G, plan)).isEqualTo(2);
  }

  @Test
  void initialConcurrencyOfAnEmptyPlanIsZero() {
    assertThat(ConcurrencyPolicy.initialConcurrency(NIC_10G, STREAM_4G, planOf())).isZero();
  }

  @Test
  void initialConcurrencyOfOneMoveIsOne() {
    Plan plan = planOf(dirtyVm("a", 8, 10 * NIC_10G));

    assertThat(ConcurrencyPolicy.initialConcurrency(NIC_10G, STREAM_4G, plan)).isEqualTo(1);
  }

  @Test
  void thePlannerRecordsTheInitialConcurrency() {
    List<VmInfo> vms =
        List.of(dirtyVm("a", 8, 0), dirtyVm("b", 4, STREAM_4G / 2 + 1), dirtyVm("c", 2, 0));
    Plan plan = EvacuationPlanner.plan("src", capacity(64, 32), vms, List.of(host("h1", 64, 32)));

    assertThat(plan.go()).isTrue();
    assertThat(plan.concurrency()).isEqualTo(1);
  }

  private static Plan planOf(VmInfo... vms) {
    Plan plan = EvacuationPlanner.plan("src", null, List.of(vms), List.of(host("h1", 256, 256)));
    assertThat(plan.go()).isTrue();
    return plan;
  }
}
