package io.vpanel.web;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the Alertmanager receiver ({@code POST /api/v1/alertmanager}) turns alerts into notices.
 *
 * @param hostLabels the labels that name the host an alert is about, tried in this order; the first
 *     whose value names a host this agent knows wins ({@code instance="sim-01:9100"} names {@code
 *     sim-01}, {@code sim-01.example.org} names {@code sim-01} when only that is known)
 * @param noticeTtl how long a firing alert's notice is shown when the alert gives no end of its own
 *     within a week (Alertmanager sends a firing alert without its end): longer than the route's
 *     {@code repeat_interval}, so that a repeated notification renews it before it expires
 */
public record AlertmanagerSettings(List<String> hostLabels, Duration noticeTtl) {
  public static final List<String> DEFAULT_HOST_LABELS = List.of("host", "instance", "hostname");
  public static final Duration DEFAULT_NOTICE_TTL = Duration.ofHours(4);

  /** The longest a notice is shown: a week. */
  public static final Duration MAX_NOTICE_TTL = Duration.ofDays(7);

  public AlertmanagerSettings {
    Objects.requireNonNull(noticeTtl, "noticeTtl");
    hostLabels = List.copyOf(hostLabels);
    if (hostLabels.isEmpty() || hostLabels.size() > 16) {
      throw new IllegalArgumentException("hostLabels needs 1 to 16 label names");
    }
    for (String label : hostLabels) {
      // Prometheus' label names.
      if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]{0,127}")) {
        throw new IllegalArgumentException(
            "hostLabels: '"
                + ApiLimits.quote(label)
                + "' is not a label name (letters, digits and _, not starting with a digit)");
      }
    }
    if (hostLabels.stream().distinct().count() != hostLabels.size()) {
      throw new IllegalArgumentException("hostLabels names a label twice");
    }
    if (noticeTtl.compareTo(Duration.ofMinutes(1)) < 0 || noticeTtl.compareTo(MAX_NOTICE_TTL) > 0) {
      throw new IllegalArgumentException("noticeTtl must be from 1 minute to 7 days");
    }
  }

  public static AlertmanagerSettings defaults() {
    return new AlertmanagerSettings(DEFAULT_HOST_LABELS, DEFAULT_NOTICE_TTL);
  }
}
