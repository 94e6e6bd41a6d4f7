package io.vpanel.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vpanel.testkit.Draw;
import io.vpanel.testkit.SeededProperty;
import org.junit.jupiter.api.Test;

class DowntimeStepsTest {
  @Test
  void theDowntimeDoublesEveryStepRoundsUpToTheCeiling() {
    DowntimeSteps steps = new DowntimeSteps(300, 1000, 10);

    assertThat(steps.allowedMillis(1)).as("the first pass").isEqualTo(300);
    assertThat(steps.allowedMillis(10)).as("9 rounds of re-sends").isEqualTo(300);
    assertThat(steps.allowedMillis(11)).isEqualTo(600);
    assertThat(steps.allowedMillis(21)).as("1200 capped").isEqualTo(1000);
    assertThat(steps.allowedMillis(10_000)).isEqualTo(1000);
  }

  @Test
  void aCeilingAtOrBelowTheBaseMeansNoSteps() {
    assertThat(new DowntimeSteps(300, 0, 1).allowedMillis(500)).isEqualTo(300);
    assertThat(new DowntimeSteps(300, 200, 1).allowedMillis(500)).isEqualTo(300);
    assertThatThrownBy(() -> new DowntimeSteps(0, 1000, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @SeededProperty(tries = 500)
  void theAllowedDowntimeNeverFallsAndStaysBetweenBaseAndCeiling(long seed) {
    Draw draw = new Draw(seed);
    int base = draw.between(1, 60_000);
    int ceiling = draw.between(0, 60_000);
    DowntimeSteps steps = new DowntimeSteps(base, ceiling, draw.between(1, 1000));
    int iteration = draw.between(0, 100_000);

    long now = steps.allowedMillis(iteration);
    assertThat(steps.allowedMillis(iteration + 1)).isGreaterThanOrEqualTo(now);
    assertThat(now).isBetween((long) base, (long) Math.max(base, ceiling));
  }
}
