package io.vpanel.driver.libvirt;

import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * Raises the allowed downtime of one running migration as its pre-copy rounds go by ({@link
 * DowntimeSteps}): the steps count from the round the stepper starts at, with the downtime the
 * migration is allowed then as their base. A migration this agent starts begins at round 1 with the
 * engine's {@code maxDowntime}; one it takes over after a restart begins at the round it finds,
 * with the limit libvirt reports then (so a limit an earlier run raised is kept, and the next step
 * comes {@code downtimeStepRounds} rounds later, not at once). Owned by the migration's poll
 * thread; a refusal is logged and the migration goes on as it was.
 */
final class DowntimeStepper {
  private static final System.Logger log = System.getLogger(DowntimeStepper.class.getName());

  private final String name;
  private final DowntimeSteps steps;
  private final int fromIteration;

  /** The downtime last given to libvirt. */
  private long allowedMillis;

  /**
   * @param name the guest, for the log
   * @param baseMillis the downtime the migration is allowed now
   * @param fromIteration libvirt's iteration count now (1: the first full pass)
   */
  DowntimeStepper(String name, long baseMillis, int fromIteration, LibvirtSettings settings) {
    this.name = name;
    this.steps =
        new DowntimeSteps(
            Math.max(1, baseMillis),
            settings.downtimeCeilingMillis(),
            settings.downtimeStepRounds());
    this.fromIteration = Math.max(1, fromIteration);
    this.allowedMillis = steps.baseMillis();
  }

  /** Called at each poll of the running job with libvirt's iteration count. */
  void onRound(Domain dom, int iteration) {
    long allowed = steps.allowedMillis(iteration - fromIteration + 1);
    if (allowed <= allowedMillis) {
      return;
    }
    allowedMillis = allowed;
    try {
      dom.migrateSetMaxDowntime(allowed);
      log.log(
          System.Logger.Level.WARNING,
          name
              + " has not converged in "
              + (iteration - 1)
              + " pre-copy rounds: allowed downtime raised to "
              + allowed
              + " ms (from "
              + steps.baseMillis()
              + " ms, ceiling "
              + steps.ceilingMillis()
              + " ms)");
    } catch (LibvirtException | RuntimeException e) {
      log.log(
          System.Logger.Level.WARNING,
          "could not raise the allowed downtime of " + name + ": " + e.getMessage());
    }
  }
}
