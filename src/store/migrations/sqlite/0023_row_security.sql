-- 0023_row_security.sql — row-level security is PostgreSQL's second line of
-- defence around each tenant's rows (migrations/postgres/0023); SQLite has
-- no such thing and nothing changes here. One process owns a SQLite file,
-- and every query names its tenant (docs/security.md).
SELECT 1;
