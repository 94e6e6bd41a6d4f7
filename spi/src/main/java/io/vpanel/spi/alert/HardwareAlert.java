package io.vpanel.spi.alert;

import java.time.Instant;
import java.util.Objects;

/**
 * A hardware event from a BMC or similar: a condition asserted, or the same condition cleared.
 *
 * @param id the condition's stable identity within its source (the same for its assertion and its
 *     clearing, for example {@code sel:0x12:memory:ecc}), not the record's number
 * @param source which alert source reported it (its {@link AlertSource#name()})
 * @param severity how bad it is
 * @param asserted true when the condition began, false when it cleared
 * @param component what part, for people ({@code DIMM A1}, {@code PSU 2})
 * @param cause what happened, for people ({@code correctable ECC over threshold})
 * @param at when it happened by the source's clock
 */
public record HardwareAlert(
    String id,
    String source,
    AlertSeverity severity,
    boolean asserted,
    String component,
    String cause,
    Instant at) {

  public HardwareAlert {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(component, "component");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(at, "at");
  }

  /** One line for people: {@code DIMM A1: correctable ECC over threshold}. */
  public String describe() {
    return component + ": " + cause + (asserted ? "" : " (cleared)");
  }
}
