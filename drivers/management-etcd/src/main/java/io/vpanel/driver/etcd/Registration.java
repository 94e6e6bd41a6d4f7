package io.vpanel.driver.etcd;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import io.vpanel.spi.hypervisor.HostEndpoint;
import io.vpanel.spi.management.HostReport;
import java.time.Instant;
import java.util.Optional;

/**
 * One host as its agent registers it under {@code hosts/<host>} (JSON): the last {@link HostReport}
 * flattened, with the free room worked out, and where the host and its agent are reached.
 *
 * @param host the host's name
 * @param agent the registering agent's instance (host name and a random suffix), to tell a
 *     restarted agent from its predecessor
 * @param state its maintenance state
 * @param safeToService in maintenance with zero running guests confirmed by the hypervisor
 * @param hypervisorConnected whether the agent reaches its hypervisor
 * @param runningVms guests running on it
 * @param capacityKnown whether the capacity below was read from the hypervisor
 * @param memoryBytes memory available to guests in total
 * @param vcpus vCPUs available to guests in total
 * @param nicBytesPerSec the migration network's bandwidth
 * @param streamBytesPerSec one migration stream's best rate
 * @param usedMemoryBytes memory committed to guests
 * @param usedVcpus vCPUs committed to guests
 * @param freeMemoryBytes memory left, never negative
 * @param freeVcpus vCPUs left, never negative
 * @param apiAddress where the agent's API answers, empty when not published
 * @param uri how other agents reach the host's hypervisor
 * @param migrationUri where guests are sent to it
 * @param at when the report was true
 */
public record Registration(
    String host,
    String agent,
    MaintenanceState state,
    boolean safeToService,
    boolean hypervisorConnected,
    int runningVms,
    boolean capacityKnown,
    long memoryBytes,
    int vcpus,
    long nicBytesPerSec,
    long streamBytesPerSec,
    long usedMemoryBytes,
    int usedVcpus,
    long freeMemoryBytes,
    int freeVcpus,
    String apiAddress,
    String uri,
    String migrationUri,
    Instant at) {

  static Registration of(
      HostReport report, String agent, String apiAddress, HostEndpoint endpoint) {
    Optional<HostCapacity> capacity = report.capacity();
    long memory = capacity.map(HostCapacity::memoryBytes).orElse(0L);
    int cpus = capacity.map(HostCapacity::vcpus).orElse(0);
    return new Registration(
        report.host(),
        agent,
        report.state(),
        report.safeToService(),
        report.hypervisorConnected(),
        report.runningVms(),
        capacity.isPresent(),
        memory,
        cpus,
        capacity.map(HostCapacity::nicBytesPerSec).orElse(0L),
        capacity.map(HostCapacity::streamBytesPerSec).orElse(0L),
        report.usedMemoryBytes(),
        report.usedVcpus(),
        Math.max(0, memory - report.usedMemoryBytes()),
        Math.max(0, cpus - report.usedVcpus()),
        apiAddress,
        endpoint.uri(),
        endpoint.migrationUri(),
        report.at());
  }

  /** A host the agent has not read yet: registered, without capacity, so never a destination. */
  static Registration starting(String agent, String apiAddress, HostEndpoint endpoint, Instant at) {
    return new Registration(
        endpoint.name(),
        agent,
        MaintenanceState.OPERATIONAL,
        false,
        false,
        0,
        false,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        apiAddress,
        endpoint.uri(),
        endpoint.migrationUri(),
        at);
  }

  HostEndpoint endpoint() {
    return new HostEndpoint(host, uri, migrationUri);
  }

  /** The report this registration was made from, as far as it holds it. */
  HostReport report() {
    Optional<HostCapacity> capacity =
        capacityKnown
            ? Optional.of(new HostCapacity(memoryBytes, vcpus, nicBytesPerSec, streamBytesPerSec))
            : Optional.empty();
    return new HostReport(
        host,
        state,
        safeToService,
        hypervisorConnected,
        runningVms,
        capacity,
        usedMemoryBytes,
        usedVcpus,
        at);
  }
}
