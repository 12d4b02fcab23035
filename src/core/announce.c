/*
 * announce.c — see announce.h.
 */
#include "core/announce.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/mail.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "lib/utf8.h"

#define CACHE_MAX 32
#define DAY_MS 86400000LL

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct announcement cache[CACHE_MAX];
static int ncache;
static _Atomic int any; /* pages take no lock while there is nothing to show */
/* Refreshes come from the jobs thread and from /ops handlers: one at a time,
 * so the loading buffer below is never written by two threads. */
static pthread_mutex_t refreshing = PTHREAD_MUTEX_INITIALIZER;

static const char *const KINDS[] = {"maintenance", "incident", "change", "end_of_service"};

const char *announce_problem(const struct announcement *a, int64_t now)
{
	int kind_ok = 0;
	for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
		kind_ok |= strcmp(a->kind, KINDS[i]) == 0;
	if (!kind_ok)
		return "kind";
	if (a->ends_at <= a->starts_at)
		return "order";
	if (a->ends_at <= now)
		return "ended";
	if (!utf8_text(a->ja, 1, ANNOUNCE_TEXT_MAX) || !utf8_text(a->en, 0, ANNOUNCE_TEXT_MAX))
		return "text";
	if (strcmp(a->kind, "maintenance") == 0 && !a->urgent && a->starts_at < now + ANNOUNCE_NOTICE_DAYS * DAY_MS)
		return "notice";
	return NULL;
}

/* Why a is not acceptable at now, into err; 0 when it is. */
static int check(const struct announcement *a, int64_t now, char *err, size_t errsz)
{
	static const struct { const char *code, *text; } why[] = {
		{"kind", "the kind must be maintenance, incident, change or end_of_service"},
		{"order", "the announcement must end after it starts"},
		{"ended", "the announcement has already ended"},
		{"text", "the Japanese text is required; each text is printable, at most 1000 characters"},
		{"notice", "maintenance must be announced at least 7 days before it starts (mark it urgent to announce it "
			   "later; that is recorded)"},
	};
	const char *p = announce_problem(a, now);
	for (size_t i = 0; p && i < sizeof why / sizeof why[0]; i++)
		if (strcmp(p, why[i].code) == 0)
			snprintf(err, errsz, "%s", why[i].text);
	return p != NULL;
}

int announce_create(db *d, struct announcement *a, const char *const *slugs, int n, const char *by, int64_t now,
		    char *err, size_t errsz)
{
	if (check(a, now, err, errsz))
		return 0;
	if (n > ANNOUNCE_TENANTS_MAX) {
		snprintf(err, errsz, "at most %d tenants", ANNOUNCE_TENANTS_MAX);
		return 0;
	}
	token_new(a->public_id, sizeof a->public_id, TOKEN_PUBLIC_BYTES);
	if (db_begin(d) != 0)
		return -1;
	int64_t id = db_int1(d, -1,
			     "INSERT INTO announcements(public_id, kind, starts_at, ends_at, text_ja, text_en, participants,"
			     " urgent, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
			     "ttiittiiit", a->public_id, a->kind, a->starts_at, a->ends_at, a->ja, a->en,
			     (int64_t)a->participants, (int64_t)a->urgent, now, by);
	int rc = id > 0 ? 1 : -1;
	for (int i = 0; rc == 1 && i < n; i++) {
		int64_t tid = db_int1(d, 0, "SELECT id FROM tenants WHERE slug = $1", "t", slugs[i]);
		if (!tid) {
			snprintf(err, errsz, "no tenant '%.64s'", slugs[i]);
			rc = 0;
		} else if (db_exec(d, "INSERT INTO announcement_tenants(announcement_id, tenant_id) VALUES ($1, $2)"
				      " ON CONFLICT DO NOTHING", "ii", id, tid) != DB_DONE) {
			rc = -1;
		}
	}
	/* its e-mail in the same transaction; no reminder when it starts within a day anyway */
	arena ma = {0};
	int mailed = rc == 1 ? mail_announcement(d, &ma, id, 0, now) : 0;
	arena_free(&ma);
	if (mailed < 0 || (rc == 1 && a->starts_at - now < 24LL * 3600 * 1000 &&
			   db_exec(d, "UPDATE announcements SET reminded_at = $1 WHERE id = $2", "ii", now, id) != DB_DONE))
		rc = -1;
	if (rc == 1 && security_event_json(d, 0, 0, "announcement_created",
					   json_pack("{s:s, s:s, s:I, s:I, s:b, s:b, s:i, s:s, s:i}", "id", a->public_id, "kind",
						     a->kind, "starts_at", (json_int_t)a->starts_at, "ends_at",
						     (json_int_t)a->ends_at, "participants", a->participants, "urgent",
						     a->urgent, "tenants", n, "by", by, "mailed", mailed),
					   now) != 0)
		rc = -1;
	if (rc == 1 && db_commit(d) == 0)
		return 1;
	db_rollback(d);
	return rc == 0 ? 0 : -1;
}

int announce_close(db *d, const char *public_id, const char *by, int64_t now)
{
	if (db_begin(d) != 0)
		return -1;
	int rc = db_exec(d, "UPDATE announcements SET closed_at = $1 WHERE public_id = $2 AND closed_at IS NULL AND ends_at > $1",
			 "it", now, public_id) == DB_DONE ? (int)db_changes(d) : -1;
	if (rc == 1 && security_event_json(d, 0, 0, "announcement_closed", json_pack("{s:s, s:s}", "id", public_id, "by", by),
					   now) != 0)
		rc = -1;
	if (rc == 1 && db_commit(d) == 0)
		return 1;
	db_rollback(d);
	return rc;
}

/* Read the open announcements that have not ended into v (at most max). */
static int load(db *d, int64_t now, struct announcement *v, int max)
{
	int n = 0;
	db_stmt *st = db_query(d, "SELECT id, public_id, kind, starts_at, ends_at, text_ja, text_en, participants, urgent"
				  " FROM announcements WHERE closed_at IS NULL AND ends_at > $1 ORDER BY starts_at, id LIMIT $2",
			       "ii", now, (int64_t)max);
	int64_t ids[CACHE_MAX];
	while (st && n < max && db_row(st) == DB_ROW) {
		struct announcement *a = &v[n];
		memset(a, 0, sizeof *a);
		ids[n] = db_int(st, 0);
		snprintf(a->public_id, sizeof a->public_id, "%s", db_text(st, 1));
		snprintf(a->kind, sizeof a->kind, "%s", db_text(st, 2));
		a->starts_at = db_int(st, 3), a->ends_at = db_int(st, 4);
		snprintf(a->ja, sizeof a->ja, "%s", db_text(st, 5));
		snprintf(a->en, sizeof a->en, "%s", db_text(st, 6));
		a->participants = (int)db_int(st, 7), a->urgent = (int)db_int(st, 8);
		n++;
	}
	db_done(st);
	for (int i = 0; i < n; i++) {
		st = db_query(d, "SELECT tenant_id FROM announcement_tenants WHERE announcement_id = $1 LIMIT $2", "ii", ids[i],
			      (int64_t)ANNOUNCE_TENANTS_MAX);
		while (st && db_row(st) == DB_ROW)
			v[i].tenants[v[i].ntenants++] = db_int(st, 0);
		db_done(st);
	}
	return db_failed(d) ? -1 : n;
}

int announce_list(db *d, FILE *out)
{
	static struct announcement v[CACHE_MAX];
	int n = load(d, time_now_ms(), v, CACHE_MAX);
	for (int i = 0; i < n; i++) {
		char from[40], to[40];
		time_format_iso_jst(v[i].starts_at, from, sizeof from);
		time_format_iso_jst(v[i].ends_at, to, sizeof to);
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:i}", "id", v[i].public_id, "kind", v[i].kind,
				      "from", from, "to", to, "ja", v[i].ja, "en", v[i].en, "participants", v[i].participants,
				      "urgent", v[i].urgent, "tenants", v[i].ntenants);
		json_dumpf(o, out, JSON_COMPACT);
		fputc('\n', out);
		json_decref(o);
	}
	return n < 0 ? -1 : 0;
}

void announce_refresh(db *d, int64_t now)
{
	static struct announcement fresh[CACHE_MAX];
	pthread_mutex_lock(&refreshing);
	int n = load(d, now, fresh, CACHE_MAX);
	if (n >= 0) { /* on an error, keep what we had */
		pthread_mutex_lock(&mu);
		memcpy(cache, fresh, (size_t)n * sizeof *cache);
		ncache = n;
		any = n > 0;
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_unlock(&refreshing);
}

static int for_tenant(const struct announcement *a, int64_t tenant_id)
{
	if (!a->ntenants)
		return 1;
	for (int i = 0; i < a->ntenants; i++)
		if (a->tenants[i] == tenant_id)
			return 1;
	return 0;
}

void announce_current(int64_t now, int64_t tenant_id, int participants,
		      void (*fn)(const struct announcement *a, void *ud), void *ud)
{
	if (!any)
		return;
	pthread_mutex_lock(&mu);
	for (int i = 0; i < ncache; i++) {
		const struct announcement *a = &cache[i];
		if (a->starts_at <= now && now < a->ends_at && (!participants || a->participants) && for_tenant(a, tenant_id))
			fn(a, ud);
	}
	pthread_mutex_unlock(&mu);
}

void announce_open(int64_t now, void (*fn)(const struct announcement *a, void *ud), void *ud)
{
	pthread_mutex_lock(&mu);
	for (int i = 0; i < ncache; i++)
		if (now < cache[i].ends_at)
			fn(&cache[i], ud);
	pthread_mutex_unlock(&mu);
}
