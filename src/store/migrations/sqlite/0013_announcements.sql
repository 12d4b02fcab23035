-- 0013_announcements.sql — the operator's announcements (core/announce.c):
-- maintenance, incidents, changes, the end of the service; shown as a
-- banner while current and on /status. No row of announcement_tenants: for
-- every tenant.
CREATE TABLE announcements (
  id            INTEGER PRIMARY KEY,
  public_id     TEXT NOT NULL UNIQUE,
  kind          TEXT NOT NULL CHECK (kind IN ('maintenance', 'incident', 'change', 'end_of_service')),
  starts_at     INTEGER NOT NULL,
  ends_at       INTEGER NOT NULL,
  text_ja       TEXT NOT NULL,
  text_en       TEXT NOT NULL DEFAULT '',
  participants  INTEGER NOT NULL DEFAULT 0,
  urgent        INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  closed_at     INTEGER,
  CHECK (ends_at > starts_at)
);
CREATE INDEX announcements_window ON announcements(ends_at);

CREATE TABLE announcement_tenants (
  announcement_id  INTEGER NOT NULL REFERENCES announcements(id),
  tenant_id        INTEGER NOT NULL REFERENCES tenants(id),
  PRIMARY KEY (announcement_id, tenant_id)
);
