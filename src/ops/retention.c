/*
 * retention.c — see retention.h.
 */
#include "ops/retention.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "core/account.h"
#include "core/audit.h"
#include "lib/accesslog.h"
#include "lib/jsonmem.h"
#include "lib/timeutil.h"
#include "store/writer.h"

#define DAY_MS 86400000LL

/* ---- personal data of ended rallies ---- */

struct clear {
	int64_t rally_id, now, participants;
	int days;
};

/* Delete one rally's personal data (the counts stay for the dashboard) and
 * record it in the tenant's slice of the security event log. */
static int clear_rally(db *d, void *arg)
{
	struct clear *c = arg;
	static const char *const sql[] = {
		"UPDATE lottery_entries SET sealed = '' WHERE tier_id IN (SELECT id FROM reward_tiers WHERE rally_id = $1)",
		"UPDATE sessions SET line_access_token = NULL WHERE id IN"
		" (SELECT session_id FROM participants WHERE rally_id = $1)",
		"UPDATE participants SET line_sub = NULL, line_name = NULL, line_picture = NULL, recovery_sealed = NULL,"
		" recovery_hash = NULL WHERE rally_id = $1",
	};
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
		if (db_exec(d, sql[i], "i", c->rally_id) != DB_DONE)
			return DB_ERROR;
	c->participants = db_int1(d, 0, "SELECT count(*) FROM participants WHERE rally_id = $1", "i", c->rally_id);
	db_stmt *st = db_query(d, "SELECT tenant_id, slug FROM rallies WHERE id = $1", "i", c->rally_id);
	json_t *o = st && db_row(st) == DB_ROW ? json_pack("{s:s, s:I, s:i}", "rally", db_text(st, 1), "participants",
							   (json_int_t)c->participants, "days_after_end", c->days)
					       : NULL;
	int64_t tenant = o ? db_int(st, 0) : 0;
	db_done(st);
	char *detail = o ? json_heap_text(o, JSON_COMPACT) : NULL;
	json_decref(o);
	int rc = detail && security_event(d, tenant, 0, "personal_data_purged", "", detail, c->now) == 0 &&
			 db_exec(d, "UPDATE rallies SET personal_data_purged_at = $1 WHERE id = $2", "ii", c->now,
				 c->rally_id) == DB_DONE
		 ? 0
		 : DB_ERROR;
	free(detail);
	return rc;
}

/* Every ended rally past the limit whose personal data is still there. */
static int purge_personal(const config *cf, db *d, int64_t now, struct retention_result *res)
{
	if (cf->keep_personal_days <= 0)
		return 0;
	for (;;) {
		int64_t id = db_int1(d, 0, "SELECT id FROM rallies WHERE ends_at < $1 AND personal_data_purged_at IS NULL"
					   " ORDER BY id LIMIT 1", "i", now - cf->keep_personal_days * DAY_MS);
		if (!id)
			return db_failed(d) ? -1 : 0;
		struct clear c = {id, now, 0, cf->keep_personal_days};
		if (db_write(d, clear_rally, &c) != 0)
			return -1;
		res->rallies_cleared++, res->participants_cleared += c.participants;
	}
}

/* ---- access-log files ---- */

/* The day (UTC ms of its JST midnight) of an access-log file name, and
 * whether it is compressed; -1 when name is not one. */
static int64_t log_day(const char *name, int *compressed)
{
	int y, m, dd, n = 0;
	char iso[40];
	int64_t ms;
	if (sscanf(name, "access-%4d-%2d-%2d.jsonl%n", &y, &m, &dd, &n) != 3 || n == 0)
		return -1;
	*compressed = strcmp(name + n, ".zst") == 0;
	if (name[n] && !*compressed)
		return -1;
	snprintf(iso, sizeof iso, "%04d-%02d-%02dT00:00+09:00", y, m, dd);
	return time_parse_iso(iso, &ms) == 0 ? ms : -1;
}

/* Compress from into to (zstd, synced), then delete from. 0 or -1. */
static int compress_file(const char *from, const char *to)
{
	char tmp[1200];
	snprintf(tmp, sizeof tmp, "%s.tmp", to);
	FILE *in = fopen(from, "rbe");
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ZSTD_CCtx *z = ZSTD_createCCtx();
	static _Thread_local char ib[1 << 16], ob[1 << 16];
	int rc = in && out >= 0 && z ? 0 : -1;
	size_t got;
	int last = 0;
	while (rc == 0 && !last) {
		got = fread(ib, 1, sizeof ib, in);
		last = got < sizeof ib;
		ZSTD_inBuffer zi = {ib, got, 0};
		size_t left;
		do {
			ZSTD_outBuffer zo = {ob, sizeof ob, 0};
			left = ZSTD_compressStream2(z, &zo, &zi, last ? ZSTD_e_end : ZSTD_e_continue);
			if (ZSTD_isError(left) || write(out, ob, zo.pos) != (ssize_t)zo.pos)
				rc = -1;
		} while (rc == 0 && (last ? left != 0 : zi.pos < zi.size));
	}
	if (rc == 0 && (ferror(in) || fsync(out) != 0))
		rc = -1;
	if (in)
		fclose(in);
	if (out >= 0 && close(out) != 0)
		rc = -1;
	ZSTD_freeCCtx(z);
	if (rc == 0 && rename(tmp, to) == 0 && unlink(from) == 0)
		return 0;
	unlink(tmp);
	return -1;
}

static int maintain_logs(const config *cf, int64_t now, struct retention_result *res)
{
	if (!cf->access_dir[0] || strcmp(cf->access_dir, "off") == 0)
		return 0;
	DIR *dp = opendir(cf->access_dir);
	if (!dp)
		return errno == ENOENT ? 0 : -1;
	int64_t today = time_day_start_jst(now), keep_from = today - cf->keep_access_days * DAY_MS;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(dp))) {
		int z = 0;
		int64_t day = log_day(e->d_name, &z);
		char path[1100], to[1110];
		if (day < 0)
			continue;
		snprintf(path, sizeof path, "%.1000s/%s", cf->access_dir, e->d_name);
		if (day < keep_from) {
			if (unlink(path) == 0)
				res->logs_deleted++;
			else
				rc = -1;
		} else if (!z && day < today) {
			snprintf(to, sizeof to, "%s.zst", path);
			if (compress_file(path, to) == 0)
				res->logs_compressed++;
			else
				rc = -1;
		}
	}
	closedir(dp);
	return rc;
}

/* Delete the outbox rows sent or given up before *arg (the cutoff, ms);
 * the count replaces the cutoff. */
static int delete_mail(db *d, void *arg)
{
	int64_t *n = arg;
	if (db_exec(d, "DELETE FROM mail_outbox WHERE sent_at < $1 OR failed_at < $1", "i", *n) != DB_DONE)
		return DB_ERROR;
	*n = db_changes(d);
	return 0;
}

int retention_run(const config *c, db *d, int64_t now, struct retention_result *res)
{
	memset(res, 0, sizeof *res);
	int rc = 0;
	int64_t pruned = audit_prune(d, now - c->keep_events_days * DAY_MS, now);
	if (pruned < 0)
		rc = -1, fprintf(stderr, "{\"level\":\"error\",\"msg\":\"retention: cannot prune the security events\"}\n");
	else
		res->events_pruned = pruned;
	if (purge_personal(c, d, now, res) != 0)
		rc = -1, fprintf(stderr, "{\"level\":\"error\",\"msg\":\"retention: cannot delete personal data\"}\n");
	if (maintain_logs(c, now, res) != 0)
		rc = -1, fprintf(stderr, "{\"level\":\"error\",\"msg\":\"retention: cannot compress or delete access logs\"}\n");
	int64_t mails = now - c->keep_mail_days * DAY_MS;
	if (db_write(d, delete_mail, &mails) != 0)
		rc = -1, fprintf(stderr, "{\"level\":\"error\",\"msg\":\"retention: cannot delete old e-mail\"}\n");
	else
		res->mails_deleted = mails;
	if (res->events_pruned || res->logs_deleted || res->mails_deleted)
		security_event_write(d, "retention_run",
		       json_pack("{s:I, s:I, s:I, s:I, s:I, s:i, s:i, s:i}", "events_pruned", (json_int_t)res->events_pruned,
				 "logs_deleted", (json_int_t)res->logs_deleted, "rallies_cleared",
				 (json_int_t)res->rallies_cleared, "participants_cleared", (json_int_t)res->participants_cleared,
				 "mails_deleted", (json_int_t)res->mails_deleted, "events_days", c->keep_events_days,
				 "access_log_days", c->keep_access_days, "mail_days", c->keep_mail_days));
	return rc;
}
