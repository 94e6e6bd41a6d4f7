package io.vpanel.core.engine;

import io.vpanel.core.journal.HostMemory;
import io.vpanel.core.journal.Journal;
import io.vpanel.core.journal.LearnedLink;
import io.vpanel.core.model.Activity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A journal in memory that keeps the last state of each host, like the journal's host_state table,
 * and what was learned of each host's migrations, like the learned_link table, and starts from the
 * states it is given: what an engine restarted on it resumes from. Writes are durable at once.
 */
final class RememberingJournal implements Journal {
  final Map<String, HostMemory> states = new LinkedHashMap<>();
  final Map<String, LearnedLink> learning = new LinkedHashMap<>();

  RememberingJournal(HostMemory... restored) {
    for (HostMemory memory : restored) {
      states.put(memory.host(), memory);
    }
  }

  @Override
  public void record(Activity activity) {}

  @Override
  public synchronized void remember(HostMemory memory) {
    states.put(memory.host(), memory);
  }

  @Override
  public CompletableFuture<Void> sync() {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public Optional<String> unavailable() {
    return Optional.empty();
  }

  @Override
  public synchronized List<HostMemory> lastStates() {
    return List.copyOf(states.values());
  }

  @Override
  public synchronized void rememberLearning(LearnedLink learned) {
    learning.put(learned.host(), learned);
  }

  @Override
  public synchronized List<LearnedLink> lastLearning() {
    return List.copyOf(learning.values());
  }
}
