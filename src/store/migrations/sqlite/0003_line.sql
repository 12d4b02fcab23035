-- 0003_line.sql — LINE Login for participants (OpenID Connect, LINE Login v2.1).

-- Per rally: who may join. line_required refuses anonymous participants.
ALTER TABLE rallies ADD COLUMN join_policy TEXT NOT NULL DEFAULT 'anonymous'
  CHECK (join_policy IN ('anonymous', 'line_optional', 'line_required'));

-- Per tenant: its LINE Login channel. The secret is sealed (XChaCha20-Poly1305).
ALTER TABLE tenants ADD COLUMN line_channel_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN line_channel_secret TEXT NOT NULL DEFAULT '';

-- A participant identified by LINE: the ID token's sub, and the display
-- name and picture URL (both sealed). One LINE user is one participant per rally.
ALTER TABLE participants ADD COLUMN line_sub TEXT;
ALTER TABLE participants ADD COLUMN line_name TEXT;
ALTER TABLE participants ADD COLUMN line_picture TEXT;
CREATE UNIQUE INDEX participants_line ON participants(rally_id, line_sub) WHERE line_sub IS NOT NULL;

-- The LINE access token of a browser session (sealed), revoked at logout.
ALTER TABLE sessions ADD COLUMN line_access_token TEXT;

-- A login in progress: state, nonce and PKCE verifier, bound to the browser
-- that started it (hash of a cookie). Used once, valid 10 minutes.
CREATE TABLE oauth_states (
  id            INTEGER PRIMARY KEY,
  state         TEXT NOT NULL UNIQUE,
  browser_hash  BLOB NOT NULL,
  nonce         TEXT NOT NULL,
  verifier      TEXT NOT NULL,
  rally_id      INTEGER NOT NULL REFERENCES rallies(id),
  created_at    INTEGER NOT NULL
);
