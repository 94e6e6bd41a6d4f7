package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vpanel.driver.libvirt.ConnectionSlot.Live;
import org.junit.jupiter.api.Test;

/** The slot's rules, with strings standing in for libvirt connections. */
class ConnectionSlotTest {
  private final ConnectionSlot<String> slot = new ConnectionSlot<>();

  @Test
  void aConnectionIsReadWithTheGenerationItWasPutInPlaceAs() {
    long a = slot.reserve();
    assertThat(slot.live()).as("reserved, not yet in place").isEmpty();
    assertThat(slot.publish(a, "A")).isTrue();

    assertThat(slot.live()).contains(new Live<>("A", a));
    assertThat(slot.isLive(a)).isTrue();
  }

  @Test
  void losingAnOlderGenerationLeavesTheLiveOneInPlace() {
    long a = slot.reserve();
    slot.publish(a, "A");
    Live<String> usedByAnOperation = slot.live().orElseThrow();
    assertThat(slot.lose(a)).contains(usedByAnOperation);
    long b = slot.reserve();
    slot.publish(b, "B");

    assertThat(slot.lose(usedByAnOperation.generation())).isEmpty();
    assertThat(slot.live()).contains(new Live<>("B", b));
    assertThat(b).isGreaterThan(a);
  }

  @Test
  void aGenerationIsLostOnlyOnce() {
    long a = slot.reserve();
    slot.publish(a, "A");

    assertThat(slot.lose(a)).isPresent();
    assertThat(slot.lose(a)).isEmpty();
    assertThat(slot.live()).isEmpty();
    assertThat(slot.isLive(a)).isFalse();
  }

  @Test
  void aConnectionReportedLostWhileBeingSetUpIsNotPutInPlace() {
    long a = slot.reserve();
    slot.publish(a, "A");
    slot.lose(a);
    long b = slot.reserve();

    assertThat(slot.lose(b)).as("nothing to take out yet").isEmpty();
    assertThat(slot.publish(b, "B")).isFalse();
    assertThat(slot.live()).isEmpty();

    long c = slot.reserve();
    assertThat(slot.publish(c, "C")).as("the next attempt is not affected").isTrue();
    assertThat(slot.live()).contains(new Live<>("C", c));
  }

  @Test
  void aLateLossOfAnOldGenerationDoesNotSpoilTheNextSetUp() {
    long a = slot.reserve();
    slot.publish(a, "A");
    slot.lose(a);
    slot.lose(a); // the close callback, after a failed call already reported it
    long b = slot.reserve();
    slot.lose(a); // and once more, while B is being set up

    assertThat(slot.publish(b, "B")).isTrue();
  }

  @Test
  void anOlderReservationCannotBePublishedOverANewerOne() {
    long a = slot.reserve();
    long b = slot.reserve();

    assertThat(slot.publish(a, "A")).isFalse();
    assertThat(slot.publish(b, "B")).isTrue();
    assertThat(slot.publish(b, "B again")).isFalse();
    assertThat(slot.live()).contains(new Live<>("B", b));
  }

  @Test
  void aClosedSlotHoldsNothingAndTakesNothing() {
    long a = slot.reserve();
    slot.publish(a, "A");

    assertThat(slot.close()).contains(new Live<>("A", a));
    assertThat(slot.isClosed()).isTrue();
    assertThat(slot.live()).isEmpty();
    assertThat(slot.lose(a)).isEmpty();
    long b = slot.reserve();
    assertThat(slot.publish(b, "B")).isFalse();
    assertThat(slot.close()).isEmpty();
  }
}
