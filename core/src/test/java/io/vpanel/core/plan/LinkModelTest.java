package io.vpanel.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LinkModelTest {
  private static LinkModel link(Map<Integer, Double> byInFlight) {
    return new LinkModel(50_000_000, 50_000_000, 0.5, true, 0.5, 1.0, 0.6, byInFlight, 0.3);
  }

  private static double share(double resent) {
    return resent / (1 + resent);
  }

  @Test
  void aMeasuredNumberInFlightIsUsedAsMeasuredAndTheOthersFollowTheResentBytes() {
    // shares 0.8 and 0.9 are 4 and 9 re-sent bytes per byte of memory
    LinkModel link = link(Map.of(1, 0.8, 3, 0.9));

    assertThat(link.throttledShare(1)).isEqualTo(0.8);
    assertThat(link.throttledShare(3)).isEqualTo(0.9);
    assertThat(link.throttledShare(2)).as("between: linear").isCloseTo(share(6.5), within(1e-9));
    assertThat(link.throttledShare(12))
        .as("beyond: with the square root")
        .isCloseTo(share(18), within(1e-9));
    assertThat(link(Map.of(4, 0.8)).throttledShare(1))
        .as("below: with the square root")
        .isCloseTo(share(2), within(1e-9));
    assertThat(link(Map.of(1, 0.94)).throttledShare(100)).isEqualTo(LinkModel.MAX_THROTTLED_SHARE);
    assertThat(link(Map.of()).throttledShare(5)).as("nothing measured").isEqualTo(0.6);
  }

  @Test
  void sharesOutOfRangeAreRefused() {
    assertThatThrownBy(() -> link(Map.of(0, 0.5))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> link(Map.of(1, 1.0))).isInstanceOf(IllegalArgumentException.class);
  }
}
