package io.vpanel.core.model;

import io.vpanel.spi.management.NoticeSeverity;
import java.time.Instant;
import java.util.Optional;

/**
 * A notice as the API shows it.
 *
 * @param id its identity, for the journal and the API
 * @param text what it says
 * @param severity how urgent it is
 * @param from who sent it
 * @param at when it was posted
 * @param expiresAt when it stops being shown
 * @param acknowledgement who acknowledged it on the panel and when; empty until then (an
 *     acknowledged notice leaves the panels and stays here until it expires)
 */
public record NoticeView(
    String id,
    String text,
    NoticeSeverity severity,
    String from,
    Instant at,
    Instant expiresAt,
    Optional<Acknowledgement> acknowledgement) {

  /**
   * A technician's short press that acknowledged a notice.
   *
   * @param panel the panel it was pressed on
   * @param at when
   */
  public record Acknowledgement(String panel, Instant at) {}
}
