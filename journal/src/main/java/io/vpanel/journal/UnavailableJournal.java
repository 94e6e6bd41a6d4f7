package io.vpanel.journal;

import io.vpanel.core.journal.HostMemory;
import io.vpanel.core.journal.Journal;
import io.vpanel.core.journal.JournalEntry;
import io.vpanel.core.journal.JournalQuery;
import io.vpanel.core.journal.JournalReader;
import io.vpanel.core.journal.LearnedLink;
import io.vpanel.core.model.Activity;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Stands in when the journal file cannot be opened (corrupted, unreadable): the agent and its
 * panels run, new maintenance is refused with the reason, and the file is left as it was.
 */
public final class UnavailableJournal implements Journal, JournalReader {
  private final String reason;

  public UnavailableJournal(String reason) {
    this.reason =
        reason.startsWith("journal unavailable") ? reason : "journal unavailable: " + reason;
  }

  @Override
  public void record(Activity activity) {}

  @Override
  public void remember(HostMemory memory) {}

  @Override
  public CompletableFuture<Void> sync() {
    return CompletableFuture.failedFuture(new JournalException(reason, null));
  }

  @Override
  public Optional<String> unavailable() {
    return Optional.of(reason);
  }

  @Override
  public List<HostMemory> lastStates() {
    return List.of();
  }

  @Override
  public void rememberLearning(LearnedLink learned) {}

  @Override
  public List<LearnedLink> lastLearning() {
    return List.of();
  }

  @Override
  public List<JournalEntry> read(JournalQuery query) {
    throw new IllegalStateException(reason);
  }
}
