package io.vpanel.core.model;

import io.vpanel.spi.panel.DisplayGeometry;
import java.time.Instant;
import java.util.Optional;

/**
 * How one panel of a host is doing: whether it shows what core last gave it.
 *
 * @param name the panel driver's name
 * @param display its display's size
 * @param healthy false while its last render threw or has not returned in time
 * @param problem why it is not healthy
 * @param since when it became what it is now
 * @param shownVersion the version of the last panel state it rendered without error, 0 before any
 */
public record PanelHealth(
    String name,
    DisplayGeometry display,
    boolean healthy,
    Optional<String> problem,
    Instant since,
    long shownVersion) {}
