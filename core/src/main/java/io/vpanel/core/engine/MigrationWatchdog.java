package io.vpanel.core.engine;

import io.vpanel.core.model.MigrationFailureCause;
import io.vpanel.spi.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Aborts migrations that ran past their timeout or stopped making progress; checks every second
 * while any run is active. Owner thread only.
 */
final class MigrationWatchdog {
  private static final Duration PERIOD = Duration.ofSeconds(1);

  private final EngineParts parts;
  private Scheduler.Cancellable next;

  MigrationWatchdog(EngineParts parts) {
    this.parts = parts;
  }

  void ensure() {
    if (next == null && !parts.closed) {
      next = parts.scheduler.schedule(PERIOD, this::watch);
    }
  }

  void stop() {
    if (next != null) {
      next.cancel();
      next = null;
    }
  }

  private void watch() {
    next = null;
    boolean anyActive = false;
    Instant now = parts.scheduler.now();
    for (HostRecord host : parts.hosts.all()) {
      if (host.batch == null) {
        continue;
      }
      anyActive = true;
      for (Batch.Run run : List.copyOf(host.batch.running.values())) {
        Duration running = Duration.between(run.startedAt, now);
        Duration stalled = Duration.between(run.lastProgressAt, now);
        if (running.compareTo(run.timeout) > 0) {
          parts.migrations.abort(
              run,
              MigrationFailureCause.TIMEOUT,
              "timed out after " + run.timeout.toSeconds() + " s");
        } else if (stalled.compareTo(parts.settings.noProgressTimeout()) > 0) {
          parts.migrations.abort(
              run,
              MigrationFailureCause.NO_PROGRESS,
              "no progress for " + stalled.toSeconds() + " s");
        }
      }
    }
    if (anyActive) {
      ensure();
    }
  }
}
