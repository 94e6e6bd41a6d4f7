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
    assertThat(link.throttledShare(24))
        .as("beyond: with the cube root")
        .isCloseTo(share(18), within(1e-9));
    assertThat(link(Map.of(8, 0.8)).throttledShare(1))
        .as("below: with the cube root")
        .isCloseTo(share(2), within(1e-9));
    assertThat(link(Map.of(1, 0.94)).throttledShare(100)).isEqualTo(LinkModel.MAX_THROTTLED_SHARE);
    assertThat(link(Map.of()).throttledShare(5)).as("nothing measured").isEqualTo(0.6);
  }

  @Test
  void aGuestsOwnShareIsUsedAtItsNumberAndScaledAsTheHostsToAnother() {
    // the host's throttled guests: 4 re-sent bytes per byte alone, 9 three at a time
    Map<String, Map<Integer, Double>> guests = Map.of("paced", Map.of(1, share(1)));
    LinkModel link =
        new LinkModel(
            50_000_000, 50_000_000, 0.5, true, 0.5, 1.0, 0.6, Map.of(1, 0.8, 3, 0.9), 0.3, guests);

    assertThat(link.throttledShare("paced", 1)).as("as measured").isEqualTo(share(1));
    assertThat(link.throttledShare("paced", 3))
        .as("the host's re-sends grew 9/4 from 1 to 3 in flight")
        .isCloseTo(share(9 / 4.0), within(1e-9));
    assertThat(link.throttledShare("memtest", 3)).as("never measured: the host's").isEqualTo(0.9);

    LinkModel alone = link.sharedBy(2, "paced");
    assertThat(alone.nicBytesPerSec()).isEqualTo(25_000_000);
    assertThat(alone.throttledShare(7))
        .as("fixed at the guest's share two at a time")
        .isCloseTo(share(6.5 / 4), within(1e-9));
    assertThat(alone.throttledShareByGuest()).isEmpty();
  }

  @Test
  void sharesOutOfRangeAreRefused() {
    assertThatThrownBy(() -> link(Map.of(0, 0.5))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> link(Map.of(1, 1.0))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new LinkModel(
                    1, 1, 0, true, 0.5, 1.0, 0.6, Map.of(), 0.3, Map.of("g", Map.of(2, -0.1))))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
