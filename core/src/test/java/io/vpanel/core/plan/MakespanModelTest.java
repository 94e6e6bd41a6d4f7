package io.vpanel.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class MakespanModelTest {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MB = 1_000_000L;
  private static final long NIC = 1_000 * MB;
  private static final long STREAM = 400 * MB;

  private static List<MakespanModel.Guest> idle(int count, long memory) {
    return Collections.nCopies(count, new MakespanModel.Guest(memory, 0));
  }

  @Test
  void oneIdleGuestTakesItsMemoryAtStreamSpeedPlusSetup() {
    double seconds = MakespanModel.predictSeconds(idle(1, 4 * GIB), NIC, STREAM, 1);
    assertThat(seconds).isCloseTo(4.0 * GIB / STREAM + MakespanModel.SETUP_SECONDS, within(1e-6));
  }

  @Test
  void oneAtATimeIsTheSumOfTheGuests() {
    double one = MakespanModel.predictSeconds(idle(1, 2 * GIB), NIC, STREAM, 1);
    assertThat(MakespanModel.predictSeconds(idle(5, 2 * GIB), NIC, STREAM, 1))
        .isCloseTo(5 * one, within(1e-6));
  }

  @Test
  void idleGuestsSharingTheLinkApproachTotalOverBandwidth() {
    double seconds = MakespanModel.predictSeconds(idle(10, 2 * GIB), NIC, STREAM, 10);
    assertThat(seconds).isCloseTo(20.0 * GIB / NIC + MakespanModel.SETUP_SECONDS, within(1e-6));
  }

  @Test
  void dirtyGuestsTakeLongerAndMoreSoWhenTheyShareALink() {
    List<MakespanModel.Guest> busy =
        Collections.nCopies(6, new MakespanModel.Guest(2 * GIB, 150 * MB));
    double idleAlone = MakespanModel.predictSeconds(idle(6, 2 * GIB), NIC, STREAM, 2);
    double busyTwo = MakespanModel.predictSeconds(busy, NIC, STREAM, 2);
    double busySix = MakespanModel.predictSeconds(busy, NIC, STREAM, 6);
    assertThat(busyTwo).isGreaterThan(idleAlone);
    assertThat(busySix).isGreaterThan(busyTwo);
  }

  @Test
  void nothingToMoveTakesNoTime() {
    assertThat(MakespanModel.predictSeconds(List.of(), NIC, STREAM, 4)).isZero();
  }

  @Test
  void aMeasuredSetUpTimeHoldsEverySlotThatMuchLonger() {
    // five guests one at a time: each pays the measured set-up once
    double simulator = MakespanModel.predictSeconds(idle(5, GIB), NIC, STREAM, 1);
    double measured = MakespanModel.predictSeconds(idle(5, GIB), NIC, STREAM, 1, 2.0);
    assertThat(measured - simulator)
        .isCloseTo(5 * (2.0 - MakespanModel.SETUP_SECONDS), within(1e-6));
    // in parallel the set-ups overlap: the link time plus one set-up
    double parallel = MakespanModel.predictSeconds(idle(5, GIB), NIC, STREAM, 5, 2.0);
    assertThat(parallel).isLessThan(measured);
    assertThatThrownBy(() -> MakespanModel.predictSeconds(idle(1, GIB), NIC, STREAM, 1, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
