package io.vpanel.core.engine;

import io.vpanel.core.model.NoticeView;
import io.vpanel.spi.Scheduler;
import io.vpanel.spi.management.Notice;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
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
    return addNotice(notice, Optional.empty());
  }

  /**
   * Shows {@code notice} on its host's panels until it expires; its id, or empty for no host or a
   * notice expired already. With a {@code key} (the sender's own name for it, an Alertmanager
   * alert's fingerprint), a notice of the host posted before under the same key is replaced, never
   * shown twice: when text, severity and sender are the same it is only renewed (its id, position,
   * time and acknowledgement stay, its expiry is the new one), else it is shown anew under the same
   * id, newest, not acknowledged.
   */
  Optional<String> addNotice(Notice notice, Optional<String> key) {
    HostRecord host = parts.hosts.get(notice.host());
    if (host == null) {
      return Optional.empty();
    }
    Instant now = parts.scheduler.now();
    Duration left = Duration.between(now, notice.expiresAt());
    if (!left.isPositive()) {
      parts.activity.record(
          "notice",
          host.name(),
          "notice from " + notice.from() + " expired before it arrived: " + notice.text(),
          Map.of("from", notice.from(), "expired", true));
      return Optional.empty();
    }
    int index = key.map(k -> indexOf(host, n -> k.equals(n.key()))).orElse(-1);
    if (index >= 0) {
      HostRecord.PostedNotice before = host.notices.get(index);
      before.expiry().cancel();
      Notice old = before.notice();
      if (old.text().equals(notice.text())
          && old.severity() == notice.severity()
          && old.from().equals(notice.from())) {
        Notice renewed =
            new Notice(
                old.host(),
                old.text(),
                old.severity(),
                old.from(),
                old.at(),
                Duration.between(old.at(), notice.expiresAt()));
        host.notices.set(
            index,
            new HostRecord.PostedNotice(
                before.id(),
                renewed,
                before.acknowledgement(),
                before.key(),
                expiry(host, before.id(), left)));
        parts.activity.record(
            "notice",
            host.name(),
            "notice from "
                + notice.from()
                + " renewed until "
                + notice.expiresAt()
                + ": "
                + notice.text(),
            Map.of(
                "from", notice.from(),
                "id", before.id(),
                "key", before.key(),
                "renewed", true,
                "expiresAt", notice.expiresAt().toString()));
        parts.publish();
        return Optional.of(before.id());
      }
      host.notices.remove(index);
      return Optional.of(post(host, before.id(), notice, key, left, true));
    }
    return Optional.of(
        post(host, UUID.randomUUID().toString().substring(0, 8), notice, key, left, false));
  }

  private String post(
      HostRecord host,
      String id,
      Notice notice,
      Optional<String> key,
      Duration left,
      boolean replacing) {
    host.notices.add(
        0, new HostRecord.PostedNotice(id, notice, null, key.orElse(null), expiry(host, id, left)));
    while (host.notices.size() > MAX_NOTICES) {
      host.notices.remove(host.notices.size() - 1).expiry().cancel();
    }
    Map<String, Object> fields = new java.util.LinkedHashMap<>();
    fields.put("from", notice.from());
    fields.put("id", id);
    fields.put("severity", notice.severity().label());
    fields.put("expiresAt", notice.expiresAt().toString());
    key.ifPresent(k -> fields.put("key", k));
    if (replacing) {
      fields.put("replaced", true);
    }
    parts.activity.record(
        "notice",
        host.name(),
        notice.severity().label()
            + " notice from "
            + notice.from()
            + (replacing ? " (replacing its earlier one): " : ": ")
            + notice.text(),
        Map.copyOf(fields));
    parts.publish();
    return id;
  }

  /** Removes the notice {@code id} once {@code left} has passed (unless renewed since). */
  private Scheduler.Cancellable expiry(HostRecord host, String id, Duration left) {
    return parts.scheduler.schedule(
        left,
        () -> {
          Instant now = parts.scheduler.now();
          if (host.notices.removeIf(
              n -> n.id().equals(id) && !n.notice().expiresAt().isAfter(now))) {
            parts.publish();
          }
        });
  }

  /**
   * Removes the notice of {@code host} posted under {@code key}, at {@code from}'s request (an
   * alert resolved); its id, or empty when there is none (never posted, expired, withdrawn).
   */
  Optional<String> withdraw(HostRecord host, String key, String from) {
    return withdraw(host, indexOf(host, n -> key.equals(n.key())), from, Map.of("key", key));
  }

  /**
   * Removes the notice of {@code host} with identity {@code id}, at {@code from}'s request; its id,
   * or empty when there is none (never posted, expired, withdrawn).
   */
  Optional<String> withdrawById(HostRecord host, String id, String from) {
    return withdraw(host, indexOf(host, n -> n.id().equals(id)), from, Map.of());
  }

  private Optional<String> withdraw(
      HostRecord host, int index, String from, Map<String, Object> extra) {
    if (index < 0) {
      return Optional.empty();
    }
    HostRecord.PostedNotice notice = host.notices.remove(index);
    notice.expiry().cancel();
    Map<String, Object> fields = new java.util.HashMap<>(extra);
    fields.putAll(Map.of("from", from, "id", notice.id(), "withdrawn", true));
    parts.activity.record(
        "notice",
        host.name(),
        "notice withdrawn by " + from + ": " + notice.notice().text(),
        fields);
    parts.publish();
    return Optional.of(notice.id());
  }

  private static int indexOf(
      HostRecord host, java.util.function.Predicate<HostRecord.PostedNotice> wanted) {
    for (int i = 0; i < host.notices.size(); i++) {
      if (wanted.test(host.notices.get(i))) {
        return i;
      }
    }
    return -1;
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
    // host.notices is newest first and the sort is stable: each severity stays newest first.
    return host.notices.stream()
        .filter(n -> n.acknowledgement() == null)
        .sorted(
            Comparator.comparing((HostRecord.PostedNotice n) -> n.notice().severity()).reversed())
        .map(PanelMessages::line)
        .toList();
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
