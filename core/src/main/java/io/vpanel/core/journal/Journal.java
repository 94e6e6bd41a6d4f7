package io.vpanel.core.journal;

import io.vpanel.core.model.Activity;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where the engine writes what happened and what it must remember across a crash. The engine calls
 * {@link #record} and {@link #remember} on its owner thread; they must return at once (an
 * implementation queues and writes on its own thread). Order is kept: what is durable is always a
 * prefix of what was handed over.
 */
public interface Journal {

  /** Records one thing that happened (request, plan, move, transition, alert, notice, ...). */
  void record(Activity activity);

  /** Replaces the remembered maintenance state of one host. */
  void remember(HostMemory memory);

  /**
   * Completes once everything handed over so far is durable; completes exceptionally with the
   * reason when it cannot be written. May complete on any thread.
   */
  CompletableFuture<Void> sync();

  /** Why the journal cannot record now ({@code "journal unavailable: ..."}), empty when it can. */
  Optional<String> unavailable();

  /** The last durable state of every host that has one; read once, before the engine starts. */
  List<HostMemory> lastStates();

  /** Replaces what was learned of one host's migrations ({@link LearnedLink}). */
  void rememberLearning(LearnedLink learned);

  /**
   * What was learned of each host's migrations, as last remembered; read once, before the engine
   * starts. A record that cannot be read back is left out (that host is learned afresh).
   */
  List<LearnedLink> lastLearning();

  /** No journal: nothing is kept, every sync completes at once. */
  Journal NONE =
      new Journal() {
        @Override
        public void record(Activity activity) {}

        @Override
        public void remember(HostMemory memory) {}

        @Override
        public CompletableFuture<Void> sync() {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public Optional<String> unavailable() {
          return Optional.empty();
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
      };
}
