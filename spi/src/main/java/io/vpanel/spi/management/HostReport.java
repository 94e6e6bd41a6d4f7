package io.vpanel.spi.management;

import io.vpanel.spi.MaintenanceState;
import io.vpanel.spi.hypervisor.HostCapacity;
import java.time.Instant;
import java.util.Optional;

/**
 * What this agent publishes of its own host to the management side after every change.
 *
 * @param host the host
 * @param state its maintenance state
 * @param safeToService in maintenance with zero running guests confirmed by the hypervisor
 * @param hypervisorConnected whether the agent reaches its hypervisor
 * @param runningVms guests running on it
 * @param capacity its capacity, empty until read
 * @param usedMemoryBytes memory committed to guests (running and arriving)
 * @param usedVcpus vCPUs committed to guests
 * @param at when this was true
 */
public record HostReport(
    String host,
    MaintenanceState state,
    boolean safeToService,
    boolean hypervisorConnected,
    int runningVms,
    Optional<HostCapacity> capacity,
    long usedMemoryBytes,
    int usedVcpus,
    Instant at) {}
