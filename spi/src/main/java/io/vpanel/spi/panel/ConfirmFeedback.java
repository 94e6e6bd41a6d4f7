package io.vpanel.spi.panel;

import java.time.Instant;

/**
 * A press-only panel's first press is waiting for its confirming second press.
 *
 * @param action what the second press will do: {@code enter}, {@code exit}, {@code cancel}
 * @param until when the offer lapses and nothing happens
 */
public record ConfirmFeedback(String action, Instant until) {}
