package io.vpanel.spi.hypervisor;

/** Receives a host's events. Called from the driver's thread: must return quickly, never block. */
@FunctionalInterface
public interface HypervisorListener {
  void onEvent(HypervisorEvent event);
}
