-- 0023_row_security.sql — row-level security, a second line of defence
-- around each tenant's rows. Every query of the console already names its
-- tenant; should one forget, PostgreSQL itself holds it to the tenant the
-- dispatcher set for the transaction (db_scope_tenant: SET LOCAL
-- app.tenant_id, console requests only). Without the setting (participant
-- pages, /ops, background jobs, migrations) every row is visible.
--
-- Tables reached through a rally, participant, spot, tier or account follow
-- their parent: the subquery is itself filtered by the parent's policy.
-- Service-wide tables have no policy: sessions, throttles, maintenance,
-- operators and their sessions, erasure certificates, announcements and
-- their tenant lists (operator data: a tenant must not learn whom else an
-- announcement was for), and the audit chain (security_events,
-- audit_checkpoints): each record's hash covers the previous record of any
-- tenant, and the console's audit page names its tenant in every query.
--
-- FORCE: the tables' owner is held too. The service should connect as
-- another role (database.url) than the owner that migrates
-- (database.owner_url); stamprally_grant gives that role its rights after
-- every migration.

-- The tenant of this transaction's console request, or NULL.
CREATE FUNCTION app_tenant() RETURNS bigint LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::bigint $$;

CREATE FUNCTION stamprally_grant(role text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', role);
	EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', role);
	EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', role);
END $$;

ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON accounts USING (app_tenant() IS NULL OR tenant_id = app_tenant());

ALTER TABLE images ENABLE ROW LEVEL SECURITY;
ALTER TABLE images FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON images USING (app_tenant() IS NULL OR tenant_id = app_tenant());

ALTER TABLE lottery_draws ENABLE ROW LEVEL SECURITY;
ALTER TABLE lottery_draws FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON lottery_draws USING (app_tenant() IS NULL OR tier_id IN (SELECT id FROM reward_tiers));

ALTER TABLE lottery_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE lottery_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON lottery_entries USING (app_tenant() IS NULL OR participant_id IN (SELECT id FROM participants));

ALTER TABLE mail_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE mail_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON mail_outbox USING (app_tenant() IS NULL OR tenant_id = app_tenant());

ALTER TABLE oauth_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_states FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON oauth_states USING (app_tenant() IS NULL OR rally_id IN (SELECT id FROM rallies));

ALTER TABLE participants ENABLE ROW LEVEL SECURITY;
ALTER TABLE participants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON participants USING (app_tenant() IS NULL OR rally_id IN (SELECT id FROM rallies));

ALTER TABLE rallies ENABLE ROW LEVEL SECURITY;
ALTER TABLE rallies FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON rallies USING (app_tenant() IS NULL OR tenant_id = app_tenant());

ALTER TABLE rally_hourly ENABLE ROW LEVEL SECURITY;
ALTER TABLE rally_hourly FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON rally_hourly USING (app_tenant() IS NULL OR rally_id IN (SELECT id FROM rallies));

ALTER TABLE reward_tiers ENABLE ROW LEVEL SECURITY;
ALTER TABLE reward_tiers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON reward_tiers USING (app_tenant() IS NULL OR rally_id IN (SELECT id FROM rallies));

ALTER TABLE rewards ENABLE ROW LEVEL SECURITY;
ALTER TABLE rewards FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON rewards USING (app_tenant() IS NULL OR participant_id IN (SELECT id FROM participants));

ALTER TABLE spot_totals ENABLE ROW LEVEL SECURITY;
ALTER TABLE spot_totals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON spot_totals USING (app_tenant() IS NULL OR spot_id IN (SELECT id FROM spots));

ALTER TABLE spots ENABLE ROW LEVEL SECURITY;
ALTER TABLE spots FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON spots USING (app_tenant() IS NULL OR rally_id IN (SELECT id FROM rallies));

ALTER TABLE staff_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON staff_sessions USING (app_tenant() IS NULL OR account_id IN (SELECT id FROM accounts));

ALTER TABLE stamps ENABLE ROW LEVEL SECURITY;
ALTER TABLE stamps FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON stamps USING (app_tenant() IS NULL OR participant_id IN (SELECT id FROM participants));

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON tenants USING (app_tenant() IS NULL OR id = app_tenant());

ALTER TABLE totp_recovery ENABLE ROW LEVEL SECURITY;
ALTER TABLE totp_recovery FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON totp_recovery USING (app_tenant() IS NULL OR realm = 'staff' AND owner_id IN (SELECT id FROM accounts));

ALTER TABLE translations ENABLE ROW LEVEL SECURITY;
ALTER TABLE translations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON translations USING (app_tenant() IS NULL OR rally_id IN (SELECT id FROM rallies));
