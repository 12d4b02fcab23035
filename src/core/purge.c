/*
 * purge.c — see purge.h.
 *
 * The steps run children before parents (foreign keys are on). Each step
 * deletes at most its batch of rows ($2) per write and repeats until a
 * write deletes fewer; steps marked once delete a few keyed rows in one write.
 * Between writes the purge rests as long as the write took: it holds the
 * write lock at most half the time, so claims keep their latency (a purge is
 * never urgent; bench/purge measures both).
 */
#include "core/purge.h"

#include <time.h>

#include "core/account.h"
#include "lib/timeutil.h"
#include "store/writer.h"

/* Rows of the tenant's rallies: r.tenant_id = $1. */
#define OF_RALLIES " JOIN rallies r ON r.id = t.rally_id WHERE r.tenant_id = $1"
#define OF_TIERS " JOIN reward_tiers t ON t.id = x.tier_id" OF_RALLIES

static const struct step {
	const char *table, *sql;
	int batch; /* the statement's LIMIT; 0: keyed rows that need not exist, one write */
} steps[] = {
	{"lottery_entries", "DELETE FROM lottery_entries WHERE id IN (SELECT x.id FROM lottery_entries x" OF_TIERS " LIMIT $2)", 1000},
	{"lottery_draws", "DELETE FROM lottery_draws WHERE id IN (SELECT x.id FROM lottery_draws x" OF_TIERS " LIMIT $2)", 1000},
	{"attempt_throttle", "DELETE FROM attempt_throttle WHERE key IN (SELECT 'coupon:' || x.code FROM rewards x" OF_TIERS ")", 0},
	{"rewards", "DELETE FROM rewards WHERE id IN (SELECT x.id FROM rewards x" OF_TIERS " LIMIT $2)", 1000},
	{"reward_tiers", "DELETE FROM reward_tiers WHERE id IN (SELECT t.id FROM reward_tiers t" OF_RALLIES " LIMIT $2)", 1000},
	{"stamps", "DELETE FROM stamps WHERE id IN (SELECT x.id FROM stamps x JOIN participants t ON t.id = x.participant_id"
		   OF_RALLIES " LIMIT $2)", 1000},
	{"spot_totals", "DELETE FROM spot_totals WHERE spot_id IN (SELECT t.id FROM spots t" OF_RALLIES " LIMIT $2)", 1000},
	{"rally_hourly", "DELETE FROM rally_hourly WHERE (rally_id, hour) IN (SELECT t.rally_id, t.hour FROM rally_hourly t" OF_RALLIES
			 " LIMIT $2)", 1000},
	{"oauth_states", "DELETE FROM oauth_states WHERE id IN (SELECT t.id FROM oauth_states t" OF_RALLIES " LIMIT $2)", 1000},
	/* a browser session goes with the last of its participants (it may
	 * also hold another tenant's) */
	{"sessions", "DELETE FROM sessions WHERE id IN (SELECT t.session_id FROM participants t" OF_RALLIES
		     " AND t.session_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM participants o JOIN rallies q ON q.id = o.rally_id"
		     " WHERE o.session_id = t.session_id AND q.tenant_id <> $1) LIMIT $2)", 1000},
	{"participants", "DELETE FROM participants WHERE id IN (SELECT t.id FROM participants t" OF_RALLIES " LIMIT $2)", 1000},
	{"attempt_throttle", "DELETE FROM attempt_throttle WHERE key IN (SELECT 'desk:' || id FROM rallies WHERE tenant_id = $1)", 0},
	{"spots", "DELETE FROM spots WHERE id IN (SELECT t.id FROM spots t" OF_RALLIES " LIMIT $2)", 1000},
	{"rallies", "DELETE FROM rallies WHERE id IN (SELECT id FROM rallies WHERE tenant_id = $1 LIMIT $2)", 1000},
	{"attempt_throttle", "DELETE FROM attempt_throttle WHERE key IN (SELECT 'id:' || login FROM accounts WHERE tenant_id = $1)", 0},
	{"staff_sessions", "DELETE FROM staff_sessions WHERE id IN (SELECT s.id FROM staff_sessions s JOIN accounts a"
			   " ON a.id = s.account_id WHERE a.tenant_id = $1 LIMIT $2)", 1000},
	{"totp_recovery", "DELETE FROM totp_recovery WHERE realm = 'staff' AND owner_id IN (SELECT id FROM accounts WHERE tenant_id = $1)", 0},
	{"accounts", "DELETE FROM accounts WHERE id IN (SELECT id FROM accounts WHERE tenant_id = $1 LIMIT $2)", 1000},
	{"mail_outbox", "DELETE FROM mail_outbox WHERE tenant_id = $1", 0},
	{"announcement_tenants", "DELETE FROM announcement_tenants WHERE tenant_id = $1", 0},
	/* the sized variants first: a cascade from their original would delete
	 * them uncounted on SQLite (PostgreSQL counts them either way) */
	{"images", "DELETE FROM images WHERE id IN (SELECT id FROM images WHERE tenant_id = $1 AND parent_id IS NOT NULL LIMIT $2)", 100},
	{"images", "DELETE FROM images WHERE id IN (SELECT id FROM images WHERE tenant_id = $1 LIMIT $2)", 100},
};

int purge_find(db *d, arena *a, const char *slug, int64_t *id, const char **name, int64_t *created_at)
{
	db_stmt *st = db_query(d, "SELECT id, name, created_at FROM tenants WHERE slug = $1", "t", slug);
	int rc = st ? db_row(st) : DB_ERROR;
	if (rc == DB_ROW) {
		*id = db_int(st, 0);
		*name = arena_strdup(a, db_text(st, 1));
		*created_at = db_int(st, 2);
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

struct mark {
	int64_t tenant, now;
	const char *reason, *by;
};

static int mark_write(db *d, void *arg)
{
	const struct mark *m = arg;
	if (db_exec(d, "UPDATE tenants SET suspended_at = coalesce(suspended_at, $2), suspended_reason = CASE WHEN"
		       " suspended_at IS NULL THEN $3 ELSE suspended_reason END, purge_requested_at = coalesce(purge_requested_at, $2),"
		       " purge_requested_by = $4, purge_reason = $3 WHERE id = $1",
		    "iitt", m->tenant, m->now, m->reason, m->by) != DB_DONE)
		return DB_ERROR;
	return security_event_json(d, m->tenant, 0, "tenant_purge_started", json_pack("{s:s, s:s}", "by", m->by, "reason", m->reason),
				   m->now) == 0 ? 0 : DB_ERROR;
}

int purge_mark(db *d, int64_t tenant_id, const char *reason, const char *by, int64_t now)
{
	struct mark m = {tenant_id, now, reason, by};
	return db_write(d, mark_write, &m) == 0 ? 0 : -1;
}

struct run {
	const struct step *s;
	int64_t tenant, deleted;
};

static int run_step(db *d, void *arg)
{
	struct run *r = arg;
	if (db_exec(d, r->s->sql, r->s->batch ? "ii" : "i", r->tenant, (int64_t)r->s->batch) != DB_DONE)
		return DB_ERROR;
	r->deleted = db_changes(d);
	return 0;
}

/* Sleep us microseconds (at most 100 ms), leaving the write lock to others. */
static void rest(int64_t us)
{
	us = us < 0 ? 0 : us > 100000 ? 100000 : us;
	struct timespec ts = {0, (long)us * 1000};
	nanosleep(&ts, NULL);
}

int purge_rows(db *d, int64_t tenant_id, json_t *rows)
{
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct run r = {&steps[i], tenant_id, 0};
		int64_t total = 0;
		do {
			int64_t t0 = time_mono_us();
			if (db_write(d, run_step, &r) != 0)
				return -1;
			total += r.deleted;
			rest(time_mono_us() - t0);
		} while (steps[i].batch && r.deleted >= steps[i].batch);
		json_t *prev = json_object_get(rows, steps[i].table);
		json_object_set_new(rows, steps[i].table, json_integer(json_integer_value(prev) + total));
	}
	return 0;
}

struct finish {
	int64_t tenant, now;
	const char *slug, *cert, *by;
};

static int finish_write(db *d, void *arg)
{
	const struct finish *f = arg;
	if (db_exec(d, "DELETE FROM tenants WHERE id = $1", "i", f->tenant) != DB_DONE)
		return DB_ERROR;
	/* no tenant id: the tenant is gone; the certificate names it */
	return security_event_json(d, 0, 0, "tenant_purged", json_pack("{s:s, s:s, s:s}", "tenant", f->slug, "certificate",
									 f->cert, "by", f->by), f->now) == 0 ? 0 : DB_ERROR;
}

int purge_finish(db *d, int64_t tenant_id, const char *slug, const char *certificate_id, const char *by, int64_t now)
{
	struct finish f = {tenant_id, now, slug, certificate_id, by};
	return db_write(d, finish_write, &f) == 0 ? 0 : -1;
}
