package io.vpanel.spi.hypervisor;

/** What the hypervisor reports of a guest. Only {@link #RUNNING} counts as a running VM. */
public enum VmState {
  RUNNING,
  PAUSED,
  SUSPENDED,
  SHUTOFF,
  CRASHED;

  /** True for a guest that still executes on (and pins) its host. */
  public boolean isRunning() {
    return this == RUNNING;
  }
}
