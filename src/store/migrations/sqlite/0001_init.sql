-- 0001_init.sql — the first slice of the domain (SQLite).
-- Conventions, shared with the PostgreSQL migrations to come:
--   ids are INTEGER, times are integer UTC milliseconds (*_at), text is TEXT,
--   public identifiers in URLs are random tokens (never row ids).

-- A customer organisation (a city, a tourism board, ...).
CREATE TABLE tenants (
  id          INTEGER PRIMARY KEY,
  slug        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

-- A stamp rally. The slug is its public name in /r/{slug}, unique service-wide.
CREATE TABLE rallies (
  id           INTEGER PRIMARY KEY,
  tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
  slug         TEXT NOT NULL UNIQUE,
  title        TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  starts_at    INTEGER NOT NULL,
  ends_at      INTEGER NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'closed', 'archived')),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  CHECK (ends_at > starts_at)
);
CREATE INDEX rallies_tenant ON rallies(tenant_id);

-- A place to collect a stamp. qr_token is printed in the poster's URL /q/{token}.
CREATE TABLE spots (
  id           INTEGER PRIMARY KEY,
  rally_id     INTEGER NOT NULL REFERENCES rallies(id),
  public_id    TEXT NOT NULL UNIQUE,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  position     INTEGER NOT NULL,
  qr_token     TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX spots_rally ON spots(rally_id, position);

-- A browser's session. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
  id            INTEGER PRIMARY KEY,
  token_hash    BLOB NOT NULL UNIQUE,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
);

-- An anonymous participant of one rally, created on join.
CREATE TABLE participants (
  id            INTEGER PRIMARY KEY,
  public_id     TEXT NOT NULL UNIQUE,
  rally_id      INTEGER NOT NULL REFERENCES rallies(id),
  session_id    INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
  created_at    INTEGER NOT NULL,
  completed_at  INTEGER,
  UNIQUE (session_id, rally_id)
);
CREATE INDEX participants_rally ON participants(rally_id, created_at);

-- A collected stamp. At most one per participant and spot, enforced here.
CREATE TABLE stamps (
  id              INTEGER PRIMARY KEY,
  participant_id  INTEGER NOT NULL REFERENCES participants(id),
  spot_id         INTEGER NOT NULL REFERENCES spots(id),
  method          TEXT NOT NULL CHECK (method IN ('qr')),
  created_at      INTEGER NOT NULL,
  UNIQUE (participant_id, spot_id)
);
CREATE INDEX stamps_spot ON stamps(spot_id, created_at);
