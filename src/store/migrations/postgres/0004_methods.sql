-- 0004_methods.sql — stamp methods per spot (QR, GPS, QR + GPS, keyword,
-- staff PIN), guessing throttles, and recovery codes for stamp cards.

-- Stamps may now come from any method, and a spot may give one again later
-- (repeat rules): a wider CHECK and a period. period says which stamp of the spot it
-- is: 0 for a one-time spot, the JST day number for a daily spot, the time
-- itself for a spot with a cool-down of N hours. At most one stamp per
-- participant, spot and period, enforced here.
ALTER TABLE stamps DROP CONSTRAINT stamps_method_check;
ALTER TABLE stamps ADD CONSTRAINT stamps_method_check
  CHECK (method IN ('qr', 'gps', 'qr_gps', 'keyword', 'pin', 'rotating_qr'));
ALTER TABLE stamps ADD COLUMN period BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stamps DROP CONSTRAINT stamps_participant_id_spot_id_key;
ALTER TABLE stamps ADD CONSTRAINT stamps_participant_id_spot_id_period_key UNIQUE (participant_id, spot_id, period);

-- The methods a spot accepts: a comma-separated set of qr, gps, qr_gps,
-- keyword, pin, rotating_qr. The keyword is stored as the SHA-256 of its
-- normalised form; PINs as argon2id. A rally may also have a desk PIN valid
-- at every spot. rotating_secret (sealed) derives the desk screen's QR code,
-- which changes every 30 seconds.
ALTER TABLE spots ADD COLUMN methods TEXT NOT NULL DEFAULT 'qr';
ALTER TABLE spots ADD COLUMN keyword_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE spots ADD COLUMN pin_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE spots ADD COLUMN rotating_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE rallies ADD COLUMN desk_pin_hash TEXT NOT NULL DEFAULT '';

-- Repeat rules: once (default), daily (once per calendar day in JST), or
-- hours (again after repeat_hours hours).
ALTER TABLE spots ADD COLUMN repeat_mode TEXT NOT NULL DEFAULT 'once' CHECK (repeat_mode IN ('once', 'daily', 'hours'));
ALTER TABLE spots ADD COLUMN repeat_hours BIGINT NOT NULL DEFAULT 0;

-- Failed keyword / PIN / token / recovery attempts per participant and per
-- address, with a lockout.
CREATE TABLE attempt_throttle (
  key           TEXT PRIMARY KEY,
  failures      BIGINT NOT NULL,
  window_start  BIGINT NOT NULL,
  locked_until  BIGINT NOT NULL DEFAULT 0
);

-- A participant's recovery code: sealed to show it again on the card, and
-- hashed (SHA-256 of the normalised code) to find the card in another browser.
ALTER TABLE participants ADD COLUMN recovery_sealed TEXT;
ALTER TABLE participants ADD COLUMN recovery_hash BYTEA;
CREATE UNIQUE INDEX participants_recovery ON participants(recovery_hash) WHERE recovery_hash IS NOT NULL;
