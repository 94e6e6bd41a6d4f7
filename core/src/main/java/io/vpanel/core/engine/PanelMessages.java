package io.vpanel.core.engine;

import io.vpanel.spi.management.Notice;
import java.time.Instant;
import java.util.Map;

/**
 * What a host's panels show besides its state: notices from the management side or the API (kept
 * for their time to live, newest first, at most ten) and the short-lived message after a refusal.
 * Owner thread only.
 */
final class PanelMessages {
  static final int MAX_NOTICES = 10;

  private final EngineParts parts;

  PanelMessages(EngineParts parts) {
    this.parts = parts;
  }

  void addNotice(Notice notice) {
    HostRecord host = parts.hosts.get(notice.host());
    if (host == null) {
      return;
    }
    host.notices.add(0, notice);
    while (host.notices.size() > MAX_NOTICES) {
      host.notices.remove(host.notices.size() - 1);
    }
    parts.activity.record("notice", host.name(), notice.text(), Map.of("from", notice.from()));
    parts.scheduler.schedule(
        notice.ttl(),
        () -> {
          host.notices.remove(notice);
          parts.publish();
        });
    parts.publish();
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
