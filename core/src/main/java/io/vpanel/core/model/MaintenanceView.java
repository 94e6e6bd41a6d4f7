package io.vpanel.core.model;

import io.vpanel.spi.MaintenanceState;
import java.time.Instant;
import java.util.Optional;

/**
 * A host's maintenance as the API and panels show it.
 *
 * @param state where it is in the lifecycle
 * @param since when it got there
 * @param reason why it failed, why the last request was refused, or who asked
 * @param safeToService in maintenance and the hypervisor reports zero running guests
 * @param plan the summary of the plan being run, or of the last pre-check
 * @param progress progress of the run in flight
 */
public record MaintenanceView(
    MaintenanceState state,
    Instant since,
    Optional<String> reason,
    boolean safeToService,
    Optional<String> plan,
    Optional<ProgressView> progress) {}
