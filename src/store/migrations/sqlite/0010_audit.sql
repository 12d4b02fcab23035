-- 0010_audit.sql — the security event log becomes a hash chain (core/audit.c),
-- with signed checkpoints; retention records what it has purged.
--
-- hash = BLAKE2b-256(previous record's hash ‖ canonical encoding of this
-- record); ids are consecutive (assigned by audit_append, never reused), so
-- a missing record is a gap. Rows written before this migration get their
-- hashes from audit_backfill at the next start.
ALTER TABLE security_events ADD COLUMN hash BLOB;
CREATE INDEX security_events_kind ON security_events(kind, at);
-- Every command looks for records still without a hash at start: with
-- this (nearly always empty) index that is one probe, not a scan.
CREATE INDEX security_events_unhashed ON security_events(id) WHERE hash IS NULL;

-- A signed statement "the chain's record upto has this hash" (kind 'head'),
-- or "records up to upto were pruned; the last had this hash" (kind
-- 'pruned'). signature is Ed25519 over audit_checkpoint_message(); the same
-- lines are appended to a file outside the database.
CREATE TABLE audit_checkpoints (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('head', 'pruned')),
  upto       INTEGER NOT NULL,
  hash       BLOB NOT NULL,
  at         INTEGER NOT NULL,
  signature  BLOB NOT NULL
);
CREATE INDEX audit_checkpoints_upto ON audit_checkpoints(kind, upto);

-- When retention deleted a rally's personal data (participants_days_after_end).
ALTER TABLE rallies ADD COLUMN personal_data_purged_at INTEGER;
