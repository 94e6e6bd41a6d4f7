-- Everything that happened, per host, in order. AUTOINCREMENT: an id is never reused after
-- retention deletes the oldest entries, so pages cut by id stay stable.
CREATE TABLE entry (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  host    TEXT    NOT NULL,
  at_ms   INTEGER NOT NULL,
  kind    TEXT    NOT NULL,
  message TEXT    NOT NULL,
  fields  TEXT    NOT NULL
);
CREATE INDEX entry_host_id ON entry (host, id);
CREATE INDEX entry_at ON entry (at_ms);

-- The last maintenance state of each controlled host (JSON of io.vpanel.core.journal.HostMemory):
-- what a restarted agent resumes from. Retention never deletes it.
CREATE TABLE host_state (
  host       TEXT    PRIMARY KEY,
  updated_ms INTEGER NOT NULL,
  memory     TEXT    NOT NULL
);
