package io.vpanel.spi.panel;

import java.time.Instant;

/**
 * The maintenance button went down or up.
 *
 * @param host the host whose panel it is
 * @param panel which panel driver saw it (for the journal: {@code web}, {@code lcdproc}, ...)
 * @param pressed true for press, false for release
 * @param at when it happened
 */
public record ButtonEvent(String host, String panel, boolean pressed, Instant at) {}
