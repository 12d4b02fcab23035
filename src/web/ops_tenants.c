/*
 * ops_tenants.c — the operator console's tenants (/ops): the list with
 * usage, create with a first owner (the password shown once), suspend and
 * resume, quotas, and purge (typed slug and a reason; the jobs thread does
 * the purge, ops/erasure.h, and its certificate appears on
 * /ops/certificates). Every action is a security event naming the
 * operator.
 */
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/audit.h"
#include "core/operator.h"
#include "core/purge.h"
#include "core/rally.h"
#include "core/tenant.h"
#include "lib/timeutil.h"
#include "lib/utf8.h"
#include "store/writer.h"
#include "web/common.h"
#include "web/ops.h"
#include "web/page.h"
#include "web/web.h"

json_t *ops_view(req *r)
{
	char pk[64];
	audit_pubkey(pk, sizeof pk);
	return json_pack("{s:{s:s, s:b}, s:s, s:b}", "operator", "login", r->op->login, "nav", r->op->verified, "pubkey", pk, "ops",
			 1);
}

const char *ops_actor(req *r)
{
	return arena_printf(&r->a, "%s (operator)", r->op->login);
}

void ops_home(req *r)
{
	json_t *v = ops_view(r), *rows = tenant_rows(r->db), *t;
	size_t i;
	if (!rows) {
		json_decref(v);
		return;
	}
	json_array_foreach(rows, i, t) {
		json_int_t b = json_integer_value(json_object_get(t, "storage_bytes"));
		json_object_set_new(t, "storage_kb", json_integer((b + 1023) / 1024));
		json_t *q = json_object_get(t, "quota");
		json_object_set_new(q, "storage_mb", json_integer(json_integer_value(json_object_get(q, "storage_bytes")) / (1024 * 1024)));
	}
	json_object_set_new(v, "tenants", rows);
	page_render(r, 200, "ops_home", v);
}

/* What creating a tenant writes, in one piece on the writer. */
struct create_job {
	const char *slug, *name, *owner, *hash, *by;
	int64_t tenant, account;
};

static int create_write(db *d, void *arg)
{
	struct create_job *j = arg;
	int64_t now = time_now_ms();
	j->tenant = tenant_create(d, j->slug, j->name, j->by, now);
	if (j->tenant <= 0)
		return j->tenant == 0 ? 0 : DB_ERROR;
	j->account = account_insert(d, j->tenant, j->owner, "owner", j->hash, now);
	if (j->account <= 0)
		return j->account == 0 ? -1 : DB_ERROR; /* taken: undo the tenant too */
	return security_event_json(d, j->tenant, j->account, "account_created", json_pack("{s:s, s:s}", "by", j->by, "role", "owner"),
				   now) == 0 ? 0 : DB_ERROR;
}

/* R_READ, after a random password was hashed (PROVE_NEW_PASSWORD). */
void ops_tenant_create(req *r)
{
	const char *slug = req_form(r, "slug"), *name = req_form(r, "name"), *owner = req_form(r, "owner");
	if (!slug || !rally_slug_valid(slug) || !name || !utf8_text(name, 1, 200) || !owner || !login_valid(owner)) {
		web_error(r, 422, "invalid_tenant", "ops.tenant_invalid", NULL);
		return;
	}
	if (!r->proof.password_hash) {
		web_busy(r);
		return;
	}
	struct create_job j = {slug, name, owner, r->proof.password_hash, ops_actor(r), 0, 0};
	int rc = web_write(r, create_write, &j);
	if (rc == DB_ERROR)
		return;
	if (j.tenant == 0 || j.account == 0) {
		web_error(r, 409, "taken", j.tenant == 0 ? "ops.tenant_taken" : "user.login_taken", NULL);
		return;
	}
	json_t *v = ops_view(r);
	json_object_set_new(v, "once", json_pack("{s:s, s:s, s:s}", "tenant", slug, "login", owner, "password", r->proof.new_password));
	page_render(r, 201, "ops_once", v);
}

/* The reason of a suspension or purge: 1-500 printable characters. */
static const char *reason_of(req *r)
{
	const char *reason = req_form(r, "reason");
	if (reason && utf8_text(reason, 1, 500))
		return reason;
	web_error(r, 422, "reason_required", "ops.reason_required", NULL);
	return NULL;
}

/* After tenant_* returned rc: back to the list, 404, or the failure. */
static void after_change(req *r, int rc)
{
	if (rc > 0)
		req_redirect(r, "/ops");
	else if (rc == 0)
		web_error(r, 404, "no_tenant", "ops.no_tenant", NULL);
	else
		r->failed = 1;
}

void ops_tenant_suspend(req *r)
{
	const char *reason = reason_of(r);
	if (reason)
		after_change(r, tenant_suspend(r->db, r->params[0], reason, ops_actor(r), time_now_ms()));
}

void ops_tenant_resume(req *r)
{
	after_change(r, tenant_resume(r->db, r->params[0], ops_actor(r), time_now_ms()));
}

/* A quota field: "" leaves it; else 0..100000000. -2 when bad. */
static int64_t quota_field(req *r, const char *name)
{
	const char *v = req_form(r, name);
	char *end = NULL;
	if (!v || !*v)
		return -1;
	long long n = strtoll(v, &end, 10);
	return *end || n < 0 || n > 100000000 ? -2 : n;
}

void ops_tenant_quota(req *r)
{
	int64_t q[3] = {quota_field(r, "rallies"), quota_field(r, "participants"), quota_field(r, "storage_mb")};
	if (q[0] == -2 || q[1] == -2 || q[2] == -2) {
		web_error(r, 422, "invalid_quota", "ops.quota_invalid", NULL);
		return;
	}
	if (q[2] > 0)
		q[2] *= 1024 * 1024;
	after_change(r, tenant_set_quota(r->db, r->params[0], q[0], q[1], q[2], ops_actor(r), time_now_ms()));
}

/* Purge: the slug typed again and a reason; marked here (suspended at
 * once), done by the jobs thread. */
void ops_tenant_purge(req *r)
{
	const char *slug = r->params[0], *confirm = req_form(r, "confirm"), *reason = NULL;
	int64_t id, created;
	const char *name;
	int found = purge_find(r->db, &r->a, slug, &id, &name, &created);
	if (found <= 0) {
		if (found == 0)
			web_error(r, 404, "no_tenant", "ops.no_tenant", NULL);
		return;
	}
	if (!confirm || strcmp(confirm, slug) != 0) {
		web_error(r, 422, "confirm", "ops.purge_confirm", NULL);
		return;
	}
	if (!(reason = reason_of(r)))
		return;
	if (purge_mark(r->db, id, reason, ops_actor(r), time_now_ms()) != 0 ||
	    db_exec(r->db, "UPDATE tenants SET purge_queued = 1 WHERE id = $1", "i", id) != DB_DONE) {
		r->failed = 1;
		return;
	}
	req_redirect(r, "/ops/certificates");
}
