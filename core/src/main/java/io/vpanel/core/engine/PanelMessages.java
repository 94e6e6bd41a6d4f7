package io.vpanel.core.engine;

import io.vpanel.core.model.NoticeView;
import io.vpanel.spi.management.Notice;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What a host's panels show besides its state: notices from the management side or the API (kept
 * until they expire, newest first, at most ten; a short press acknowledges the newest one, which
 * then leaves the panels) and the short-lived message after a refusal. Owner thread only.
 */
final class PanelMessages {
  static final int MAX_NOTICES = 10;

  private final EngineParts parts;

  PanelMessages(EngineParts parts) {
    this.parts = parts;
  }

  /** Shows {@code notice} on its host's panels until it expires; its id, or empty for no host. */
  Optional<String> addNotice(Notice notice) {
    HostRecord host = parts.hosts.get(notice.host());
    if (host == null) {
      return Optional.empty();
    }
    Duration left = Duration.between(parts.scheduler.now(), notice.expiresAt());
    if (!left.isPositive()) {
      parts.activity.record(
          "notice",
          host.name(),
          "notice from " + notice.from() + " expired before it arrived: " + notice.text(),
          Map.of("from", notice.from(), "expired", true));
      return Optional.empty();
    }
    String id = UUID.randomUUID().toString().substring(0, 8);
    HostRecord.PostedNotice posted = new HostRecord.PostedNotice(id, notice, null);
    host.notices.add(0, posted);
    while (host.notices.size() > MAX_NOTICES) {
      host.notices.remove(host.notices.size() - 1);
    }
    parts.activity.record(
        "notice",
        host.name(),
        notice.severity().label() + " notice from " + notice.from() + ": " + notice.text(),
        Map.of(
            "from", notice.from(),
            "id", id,
            "severity", notice.severity().label(),
            "expiresAt", notice.expiresAt().toString()));
    parts.scheduler.schedule(
        left,
        () -> {
          if (host.notices.removeIf(n -> n.id().equals(id))) {
            parts.publish();
          }
        });
    parts.publish();
    return Optional.of(id);
  }

  /** True when {@code host} has a notice nobody acknowledged yet. */
  boolean unacknowledged(HostRecord host) {
    return host.notices.stream().anyMatch(n -> n.acknowledgement() == null);
  }

  /**
   * A short press on {@code panel}: acknowledges the newest notice not acknowledged yet, which
   * leaves the panels (the API keeps it, with who acknowledged it, until it expires). False when
   * there was none.
   */
  boolean acknowledge(HostRecord host, String panel) {
    for (int i = 0; i < host.notices.size(); i++) {
      HostRecord.PostedNotice notice = host.notices.get(i);
      if (notice.acknowledgement() == null) {
        Instant now = parts.scheduler.now();
        host.notices.set(i, notice.acknowledged(panel, now));
        parts.activity.record(
            "notice",
            host.name(),
            "notice acknowledged on " + panel + " panel: " + notice.notice().text(),
            Map.of("panel", panel, "id", notice.id(), "acknowledged", true));
        show(host, "NOTICE ACKNOWLEDGED");
        return true;
      }
    }
    return false;
  }

  /**
   * The notices for the rotating line: those not acknowledged, critical first, then warnings, each
   * kind newest first, marked {@code CRIT:} and {@code WARN:}.
   */
  static List<String> lines(HostRecord host) {
    List<HostRecord.PostedNotice> open = new ArrayList<>();
    Map<String, Integer> order = new HashMap<>();
    for (HostRecord.PostedNotice notice : host.notices) {
      if (notice.acknowledgement() == null) {
        order.put(notice.id(), open.size());
        open.add(notice);
      }
    }
    open.sort(
        Comparator.comparing((HostRecord.PostedNotice n) -> n.notice().severity())
            .reversed()
            .thenComparing(n -> order.get(n.id())));
    return open.stream().map(PanelMessages::line).toList();
  }

  private static String line(HostRecord.PostedNotice posted) {
    Notice notice = posted.notice();
    return switch (notice.severity()) {
      case CRITICAL -> "CRIT: " + notice.text();
      case WARNING -> "WARN: " + notice.text();
      case INFO -> notice.text();
    };
  }

  /** The notices as the API shows them, newest first. */
  static List<NoticeView> views(HostRecord host) {
    return host.notices.stream()
        .map(
            n ->
                new NoticeView(
                    n.id(),
                    n.notice().text(),
                    n.notice().severity(),
                    n.notice().from(),
                    n.notice().at(),
                    n.notice().expiresAt(),
                    Optional.ofNullable(n.acknowledgement())))
        .toList();
  }

  /** Shows {@code text} on the host's panels for a while. */
  void show(HostRecord host, String text) {
    host.message = text;
    Instant until = parts.scheduler.now().plus(parts.settings.messageShownFor());
    host.messageUntil = until;
    parts.scheduler.schedule(
        parts.settings.messageShownFor(),
        () -> {
          if (until.equals(host.messageUntil)) {
            host.message = null;
            parts.publish();
          }
        });
  }
}
