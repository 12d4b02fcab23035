/*
 * stamp.c — see stamp.h.
 *
 * A claim runs inside the caller's write transaction (the claim routes run
 * whole on the group-commit writer, routes.c): the rally's state and the
 * spot's hours are checked once, the stamp is inserted with ON CONFLICT DO
 * NOTHING so the database's UNIQUE (participant_id, spot_id, period)
 * settles any race, and completion and the dashboard counters are written
 * in the same transaction.
 */
#include "core/stamp.h"
#include "core/tenant.h"

#include <string.h>

#include "lib/timeutil.h"

#include "core/methods.h"
#include "core/recovery.h"
#include "lib/token.h"

static int stats_add(db *d, int64_t rally_id, int64_t now, const char *what);

static void read_participant(db_stmt *st, arena *a, struct participant *out)
{
	out->id = db_int(st, 0);
	out->public_id = arena_strdup(a, db_text(st, 1));
	out->rally_id = db_int(st, 2);
	out->created_at = db_int(st, 3);
	out->completed_at = db_is_null(st, 4) ? 0 : db_int(st, 4);
	out->preview = (int)db_int(st, 5);
}

int participant_find(db *d, arena *a, int64_t session_id, int64_t rally_id, struct participant *out)
{
	if (session_id <= 0)
		return 0;
	db_stmt *st = db_query(d, "SELECT id, public_id, rally_id, created_at, completed_at, preview FROM participants"
				  " WHERE session_id = $1 AND rally_id = $2",
			       "ii", session_id, rally_id);
	int rc = db_row(st);
	if (rc == DB_ROW)
		read_participant(st, a, out);
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int participant_join(db *d, arena *a, int64_t session_id, const struct rally *r, int64_t now,
		     struct participant *out, int *created, enum rally_state *state)
{
	*created = 0;
	*state = rally_state(r, now);
	int found = participant_find(d, a, session_id, r->id, out);
	if (found != 0)
		return found;
	if (*state != RALLY_OPEN && *state != RALLY_NOT_STARTED)
		return 0;
	int64_t limit;
	if (quota_exceeded(d, r->tenant_id, QUOTA_PARTICIPANTS, r->id, 1, &limit)) {
		*state = RALLY_FULL;
		return 0;
	}
	char pid[48];
	token_new(pid, sizeof pid, TOKEN_PUBLIC_BYTES);
	if (db_begin(d) != 0)
		return -1;
	int rc = db_exec(d, "INSERT INTO participants(public_id, rally_id, session_id, created_at, preview)"
			    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_id, rally_id) DO NOTHING",
			 "tiiii", pid, r->id, session_id, now, (int64_t)(r->preview != 0));
	*created = rc == DB_DONE && db_changes(d) == 1;
	if (*created) {
		char code[20];
		int64_t id = db_int1(d, 0, "SELECT id FROM participants WHERE public_id = $1", "t", pid);
		rc = r->preview ? DB_DONE : stats_add(d, r->id, now, "joins");
		if (rc == DB_DONE && participant_set_recovery(d, a, id, code, sizeof code) != 0)
			rc = DB_ERROR;
	}
	if (rc != DB_DONE || db_commit(d) != 0) {
		if (rc != DB_DONE)
			db_rollback(d);
		return -1;
	}
	return participant_find(d, a, session_id, r->id, out) == 1 ? 1 : -1;
}

/* Add one to the dashboard counter `what` of the rally's hour of `now`. */
static int stats_add(db *d, int64_t rally_id, int64_t now, const char *what)
{
	/* One statement per counter: SQL is never assembled from names. (A
	 * stamp updates stamps and first_stamps in one statement of its own.) */
	static const char *sql[][2] = {
		{"joins", "INSERT INTO rally_hourly(rally_id, hour, joins) VALUES ($1, $2, 1)"
			  " ON CONFLICT (rally_id, hour) DO UPDATE SET joins = rally_hourly.joins + 1"},
		{"completions", "INSERT INTO rally_hourly(rally_id, hour, completions) VALUES ($1, $2, 1)"
				" ON CONFLICT (rally_id, hour) DO UPDATE SET completions = rally_hourly.completions + 1"},
	};
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
		if (strcmp(sql[i][0], what) == 0)
			return db_exec(d, sql[i][1], "ii", rally_id, now / 3600000);
	return DB_ERROR;
}

/* Fill progress counts for p into out: spots collected (a repeated spot
 * counts once) of all the rally's spots. */
/* The same, and the number of stamps (a repeated spot counts each time)
 * into *stamps when not NULL: one query for both. */
static int progress_count(db *d, const struct participant *p, struct claim *out, int64_t *stamps)
{
	out->total = rally_spot_count(d, p->rally_id);
	/* Grouped rather than count(DISTINCT): the (participant, spot, period)
	 * index delivers the groups in order, so SQLite needs no temporary
	 * b-tree for every claim. */
	/* Spots disabled later keep their stamps, which still count as stamps
	 * but not towards the spots to complete. */
	db_stmt *st = db_query(d, "SELECT coalesce(sum(CASE WHEN spot_id NOT IN (SELECT id FROM spots WHERE rally_id = $2"
				  " AND disabled_at IS NOT NULL) THEN 1 ELSE 0 END), 0), coalesce(sum(n), 0)"
				  " FROM (SELECT spot_id, count(*) AS n FROM stamps WHERE participant_id = $1 GROUP BY spot_id) AS c",
			       "ii", p->id, p->rally_id);
	int rc = db_row(st);
	out->collected = rc == DB_ROW ? db_int(st, 0) : -1;
	if (stamps)
		*stamps = rc == DB_ROW ? db_int(st, 1) : -1;
	db_done(st);
	out->completed = out->total > 0 && out->collected >= out->total;
	return out->collected < 0 ? -1 : 0;
}

static int progress(db *d, const struct participant *p, struct claim *out)
{
	return progress_count(d, p, out, NULL);
}

/* The period of a stamp of spot s at time now (see 0004_methods.sql). */
static int64_t stamp_period(const struct spot *s, int64_t now)
{
	if (s->repeat_mode == REPEAT_DAILY)
		return (now + JST_OFFSET_MS) / 86400000;
	if (s->repeat_mode == REPEAT_HOURS)
		return now;
	return 0;
}

/* Whether p already has the stamp of s that a claim at now would give:
 * fills out (ALREADY with its time, or COOLDOWN with the time it is
 * available again) and returns 1; 0 when a new stamp may be written;
 * -1 on error. */
static int already(db *d, const struct participant *p, const struct spot *s, int64_t now, struct claim *out)
{
	int hours = s->repeat_mode == REPEAT_HOURS;
	int64_t last = hours ? stamp_collected_at(d, p->id, s->id)
			     : db_int1(d, 0, "SELECT created_at FROM stamps WHERE participant_id = $1 AND spot_id = $2"
					     " AND period = $3", "iii", p->id, s->id, stamp_period(s, now));
	if (!last)
		return 0;
	if (hours && now - last >= s->repeat_hours * 3600000)
		return 0;
	out->collected_at = last;
	out->status = hours ? CLAIM_COOLDOWN : CLAIM_ALREADY;
	out->available_at = hours ? last + s->repeat_hours * 3600000 : 0;
	return progress(d, p, out) == 0 ? 1 : -1;
}

/* The stamp itself, inside the caller's write transaction: the cool-down
 * of an hourly spot, the insert (a repeat changes nothing: UNIQUE
 * (participant, spot, period) decides any race), progress, the dashboard
 * counters and completion. 0, or DB_ERROR. */
static int write_claim(db *d, const struct participant *p, const struct spot *s, int64_t now, const char *method,
		       struct claim *out)
{
	/* A cool-down is checked first; for the other rules the insert below
	 * changes nothing on a repeat. */
	if (s->repeat_mode == REPEAT_HOURS) {
		int seen = already(d, p, s, now, out);
		if (seen != 0)
			return seen < 0 ? DB_ERROR : 0;
	}
	int rc = db_exec(d, "INSERT INTO stamps(participant_id, spot_id, method, created_at, period) VALUES ($1, $2, $3, $4, $5)"
			    " ON CONFLICT (participant_id, spot_id, period) DO NOTHING",
			 "iitii", p->id, s->id, method, now, stamp_period(s, now));
	if (rc != DB_DONE)
		return DB_ERROR;
	if (db_changes(d) == 0)
		return already(d, p, s, now, out) < 0 ? DB_ERROR : 0;
	out->status = CLAIM_NEW;
	out->collected_at = now;
	int64_t stamps;
	if (progress_count(d, p, out, &stamps) != 0)
		return DB_ERROR;
	int64_t rally = p->rally_id;
	/* the hour's stamps, and its first stamps when this is the participant's first
	 * (a preview's stamps are test data: no counters) */
	if (!p->preview && db_exec(d, "INSERT INTO rally_hourly(rally_id, hour, stamps, first_stamps) VALUES ($1, $2, 1, $3)"
		       " ON CONFLICT (rally_id, hour) DO UPDATE SET stamps = rally_hourly.stamps + 1,"
		       " first_stamps = rally_hourly.first_stamps + excluded.first_stamps",
		    "iii", rally, now / 3600000, (int64_t)(stamps == 1)) != DB_DONE)
		return DB_ERROR;
	if (!p->preview && db_exec(d, "INSERT INTO spot_totals(spot_id, stamps) VALUES ($1, 1)"
				      " ON CONFLICT (spot_id) DO UPDATE SET stamps = spot_totals.stamps + 1", "i", s->id) != DB_DONE)
		return DB_ERROR;
	if (out->completed) {
		rc = db_exec(d, "UPDATE participants SET completed_at = $1 WHERE id = $2 AND completed_at IS NULL",
			     "ii", now, p->id);
		if (rc != DB_DONE)
			return DB_ERROR;
		out->just_completed = db_changes(d) == 1;
		if (out->just_completed && !p->preview && stats_add(d, rally, now, "completions") != DB_DONE)
			return DB_ERROR;
	}
	return 0;
}

void stamp_claim(db *d, const struct rally *r, const struct participant *p, const struct spot *s,
		 int64_t now, const char *method, struct claim *out)
{
	memset(out, 0, sizeof *out);
	out->state = rally_state(r, now);
	if (out->state != RALLY_OPEN) {
		out->status = CLAIM_REFUSED;
		return;
	}
	if (!spot_open(s, now)) {
		out->status = CLAIM_SPOT_CLOSED;
		return;
	}
	if (write_claim(d, p, s, now, method, out) != 0) {
		memset(out, 0, sizeof *out);
		out->status = CLAIM_ERROR;
	}
}

int64_t stamp_collected_at(db *d, int64_t participant_id, int64_t spot_id)
{
	return db_int1(d, 0, "SELECT max(created_at) FROM stamps WHERE participant_id = $1 AND spot_id = $2", "ii",
		       participant_id, spot_id);
}

int card_load(db *d, arena *a, const struct rally *r, const struct participant *p, struct card *out)
{
	memset(out, 0, sizeof *out);
	if (rally_spots(d, a, r, &out->spots, &out->n) != 0)
		return -1;
	out->collected_at = arena_alloc(a, (out->n ? out->n : 1) * sizeof *out->collected_at);
	if (!p)
		return 0;
	out->completed_at = p->completed_at;
	db_stmt *st = db_query(d, "SELECT spot_id, created_at FROM stamps WHERE participant_id = $1", "i", p->id);
	int rc;
	while ((rc = db_row(st)) == DB_ROW) {
		int64_t sid = db_int(st, 0), at = db_int(st, 1);
		for (size_t i = 0; i < out->n; i++)
			if (out->spots[i].id == sid) {
				out->collected += out->collected_at[i] == 0; /* a repeated spot counts once */
				if (at > out->collected_at[i])
					out->collected_at[i] = at; /* the latest stamp */
			}
	}
	db_done(st);
	return rc == DB_DONE ? 0 : -1;
}
