package io.vpanel.driver.libvirt;

/**
 * The downtime a pre-copy migration that does not converge is allowed, by round: the engine's
 * {@code maxDowntimeMillis} for the first {@code stepRounds} rounds after the first pass, then
 * twice that, four times, ... up to the ceiling ({@link LibvirtSettings#downtimeCeilingMillis()}),
 * as OpenStack Nova's downtime steps do. A guest that auto-converge cannot bring under the downtime
 * (on the real-QEMU bed a memtest guest still dirtied 13 MiB/s at a 99 % throttle under TCG, and
 * once ran 213 rounds in 4 minutes without converging) then stops for a little longer instead of
 * migrating until the engine's timeout aborts it.
 *
 * @param baseMillis the downtime asked for (the migration's {@code maxDowntime})
 * @param ceilingMillis the most it may become; at or below {@code baseMillis}: no steps
 * @param stepRounds the rounds between two steps
 */
record DowntimeSteps(long baseMillis, long ceilingMillis, int stepRounds) {

  DowntimeSteps {
    if (baseMillis < 1 || ceilingMillis < 0 || stepRounds < 1) {
      throw new IllegalArgumentException(
          "downtime steps need base >= 1 ms, ceiling >= 0 and step rounds >= 1");
    }
  }

  /**
   * The downtime allowed once libvirt counts {@code iteration} (1 is the first full pass, so {@code
   * iteration - 1} rounds of re-sends have begun).
   */
  long allowedMillis(int iteration) {
    if (ceilingMillis <= baseMillis) {
      return baseMillis;
    }
    int steps = Math.max(0, iteration - 1) / stepRounds;
    long allowed = baseMillis;
    for (int i = 0; i < steps && allowed < ceilingMillis; i++) {
      allowed *= 2;
    }
    return Math.min(ceilingMillis, allowed);
  }
}
