package io.vpanel.core.journal;

import java.util.List;

/** Reads the journal for the API and the CLI. May block; never called on the owner thread. */
public interface JournalReader {
  /** The entries the query selects; throws {@link IllegalStateException} when unreadable. */
  List<JournalEntry> read(JournalQuery query);
}
