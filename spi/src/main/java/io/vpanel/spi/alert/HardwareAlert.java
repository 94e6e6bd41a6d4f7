package io.vpanel.spi.alert;

import java.time.Instant;

/**
 * A hardware event from a BMC or similar.
 *
 * @param id the source's own identity for it (SEL record id, Redfish event id), for dedup
 * @param source which alert driver reported it
 * @param severity how bad it is
 * @param component what part (for example {@code DIMM A3}, {@code PSU 2})
 * @param message what the source said
 * @param at when it happened by the source's clock
 */
public record HardwareAlert(
    String id,
    String source,
    AlertSeverity severity,
    String component,
    String message,
    Instant at) {}
