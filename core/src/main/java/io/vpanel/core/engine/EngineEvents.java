package io.vpanel.core.engine;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.alert.HardwareAlert;
import java.util.ArrayList;
import java.util.List;

/**
 * What policies hear of the engine: a host changed maintenance state, an alert came in, a run's
 * request was refused. Policies (PFA protect, HA assessment) subscribe here instead of being called
 * from inside the state machine. Delivered on the owner thread, in order.
 */
final class EngineEvents {
  /** One thing a policy may react to. */
  sealed interface Event {}

  /** A host moved from one maintenance state to another. */
  record StateChanged(HostRecord host, MaintenanceState from, MaintenanceState to, Origin origin)
      implements Event {}

  /** An alert source reported an alert for a host. */
  record AlertReported(HostRecord host, HardwareAlert alert) implements Event {}

  /** A maintenance request was refused. */
  record RequestRefused(HostRecord host, Origin origin, String reason) implements Event {}

  /** A policy. */
  interface Subscriber {
    void on(Event event);
  }

  private final List<Subscriber> subscribers = new ArrayList<>();

  void subscribe(Subscriber subscriber) {
    subscribers.add(subscriber);
  }

  void emit(Event event) {
    for (Subscriber subscriber : List.copyOf(subscribers)) {
      subscriber.on(event);
    }
  }
}
