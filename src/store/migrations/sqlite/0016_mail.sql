-- 0016_mail.sql — e-mail (core/mail.c, ops/mailer.c): staff addresses,
-- confirmed by a link before use; an outbox written in the same transaction
-- as what it announces, sent by a background sender with retry and backoff.

ALTER TABLE accounts ADD COLUMN email_sealed TEXT NOT NULL DEFAULT '';   -- personal data: sealed
ALTER TABLE accounts ADD COLUMN email_confirmed_at INTEGER;              -- NULL: not yet (no mail but the confirmation)
ALTER TABLE accounts ADD COLUMN email_token_hash BLOB;                   -- the confirmation link's token, hashed
ALTER TABLE accounts ADD COLUMN email_token_expires INTEGER NOT NULL DEFAULT 0;

-- One message to one recipient, whole (headers and body) as it will be
-- sent, so a retry sends the same bytes with the same Message-ID. Sealed:
-- it holds an address, and a confirmation link is a secret.
CREATE TABLE mail_outbox (
  id               INTEGER PRIMARY KEY,
  message_id       TEXT NOT NULL UNIQUE,
  kind             TEXT NOT NULL,                 -- announcement, reminder, email_confirm
  tenant_id        INTEGER,                       -- whose staff it goes to (a purge deletes it)
  rcpt_sealed      TEXT NOT NULL,
  message_sealed   TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  next_attempt_at  INTEGER NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  lease_until      INTEGER NOT NULL DEFAULT 0,    -- a sender (of several nodes) holds it until then
  sent_at          INTEGER,
  failed_at        INTEGER,                       -- given up after mail.give_up_hours
  last_error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- The day-before reminder of a maintenance announcement was queued.
ALTER TABLE announcements ADD COLUMN reminded_at INTEGER;

-- A second factor being set up (or renewed) waits here until its first
-- code confirms it, so an abandoned renewal leaves the old one working.
ALTER TABLE accounts ADD COLUMN totp_pending_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE operators ADD COLUMN totp_pending_sealed TEXT NOT NULL DEFAULT '';
