package io.vpanel.core.engine;

import io.vpanel.spi.MaintenanceState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Holds a new run until the journal holds it durably, so a crash after any guest moved always finds
 * the run again. An evacuation whose first state cannot be written ends before anything moved; a
 * return starts anyway (it only brings guests home). Owner thread only.
 */
final class DurableStartGate {
  static final Duration JOURNAL_SYNC_TIMEOUT = Duration.ofSeconds(30);

  private final EngineParts parts;

  DurableStartGate(EngineParts parts) {
    this.parts = parts;
  }

  /**
   * Arms {@code batch} once durable, then runs its local actions and starts its moves.
   *
   * @param refuseWithoutJournal end the run (the host back to OPERATIONAL) when the journal fails
   */
  void arm(HostRecord host, Batch batch, List<Runnable> local, boolean refuseWithoutJournal) {
    batch.armed = false;
    parts.memory.remember(host);
    CompletableFuture<Void> durable;
    try {
      durable = parts.journal.sync();
    } catch (RuntimeException e) {
      durable = CompletableFuture.failedFuture(e);
    }
    if (durable.isDone() && !durable.isCompletedExceptionally()) {
      start(host, batch, local, null, refuseWithoutJournal);
      return;
    }
    boolean[] decided = {false};
    Consumer<Throwable> decide =
        error -> {
          if (!decided[0]) {
            decided[0] = true;
            start(host, batch, local, error, refuseWithoutJournal);
            parts.publish();
          }
        };
    durable.whenComplete((ok, error) -> parts.scheduler.execute(() -> decide.accept(error)));
    // A journal that neither writes nor fails (a hung disk) must not hold the run forever.
    parts.scheduler.schedule(
        JOURNAL_SYNC_TIMEOUT,
        () ->
            decide.accept(
                new IllegalStateException(
                    "journal unavailable: no write confirmed in "
                        + JOURNAL_SYNC_TIMEOUT.toSeconds()
                        + " s")));
  }

  private void start(
      HostRecord host,
      Batch batch,
      List<Runnable> local,
      Throwable journalError,
      boolean refuseWithoutJournal) {
    if (parts.closed || host.batch != batch) {
      return;
    }
    if (journalError != null && refuseWithoutJournal) {
      Throwable cause =
          journalError instanceof CompletionException && journalError.getCause() != null
              ? journalError.getCause()
              : journalError;
      String message = ActivityLog.reason(cause);
      String reason =
          message.startsWith("journal unavailable") ? message : "journal unavailable: " + message;
      host.batch = null;
      parts.states.transition(
          host,
          MaintenanceState.OPERATIONAL,
          new Origin.Engine("journal"),
          reason + "; nothing was moved");
      parts.messages.show(host, reason);
      return;
    }
    batch.armed = true;
    if (batch.cancelled) {
      batch.localActionsPending -= local.size();
      batch.localPending.clear();
    } else {
      local.forEach(Runnable::run);
    }
    parts.watchdog.ensure();
    parts.migrations.pump();
    parts.completion.check(host);
  }
}
