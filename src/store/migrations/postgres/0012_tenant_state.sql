-- 0012_tenant_state.sql — a tenant can be suspended (core/tenant.c): its
-- participant pages show a neutral notice, its console is read-only,
-- nothing is deleted.
ALTER TABLE tenants ADD COLUMN suspended_at BIGINT;
ALTER TABLE tenants ADD COLUMN suspended_reason TEXT NOT NULL DEFAULT '';

-- Quotas the operator sets per tenant (0: no limit): rallies, participants
-- per rally, bytes of uploaded images. Checked where each grows.
ALTER TABLE tenants ADD COLUMN quota_rallies BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN quota_participants BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN quota_storage_bytes BIGINT NOT NULL DEFAULT 0;
