-- 0002_console.sql — organizer console: staff accounts and their sessions,
-- the security event log, login throttling, images, and the rally and spot
-- fields the editors set.

-- A staff account of one tenant. Login IDs are unique across the service so
-- the login form needs nothing else. password_hash is an argon2id string.
CREATE TABLE accounts (
  id             INTEGER PRIMARY KEY,
  public_id      TEXT NOT NULL UNIQUE,
  tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
  login          TEXT NOT NULL UNIQUE,
  password_hash  TEXT NOT NULL,
  role           TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'desk', 'viewer')),
  disabled_at    INTEGER,
  failed_logins  INTEGER NOT NULL DEFAULT 0,
  locked_until   INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX accounts_tenant ON accounts(tenant_id);

-- A staff browser session: only the token's SHA-256 is stored.
CREATE TABLE staff_sessions (
  id            INTEGER PRIMARY KEY,
  token_hash    BLOB NOT NULL UNIQUE,
  account_id    INTEGER NOT NULL REFERENCES accounts(id),
  created_at    INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
);
CREATE INDEX staff_sessions_account ON staff_sessions(account_id);

-- Every security-relevant event in one place (logins, lockouts, account
-- changes, exports). kind is a stable code; detail is JSON without secrets.
CREATE TABLE security_events (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  tenant_id   INTEGER,
  account_id  INTEGER,
  kind        TEXT NOT NULL,
  ip          TEXT NOT NULL DEFAULT '',
  detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX security_events_tenant ON security_events(tenant_id, at);

-- Failed logins per client address, for throttling with backoff.
CREATE TABLE login_throttle (
  ip            TEXT PRIMARY KEY,
  failures      INTEGER NOT NULL,
  window_start  INTEGER NOT NULL,
  locked_until  INTEGER NOT NULL DEFAULT 0
);

-- Uploaded images, kept in the database (never on a path that could run),
-- type-checked by content. Served at /images/{public_id}.
CREATE TABLE images (
  id            INTEGER PRIMARY KEY,
  public_id     TEXT NOT NULL UNIQUE,
  tenant_id     INTEGER NOT NULL REFERENCES tenants(id),
  content_type  TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
  width         INTEGER NOT NULL,
  height        INTEGER NOT NULL,
  bytes         BLOB NOT NULL,
  created_at    INTEGER NOT NULL
);

ALTER TABLE rallies ADD COLUMN cover_image_id INTEGER REFERENCES images(id);
ALTER TABLE rallies ADD COLUMN theme_primary TEXT NOT NULL DEFAULT '#c62828';
ALTER TABLE rallies ADD COLUMN theme_accent TEXT NOT NULL DEFAULT '#f9a825';
ALTER TABLE rallies ADD COLUMN theme_background TEXT NOT NULL DEFAULT '#fffaf3';
ALTER TABLE rallies ADD COLUMN passcode_hash TEXT NOT NULL DEFAULT '';

ALTER TABLE spots ADD COLUMN image_id INTEGER REFERENCES images(id);
ALTER TABLE spots ADD COLUMN stamp_image_id INTEGER REFERENCES images(id);
ALTER TABLE spots ADD COLUMN latitude REAL;
ALTER TABLE spots ADD COLUMN longitude REAL;
ALTER TABLE spots ADD COLUMN radius_m INTEGER NOT NULL DEFAULT 50;
ALTER TABLE spots ADD COLUMN category TEXT NOT NULL DEFAULT '';

-- The dashboard's time series and exports read stamps by rally and time.
CREATE INDEX stamps_time ON stamps(created_at);

-- Counters for the dashboard, kept up to date in the same transaction as
-- the join or stamp they count, so the dashboard never scans the stamps.
-- hour is UTC milliseconds / 3,600,000.
CREATE TABLE rally_hourly (
  rally_id      INTEGER NOT NULL REFERENCES rallies(id),
  hour          INTEGER NOT NULL,
  joins         INTEGER NOT NULL DEFAULT 0,
  first_stamps  INTEGER NOT NULL DEFAULT 0,
  stamps        INTEGER NOT NULL DEFAULT 0,
  completions   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (rally_id, hour)
);
CREATE TABLE spot_totals (
  spot_id  INTEGER PRIMARY KEY REFERENCES spots(id),
  stamps   INTEGER NOT NULL DEFAULT 0
);

-- Backfill the counters from what 0001 recorded.
INSERT INTO rally_hourly(rally_id, hour, joins)
  SELECT rally_id, created_at / 3600000, count(*) FROM participants GROUP BY 1, 2;
INSERT INTO rally_hourly(rally_id, hour, stamps)
  SELECT s.rally_id, t.created_at / 3600000, count(*) FROM stamps t JOIN spots s ON s.id = t.spot_id WHERE true GROUP BY 1, 2
  ON CONFLICT (rally_id, hour) DO UPDATE SET stamps = excluded.stamps;
INSERT INTO rally_hourly(rally_id, hour, first_stamps)
  SELECT p.rally_id, f.first / 3600000, count(*)
  FROM (SELECT participant_id, min(created_at) AS first FROM stamps GROUP BY 1) f
  JOIN participants p ON p.id = f.participant_id WHERE true GROUP BY 1, 2
  ON CONFLICT (rally_id, hour) DO UPDATE SET first_stamps = excluded.first_stamps;
INSERT INTO rally_hourly(rally_id, hour, completions)
  SELECT rally_id, completed_at / 3600000, count(*) FROM participants WHERE completed_at IS NOT NULL GROUP BY 1, 2
  ON CONFLICT (rally_id, hour) DO UPDATE SET completions = excluded.completions;
INSERT INTO spot_totals(spot_id, stamps) SELECT spot_id, count(*) FROM stamps GROUP BY 1;
