package io.vpanel.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LinkModelTest {
  private static LinkModel link(Map<Integer, Double> byInFlight) {
    return new LinkModel(50_000_000, 50_000_000, 0.5, true, 0.5, 1.0, 0.6, byInFlight, 0.3);
  }

  @Test
  void theThrottledShareOfTheNearestMeasuredNumberInFlightApplies() {
    LinkModel link = link(Map.of(1, 0.8, 3, 0.9));

    assertThat(link.throttledShare(1)).isEqualTo(0.8);
    assertThat(link.throttledShare(2)).as("as near to 1 as to 3: the larger").isEqualTo(0.9);
    assertThat(link.throttledShare(8)).isEqualTo(0.9);
    assertThat(link(Map.of(2, 0.7)).throttledShare(1)).isEqualTo(0.7);
    assertThat(link(Map.of()).throttledShare(5)).as("nothing measured").isEqualTo(0.6);
  }

  @Test
  void sharesOutOfRangeAreRefused() {
    assertThatThrownBy(() -> link(Map.of(0, 0.5))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> link(Map.of(1, 1.0))).isInstanceOf(IllegalArgumentException.class);
  }
}
