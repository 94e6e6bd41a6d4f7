package io.vpanel.spi.hypervisor;

import java.time.Instant;

/** Something changed on a host. Delivered in the order the hypervisor reported it. */
public sealed interface HypervisorEvent {
  String host();

  Instant at();

  /** A guest appeared or changed state (started, stopped, paused, resumed, arrived). */
  record VmChanged(String host, Instant at, VmInfo vm) implements HypervisorEvent {}

  /** A guest is no longer on this host (undefined, or left by migration). */
  record VmGone(String host, Instant at, String uuid, String name) implements HypervisorEvent {}

  /** The connection to the hypervisor was lost or came back. */
  record ConnectionChanged(String host, Instant at, boolean connected, String reason)
      implements HypervisorEvent {}
}
