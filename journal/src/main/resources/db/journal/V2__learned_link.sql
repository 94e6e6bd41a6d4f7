-- What the engine learned of each source host's migrations from the hypervisor's job statistics
-- (JSON of io.vpanel.core.journal.LearnedLink): a restarted agent plans with it. Retention never
-- deletes it.
CREATE TABLE learned_link (
  host       TEXT    PRIMARY KEY,
  updated_ms INTEGER NOT NULL,
  learned    TEXT    NOT NULL
);
