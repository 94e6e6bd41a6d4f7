package io.vpanel.testkit;

import io.vpanel.spi.hypervisor.HypervisorEvent;
import io.vpanel.spi.hypervisor.HypervisorListener;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A hypervisor listener that keeps every event, for tests of drivers. Safe to read from the test
 * thread while a driver's thread delivers: every read returns a copy.
 */
public final class HypervisorEventRecorder implements HypervisorListener {
  private final List<HypervisorEvent> events = new ArrayList<>();

  @Override
  public synchronized void onEvent(HypervisorEvent event) {
    events.add(event);
  }

  /** Every event so far, oldest first. */
  public synchronized List<HypervisorEvent> events() {
    return List.copyOf(events);
  }

  public synchronized int size() {
    return events.size();
  }

  /** The events of one kind, oldest first. */
  public <T extends HypervisorEvent> List<T> ofType(Class<T> type) {
    return events().stream().filter(type::isInstance).map(type::cast).toList();
  }

  public boolean any(Predicate<? super HypervisorEvent> wanted) {
    return events().stream().anyMatch(wanted);
  }
}
