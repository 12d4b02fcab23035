-- 0012_tenant_state.sql — a tenant can be suspended (core/tenant.c): its
-- participant pages show a neutral notice, its console is read-only,
-- nothing is deleted.
ALTER TABLE tenants ADD COLUMN suspended_at INTEGER;
ALTER TABLE tenants ADD COLUMN suspended_reason TEXT NOT NULL DEFAULT '';
