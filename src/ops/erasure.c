/*
 * erasure.c — see erasure.h.
 */
#include "ops/erasure.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/certificate.h"
#include "core/purge.h"
#include "lib/arena.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "ops/backup.h"
#include "store/writer.h"

#ifndef STAMPRALLY_VERSION
#define STAMPRALLY_VERSION "0.1.0"
#endif

/* What a backup copy needs to erase the tenant from it. */
struct scrub {
	const char *slug;
	int64_t now;
};

/* backup_erase_fn: the tenant's rows and audit records in a backup's copy
 * (found by slug: ids are the copy's own). */
static int erase_in_copy(db *d, void *ud)
{
	const struct scrub *s = ud;
	arena a = {0};
	const char *name;
	int64_t id, created;
	json_t *rows = json_object();
	int found = purge_find(d, &a, s->slug, &id, &name, &created);
	int rc = found;
	if (found > 0 && (audit_erase(d, id, s->now) < 0 || purge_rows(d, id, rows) != 0 ||
			  db_exec(d, "DELETE FROM tenants WHERE id = $1", "i", id) != DB_DONE))
		rc = -1;
	json_decref(rows);
	arena_free(&a);
	return rc;
}

/* The WAL copied into the database and truncated: a few tries, since a
 * live server's readers can hold it for a moment. 1 done, 0 not. */
static int truncate_wal(db *d)
{
	for (int i = 0; i < 20; i++) {
		if (db_wal_truncate(d) == 0)
			return 1;
		usleep(100 * 1000);
	}
	return 0;
}

/* What was done to the database's storage after the rows were deleted
 * (new reference). SQLite: secure_delete zeroed them, the WAL is
 * truncated, and offline the file is rebuilt. PostgreSQL: offline, VACUUM
 * FULL as the tables' owner rewrites every table; online the space is
 * autovacuum's to reuse (the certificate's limits say so). */
static json_t *storage_erased(db *d, int offline)
{
	if (strcmp(db_backend(), "postgres") == 0) {
		db *own = offline ? db_open_owner() : NULL;
		int full = own && db_vacuum(own) == 0;
		db_close(own);
		return json_pack("{s:s, s:b, s:b}", "engine", "postgresql", "rows_deleted", 1, "vacuum_full", full);
	}
	int vacuumed = offline && db_vacuum(d) == 0;
	int wal = truncate_wal(d);
	return json_pack("{s:b, s:b, s:b}", "secure_delete", 1, "wal_truncated", wal, "vacuumed", vacuumed);
}

/* The certificate's body (new reference). */
static json_t *certificate_body(const config *c, const char *id, const char *slug, const char *name, int64_t created,
				const char *reason, const char *by, int64_t now, json_t *erased)
{
	char jst[40], utc[40], made[40], logs[40];
	time_format_iso_jst(now, jst, sizeof jst);
	time_format_iso_utc(now, utc, sizeof utc);
	time_format_iso_jst(created, made, sizeof made);
	time_format_iso_jst(now + (int64_t)c->keep_access_days * 86400000LL, logs, sizeof logs);
	json_t *limits = json_pack("{s:s, s:b}", "access_logs_deleted_by", logs, "offsite_copies_not_reached",
				   c->backup_copy[0] != '\0');
	if (strcmp(db_backend(), "postgres") == 0)
		json_object_set_new(limits, "postgresql",
				    json_string("PostgreSQL keeps deleted rows in its table files until their space is reused or "
						"VACUUM FULL rewrites them, and in its WAL until it is recycled (and in a WAL "
						"archive for the archive's retention)"));
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:O, s:o, s:s}", "type", "erasure_certificate",
			 "id", id, "tenant", "slug", slug, "name", name, "created_at", made, "issued_at", jst, "issued_at_utc",
			 utc, "operator", by, "reason", reason, "erased", erased, "limits", limits, "software",
			 "stamprally " STAMPRALLY_VERSION);
}

struct store_cert {
	const char *id, *slug, *name, *by, *text;
	int64_t now;
};

static int store_cert(db *d, void *arg)
{
	const struct store_cert *s = arg;
	return db_exec(d, "INSERT INTO erasure_certificates(public_id, tenant_slug, tenant_name, issued_at, issued_by, document)"
			  " VALUES ($1, $2, $3, $4, $5, $6)",
		       "tttitt", s->id, s->slug, s->name, s->now, s->by, s->text) == DB_DONE ? 0 : DB_ERROR;
}

/* The database-side steps: mark, erase the audit records, delete the
 * rows and the tenant. Fills erased. 0 or -1. */
static int purge_database(db *d, int64_t tid, const char *slug, const char *id, const char *reason, const char *by,
			  int64_t now, json_t *erased)
{
	json_t *rows = json_object();
	json_object_set_new(erased, "rows", rows);
	if (purge_mark(d, tid, reason, by, now) != 0)
		return -1;
	int64_t events = audit_erase(d, tid, now);
	if (events < 0 || purge_rows(d, tid, rows) != 0 || purge_finish(d, tid, slug, id, by, now) != 0)
		return -1;
	json_object_set_new(rows, "tenants", json_integer(1));
	json_object_set_new(erased, "security_events_redacted", json_integer(events));
	return 0;
}

int erasure_run(const config *c, db *d, const char *slug, const char *reason, const char *by, int offline, char **text,
		char *err, size_t errsz)
{
	arena a = {0};
	const char *name;
	int64_t tid, created, now = time_now_ms();
	char id[48];
	*text = NULL;
	int found = purge_find(d, &a, slug, &tid, &name, &created);
	if (found <= 0) {
		arena_free(&a);
		if (found < 0)
			snprintf(err, errsz, "the database failed");
		return found;
	}
	token_new(id, sizeof id, 16);
	json_t *erased = json_object();
	int rc = purge_database(d, tid, slug, id, reason, by, now, erased);
	if (rc != 0)
		snprintf(err, errsz, "the purge stopped on a database error; run it again to finish it");
	json_object_set_new(erased, "database", rc == 0 ? storage_erased(d, offline) : json_object());
	json_t *backups = json_array();
	struct scrub s = {slug, now};
	json_t *note = json_pack("{s:s, s:s}", "tenant", slug, "certificate", id);
	if (rc == 0 && backup_scrub_all(c, erase_in_copy, &s, note, backups) != 0)
		snprintf(err, errsz, "a backup could not be scrubbed (the certificate names it)");
	json_decref(note);
	json_object_set_new(erased, "backups", backups);
	json_t *body = rc == 0 ? certificate_body(c, id, slug, name, created, reason, by, now, erased) : NULL;
	*text = body ? certificate_sign(body) : NULL;
	struct store_cert sc = {id, slug, name, by, *text, now};
	if (rc == 0 && (!*text || db_write(d, store_cert, &sc) != 0)) {
		snprintf(err, errsz, "the tenant is purged, but its certificate could not be %s", *text ? "stored" : "signed");
		rc = -1;
	}
	json_decref(body);
	json_decref(erased);
	arena_free(&a);
	return rc == 0 ? 1 : -1;
}

int erasure_list(db *d, FILE *out)
{
	db_stmt *st = db_query(d, "SELECT public_id, tenant_slug, tenant_name, issued_at, issued_by FROM erasure_certificates"
				  " ORDER BY issued_at DESC, id DESC", NULL);
	while (st && db_row(st) == DB_ROW) {
		char when[40];
		time_format_iso_jst(db_int(st, 3), when, sizeof when);
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", db_text(st, 0), "tenant", db_text(st, 1), "name",
				      db_text(st, 2), "issued_at", when, "by", db_text(st, 4));
		json_dumpf(o, out, JSON_COMPACT);
		fputc('\n', out);
		json_decref(o);
	}
	db_done(st);
	return db_failed(d) ? -1 : 0;
}

char *erasure_document(db *d, const char *public_id)
{
	return db_text1(d, "SELECT document FROM erasure_certificates WHERE public_id = $1", "t", public_id);
}

int erasure_run_queued(const config *c, db *d)
{
	db_stmt *st = db_query(d, "SELECT slug, purge_reason, purge_requested_by FROM tenants WHERE purge_queued = 1"
				  " ORDER BY purge_requested_at LIMIT 1", NULL);
	char slug[80] = "", reason[2100] = "", by[200] = "", err[300] = "", *text = NULL;
	if (st && db_row(st) == DB_ROW) {
		snprintf(slug, sizeof slug, "%s", db_text(st, 0));
		snprintf(reason, sizeof reason, "%s", db_text(st, 1));
		snprintf(by, sizeof by, "%s", db_text(st, 2));
	}
	db_done(st);
	if (!slug[0])
		return db_failed(d) ? -1 : 0;
	int rc = erasure_run(c, d, slug, reason, by, 0, &text, err, sizeof err);
	free(text);
	if (rc < 0 || err[0])
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"purge of tenant %s: %s\"}\n", slug, err);
	else
		fprintf(stderr, "{\"level\":\"info\",\"msg\":\"tenant %s purged; certificate issued\"}\n", slug);
	return rc > 0 ? 1 : -1;
}
