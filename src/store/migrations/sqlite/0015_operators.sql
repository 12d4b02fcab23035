-- 0015_operators.sql — the operator realm (core/operator.c): accounts of the
-- people who run the service, apart from any tenant's staff, with their own
-- sessions; TOTP (core/totp.c) for operators (always) and for staff (by
-- choice, or required by the tenant's owner); single-use recovery codes.

CREATE TABLE operators (
  id               INTEGER PRIMARY KEY,
  public_id        TEXT NOT NULL UNIQUE,
  login            TEXT NOT NULL UNIQUE,
  password_hash    TEXT NOT NULL,
  totp_sealed      TEXT NOT NULL DEFAULT '',   -- the TOTP secret, sealed; '' before enrolment
  totp_enabled_at  INTEGER,                    -- NULL until a first code confirmed it
  totp_last_step   INTEGER NOT NULL DEFAULT 0, -- the last time step used: a code is never taken twice
  disabled_at      INTEGER,
  created_by       TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);

-- verified: the second factor was given (until then only /ops/totp answers).
CREATE TABLE operator_sessions (
  id            INTEGER PRIMARY KEY,
  token_hash    BLOB NOT NULL UNIQUE,
  operator_id   INTEGER NOT NULL REFERENCES operators(id),
  verified      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
);
CREATE INDEX operator_sessions_operator ON operator_sessions(operator_id);

ALTER TABLE accounts ADD COLUMN totp_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN totp_enabled_at INTEGER;
ALTER TABLE accounts ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
-- Sessions from before TOTP existed stay valid.
ALTER TABLE staff_sessions ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tenants ADD COLUMN require_totp INTEGER NOT NULL DEFAULT 0;

-- Ten single-use codes per enrolment, stored hashed (SHA-256: 80 random bits each).
CREATE TABLE totp_recovery (
  id         INTEGER PRIMARY KEY,
  realm      TEXT NOT NULL CHECK (realm IN ('operator', 'staff')),
  owner_id   INTEGER NOT NULL,
  code_hash  BLOB NOT NULL,
  used_at    INTEGER
);
CREATE INDEX totp_recovery_owner ON totp_recovery(realm, owner_id);
ALTER TABLE tenants ADD COLUMN purge_queued INTEGER NOT NULL DEFAULT 0; -- /ops asked the background job to purge it
