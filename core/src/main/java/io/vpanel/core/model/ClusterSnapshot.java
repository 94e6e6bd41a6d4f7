package io.vpanel.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Every host's status at one moment, immutable, sorted by name. */
public record ClusterSnapshot(long version, Instant at, List<HostStatus> hosts) {
  public ClusterSnapshot {
    hosts = List.copyOf(hosts);
  }

  public Optional<HostStatus> host(String name) {
    return hosts.stream().filter(h -> h.name().equals(name)).findFirst();
  }

  public int runningVms() {
    return hosts.stream().mapToInt(HostStatus::runningVms).sum();
  }
}
