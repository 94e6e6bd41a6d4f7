package io.vpanel.core.model;

/**
 * A guest's migration in flight.
 *
 * @param destination where it goes
 * @param processedBytes bytes sent so far
 * @param remainingBytes bytes its current round still has to send
 * @param round pre-copy round
 * @param bandwidthBytesPerSec what it gets now
 * @param attempt 1 for the first destination tried, 2 for the next
 * @param features the migration features it runs with ({@code multifd x4, zstd, auto-converge};
 *     {@code pre-copy} for none)
 * @param postCopy it has switched to post-copy: the guest runs on the destination, and a failed
 *     link now loses it
 */
public record MigrationView(
    String destination,
    long processedBytes,
    long remainingBytes,
    int round,
    long bandwidthBytesPerSec,
    int attempt,
    String features,
    boolean postCopy) {}
