/*
 * tenant.c — see tenant.h.
 */
#include "core/tenant.h"

#include <jansson.h>
#include <stdlib.h>

#include "core/account.h"
#include "lib/timeutil.h"

json_t *tenant_rows(db *d)
{
	json_t *all = json_array();
	db_stmt *st = db_query(
		d,
		"SELECT t.slug, t.name, t.created_at, t.suspended_at, t.suspended_reason,"
		" (SELECT count(*) FROM rallies r WHERE r.tenant_id = t.id),"
		" (SELECT count(*) FROM participants p JOIN rallies r ON r.id = p.rally_id WHERE r.tenant_id = t.id),"
		" (SELECT count(*) FROM stamps s JOIN participants p ON p.id = s.participant_id"
		"  JOIN rallies r ON r.id = p.rally_id WHERE r.tenant_id = t.id),"
		" (SELECT coalesce(sum(length(i.bytes)), 0) FROM images i WHERE i.tenant_id = t.id),"
		" (SELECT max(s.created_at) FROM stamps s JOIN participants p ON p.id = s.participant_id"
		"  JOIN rallies r ON r.id = p.rally_id WHERE r.tenant_id = t.id),"
		" t.quota_rallies, t.quota_participants, t.quota_storage_bytes, t.require_totp, t.purge_requested_at IS NOT NULL"
		" FROM tenants t ORDER BY t.slug",
		NULL);
	while (st && db_row(st) == DB_ROW) {
		char created[40], suspended[40] = "", last[40] = "";
		time_format_iso_jst(db_int(st, 2), created, sizeof created);
		if (!db_is_null(st, 3))
			time_format_iso_jst(db_int(st, 3), suspended, sizeof suspended);
		if (!db_is_null(st, 9))
			time_format_iso_jst(db_int(st, 9), last, sizeof last);
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s?, s:s?, s:s?, s:b, s:b}", "slug", db_text(st, 0),
				      "name", db_text(st, 1), "created_at", created, "rallies", (json_int_t)db_int(st, 5),
				      "participants", (json_int_t)db_int(st, 6), "stamps", (json_int_t)db_int(st, 7),
				      "storage_bytes", (json_int_t)db_int(st, 8), "last_activity", *last ? last : NULL,
				      "suspended_at", *suspended ? suspended : NULL, "suspended_reason",
				      *suspended ? db_text(st, 4) : NULL, "require_totp", db_int(st, 13) != 0, "purging",
				      db_int(st, 14) != 0);
		json_object_set_new(o, "quota", json_pack("{s:I, s:I, s:I}", "rallies", (json_int_t)db_int(st, 10),
							   "participants_per_rally", (json_int_t)db_int(st, 11),
							   "storage_bytes", (json_int_t)db_int(st, 12)));
		json_array_append_new(all, o);
	}
	db_done(st);
	if (db_failed(d)) {
		json_decref(all);
		return NULL;
	}
	return all;
}

int tenant_list(db *d, FILE *out)
{
	json_t *all = tenant_rows(d), *o;
	size_t i;
	json_array_foreach(all, i, o) {
		json_dumpf(o, out, JSON_COMPACT);
		fputc('\n', out);
	}
	int rc = all ? 0 : -1;
	json_decref(all);
	return rc;
}

/* The security event for an operator's action on a tenant. */
static int record(db *d, int64_t tenant_id, const char *kind, const char *by, const char *reason, int64_t now)
{
	return security_event_json(d, tenant_id, 0, kind, json_pack("{s:s, s:s?}", "by", by, "reason", reason), now);
}

int64_t tenant_create(db *d, const char *slug, const char *name, const char *by, int64_t now)
{
	if (db_begin(d) != 0)
		return -1;
	int rc = db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ($1, $2, $3)", "tti", slug, name, now);
	int64_t id = rc == DB_DONE ? db_int1(d, 0, "SELECT id FROM tenants WHERE slug = $1", "t", slug) : 0;
	if (rc == DB_CONSTRAINT) {
		db_rollback(d);
		return 0;
	}
	if (id <= 0 || record(d, id, "tenant_created", by, NULL, now) != 0 || db_commit(d) != 0) {
		db_rollback(d);
		return -1;
	}
	return id;
}

/* Set or clear the suspension of slug. 1, 0 (none such or already), -1. */
static int set_suspended(db *d, const char *slug, int on, const char *reason, const char *by, int64_t now)
{
	if (db_begin(d) != 0)
		return -1;
	int64_t id = db_int1(d, 0, on ? "SELECT id FROM tenants WHERE slug = $1 AND suspended_at IS NULL"
				      : "SELECT id FROM tenants WHERE slug = $1 AND suspended_at IS NOT NULL",
			     "t", slug);
	int rc = id ? 1 : 0;
	int updated = !id ? DB_DONE
		      : on ? db_exec(d, "UPDATE tenants SET suspended_at = $1, suspended_reason = $2 WHERE id = $3", "iti", now,
				     reason, id)
			   : db_exec(d, "UPDATE tenants SET suspended_at = NULL, suspended_reason = '' WHERE id = $1", "i", id);
	if (id && (updated != DB_DONE ||
		   record(d, id, on ? "tenant_suspended" : "tenant_resumed", by, reason, now) != 0))
		rc = -1;
	if (db_failed(d))
		rc = -1;
	if (rc == 1 && db_commit(d) == 0)
		return 1;
	db_rollback(d);
	return rc;
}

int tenant_suspend(db *d, const char *slug, const char *reason, const char *by, int64_t now)
{
	return set_suspended(d, slug, 1, reason, by, now);
}

int tenant_resume(db *d, const char *slug, const char *by, int64_t now)
{
	return set_suspended(d, slug, 0, NULL, by, now);
}

int tenant_set_quota(db *d, const char *slug, int64_t rallies, int64_t participants, int64_t storage_bytes, const char *by,
		     int64_t now)
{
	if (db_begin(d) != 0)
		return -1;
	int64_t id = db_int1(d, 0, "SELECT id FROM tenants WHERE slug = $1", "t", slug);
	int rc = id ? 1 : 0;
	if (id && (db_exec(d, "UPDATE tenants SET quota_rallies = CASE WHEN $1 < 0 THEN quota_rallies ELSE $1 END,"
			      " quota_participants = CASE WHEN $2 < 0 THEN quota_participants ELSE $2 END,"
			      " quota_storage_bytes = CASE WHEN $3 < 0 THEN quota_storage_bytes ELSE $3 END WHERE id = $4",
			   "iiii", rallies, participants, storage_bytes, id) != DB_DONE ||
		   security_event_json(d, id, 0, "tenant_quota",
				       json_pack("{s:s, s:I, s:I, s:I}", "by", by, "rallies", (json_int_t)rallies,
						 "participants_per_rally", (json_int_t)participants, "storage_bytes",
						 (json_int_t)storage_bytes),
				       now) != 0))
		rc = -1;
	if (rc == 1 && db_commit(d) == 0)
		return 1;
	db_rollback(d);
	return rc;
}

int quota_exceeded(db *d, int64_t tenant_id, enum quota q, int64_t rally_id, int64_t adding, int64_t *limit)
{
	static const char *const quota_sql[] = {
		"SELECT quota_rallies FROM tenants WHERE id = $1",
		"SELECT quota_participants FROM tenants WHERE id = $1",
		"SELECT quota_storage_bytes FROM tenants WHERE id = $1",
	};
	*limit = db_int1(d, 0, quota_sql[q], "i", tenant_id);
	if (*limit <= 0)
		return 0;
	int64_t used = q == QUOTA_RALLIES ? db_int1(d, 0, "SELECT count(*) FROM rallies WHERE tenant_id = $1", "i", tenant_id)
		       : q == QUOTA_PARTICIPANTS
			       ? db_int1(d, 0, "SELECT count(*) FROM participants WHERE rally_id = $1", "i", rally_id)
			       : db_int1(d, 0, "SELECT coalesce(sum(length(bytes)), 0) FROM images WHERE tenant_id = $1", "i",
					 tenant_id);
	return used + adding > *limit;
}
