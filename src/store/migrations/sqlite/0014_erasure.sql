-- 0014_erasure.sql — unrecoverable purge of a tenant (core/purge.c) and the
-- signed erasure certificates it issues (core/certificate.c).
--
-- A purged tenant's security events keep their place in the hash chain:
-- each gets a signed checkpoint of kind 'erased' vouching for the hash it
-- had, then loses its address and detail (core/audit.c: audit_erase).
CREATE TABLE audit_checkpoints_new (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('head', 'pruned', 'erased')),
  upto       INTEGER NOT NULL,
  hash       BLOB NOT NULL,
  at         INTEGER NOT NULL,
  signature  BLOB NOT NULL
);
INSERT INTO audit_checkpoints_new SELECT id, kind, upto, hash, at, signature FROM audit_checkpoints;
DROP TABLE audit_checkpoints;
ALTER TABLE audit_checkpoints_new RENAME TO audit_checkpoints;
CREATE INDEX audit_checkpoints_upto ON audit_checkpoints(kind, upto);

-- A tenant being purged: suspended first, then its rows deleted in small
-- transactions; a purge that stopped half-way is finished by running it
-- again (or by the background job that picks up requested purges).
ALTER TABLE tenants ADD COLUMN purge_requested_at INTEGER;
ALTER TABLE tenants ADD COLUMN purge_requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN purge_reason TEXT NOT NULL DEFAULT '';

-- Each certificate as issued (signed JSON text); it holds no personal data.
CREATE TABLE erasure_certificates (
  id           INTEGER PRIMARY KEY,
  public_id    TEXT NOT NULL UNIQUE,
  tenant_slug  TEXT NOT NULL,
  tenant_name  TEXT NOT NULL,
  issued_at    INTEGER NOT NULL,
  issued_by    TEXT NOT NULL,
  document     TEXT NOT NULL
);
