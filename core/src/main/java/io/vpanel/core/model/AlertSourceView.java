package io.vpanel.core.model;

import io.vpanel.spi.alert.SourceHealth;
import java.time.Instant;
import java.util.Optional;

/**
 * One alert source of a host, as the API and metrics show it.
 *
 * @param name the source's name
 * @param health its last health report, empty before the first
 * @param since when it last changed health
 * @param activeAlerts alerts of this source asserted and not cleared
 */
public record AlertSourceView(
    String name, Optional<SourceHealth> health, Instant since, int activeAlerts) {}
