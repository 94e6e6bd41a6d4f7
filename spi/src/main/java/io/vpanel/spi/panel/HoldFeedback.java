package io.vpanel.spi.panel;

import java.time.Duration;
import java.time.Instant;

/**
 * The maintenance button is being held: what the hold will do and when it counts.
 *
 * @param action what happens when the hold completes: {@code enter}, {@code exit}, {@code cancel}
 * @param startedAt when the button went down
 * @param confirmAfter how long it must stay down
 */
public record HoldFeedback(String action, Instant startedAt, Duration confirmAfter) {}
