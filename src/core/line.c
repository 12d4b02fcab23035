/*
 * line.c — see line.h.
 */
#include "core/line.h"
#include "core/tenant.h"

#include <stdlib.h>
#include <string.h>

#include "core/methods.h"
#include "core/recovery.h"
#include "lib/seal.h"
#include "lib/token.h"

int rally_set_join_policy(db *d, int64_t rally_id, enum join_policy policy)
{
	return db_exec(d, "UPDATE rallies SET join_policy = $1 WHERE id = $2", "ti", join_policy_name(policy), rally_id) ==
			       DB_DONE
		       ? 0
		       : -1;
}

int line_channel(db *d, arena *a, int64_t tenant_id, const char **channel_id, const char **secret)
{
	db_stmt *st = db_query(d, "SELECT line_channel_id, line_channel_secret FROM tenants WHERE id = $1", "i", tenant_id);
	int rc = db_row(st);
	*channel_id = *secret = "";
	if (rc == DB_ROW) {
		*channel_id = arena_strdup(a, db_text(st, 0));
		const char *s = db_text(st, 1);
		const char *opened = *s ? unseal(a, s) : "";
		*secret = opened ? opened : "";
	}
	db_done(st);
	return rc == DB_ROW ? 0 : -1;
}

int line_set_channel(db *d, arena *a, int64_t tenant_id, const char *channel_id, const char *secret)
{
	int rc = db_exec(d, "UPDATE tenants SET line_channel_id = $1 WHERE id = $2", "ti", channel_id, tenant_id);
	if (rc == DB_DONE && secret && *secret)
		rc = db_exec(d, "UPDATE tenants SET line_channel_secret = $1 WHERE id = $2", "ti", seal(a, secret), tenant_id);
	return rc == DB_DONE ? 0 : -1;
}

int line_login_begin(db *d, const char *browser, const struct line_login *l, int64_t now)
{
	unsigned char h[32];
	token_hash(browser, h);
	db_exec(d, "DELETE FROM oauth_states WHERE created_at < $1", "i", now - LINE_STATE_TTL_MS);
	return db_exec(d, "INSERT INTO oauth_states(state, browser_hash, nonce, verifier, rally_id, created_at)"
			  " VALUES ($1, $2, $3, $4, $5, $6)",
		       "tbttii", l->state, h, sizeof h, l->nonce, l->verifier, l->rally_id, now) == DB_DONE ? 0 : -1;
}

int line_login_find(db *d, arena *a, const char *state, const char *browser, int64_t now, struct line_login *out)
{
	unsigned char h[32];
	if (!token_valid(state) || !token_valid(browser))
		return 0;
	token_hash(browser, h);
	db_stmt *st = db_query(d, "SELECT state, nonce, verifier, rally_id FROM oauth_states"
				  " WHERE state = $1 AND browser_hash = $2 AND created_at >= $3",
			       "tbi", state, h, sizeof h, now - LINE_STATE_TTL_MS);
	int rc = db_row(st);
	if (rc == DB_ROW) {
		out->state = arena_strdup(a, db_text(st, 0));
		out->nonce = arena_strdup(a, db_text(st, 1));
		out->verifier = arena_strdup(a, db_text(st, 2));
		out->rally_id = db_int(st, 3);
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int64_t line_login_rally(db *d, const char *state, int64_t now)
{
	if (!token_valid(state))
		return 0;
	return db_int1(d, 0, "SELECT rally_id FROM oauth_states WHERE state = $1 AND created_at >= $2", "ti", state,
		       now - LINE_STATE_TTL_MS);
}

int line_login_use(db *d, const char *state)
{
	if (db_exec(d, "DELETE FROM oauth_states WHERE state = $1", "t", state) != DB_DONE)
		return -1;
	return db_changes(d) == 1;
}

int participant_is_line(db *d, int64_t participant_id)
{
	return db_int1(d, 0, "SELECT line_sub IS NOT NULL FROM participants WHERE id = $1", "i", participant_id) == 1;
}

/* Take back what the dashboard counted for the anonymous participant from
 * that the merge into participant into makes untrue: its join, its
 * completion, the stamps that into already has (dropped by the merge, in
 * their hours and spots), and one of the two "first stamp"s (the later one)
 * when both had stamps.  Runs before the stamps move. */
static int uncount_merged(db *d, int64_t from, int64_t into)
{
	int64_t rally = db_int1(d, 0, "SELECT rally_id FROM participants WHERE id = $1", "i", from);
	int64_t first_from = db_int1(d, 0, "SELECT coalesce(min(created_at), 0) FROM stamps WHERE participant_id = $1", "i", from);
	int64_t first_into = db_int1(d, 0, "SELECT coalesce(min(created_at), 0) FROM stamps WHERE participant_id = $1", "i", into);
	int ok = db_exec(d, "UPDATE rally_hourly SET joins = joins - 1 WHERE rally_id = $1"
			    " AND hour = (SELECT created_at / 3600000 FROM participants WHERE id = $2)", "ii", rally, from) == DB_DONE;
	ok = ok && db_exec(d, "UPDATE rally_hourly SET completions = completions - 1 WHERE rally_id = $1"
			      " AND hour = (SELECT completed_at / 3600000 FROM participants WHERE id = $2 AND completed_at IS NOT NULL)",
			   "ii", rally, from) == DB_DONE;
	ok = ok && db_exec(d, "UPDATE rally_hourly SET stamps = stamps - dup.n"
			      " FROM (SELECT s.created_at / 3600000 AS hour, count(*) AS n FROM stamps s"
			      "       WHERE s.participant_id = $2 AND EXISTS (SELECT 1 FROM stamps t WHERE t.participant_id = $3"
			      "       AND t.spot_id = s.spot_id AND t.period = s.period) GROUP BY s.created_at / 3600000) AS dup"
			      " WHERE rally_hourly.rally_id = $1 AND rally_hourly.hour = dup.hour", "iii", rally, from, into) == DB_DONE;
	ok = ok && db_exec(d, "UPDATE spot_totals SET stamps = stamps - dup.n"
			      " FROM (SELECT s.spot_id, count(*) AS n FROM stamps s WHERE s.participant_id = $1"
			      "       AND EXISTS (SELECT 1 FROM stamps t WHERE t.participant_id = $2"
			      "       AND t.spot_id = s.spot_id AND t.period = s.period) GROUP BY s.spot_id) AS dup"
			      " WHERE spot_totals.spot_id = dup.spot_id", "ii", from, into) == DB_DONE;
	if (ok && first_from && first_into)
		ok = db_exec(d, "UPDATE rally_hourly SET first_stamps = first_stamps - 1 WHERE rally_id = $1 AND hour = $2", "ii",
			     rally, (first_from > first_into ? first_from : first_into) / 3600000) == DB_DONE;
	return ok ? 0 : -1;
}

/* Move the anonymous participant's stamps into the LINE participant
 * (skipping spots it already has), then remove the anonymous one; the
 * dashboard's counters are corrected first (uncount_merged). */
static int merge(db *d, int64_t from, int64_t into)
{
	if (uncount_merged(d, from, into) != 0)
		return -1;
	int rc = db_exec(d, "INSERT INTO stamps(participant_id, spot_id, method, created_at, period)"
			    " SELECT $2, spot_id, method, created_at, period FROM stamps WHERE participant_id = $1 AND true"
			    " ON CONFLICT (participant_id, spot_id, period) DO NOTHING", "ii", from, into);
	if (rc == DB_DONE)
		rc = db_exec(d, "DELETE FROM stamps WHERE participant_id = $1", "i", from);
	if (rc == DB_DONE)
		rc = db_exec(d, "DELETE FROM participants WHERE id = $1", "i", from);
	return rc == DB_DONE ? 0 : -1;
}

/* Set completed_at when every spot is now collected (the earliest time the
 * card was full is not known after a merge: the merge time is used). */
static int recompute_completion(db *d, int64_t participant_id, int64_t rally_id, int64_t now)
{
	int64_t total = rally_spot_count(d, rally_id);
	int64_t have = db_int1(d, 0, "SELECT count(DISTINCT spot_id) FROM stamps WHERE participant_id = $1", "i", participant_id);
	if (total <= 0 || have < total)
		return 0;
	if (db_exec(d, "UPDATE participants SET completed_at = $1 WHERE id = $2 AND completed_at IS NULL", "ii", now,
		    participant_id) != DB_DONE)
		return -1;
	/* completed by the merge: the dashboard counts it now */
	if (db_changes(d) == 1 &&
	    db_exec(d, "INSERT INTO rally_hourly(rally_id, hour, completions) VALUES ($1, $2, 1)"
		       " ON CONFLICT (rally_id, hour) DO UPDATE SET completions = rally_hourly.completions + 1", "ii", rally_id,
		    now / 3600000) != DB_DONE)
		return -1;
	return 0;
}

int line_link(db *d, arena *a, int64_t session_id, const struct rally *r, const char *sub, const char *name,
	      const char *picture, int64_t now, struct participant *out)
{
	if (db_begin(d) != 0)
		return -1;
	int64_t line_id = db_int1(d, 0, "SELECT id FROM participants WHERE rally_id = $1 AND line_sub = $2", "it", r->id, sub);
	int64_t anon_id = db_int1(d, 0, "SELECT id FROM participants WHERE rally_id = $1 AND session_id = $2", "ii", r->id,
				  session_id);
	const char *sealed = seal(a, name ? name : "");
	int ok = 1;
	if (line_id && anon_id && anon_id != line_id) {
		int anon_is_line = participant_is_line(d, anon_id);
		/* Another LINE user's card is not merged: this browser just switches. */
		ok = anon_is_line ? db_exec(d, "UPDATE participants SET session_id = NULL WHERE id = $1", "i", anon_id) == DB_DONE
				  : merge(d, anon_id, line_id) == 0;
	} else if (!line_id && anon_id) {
		if (participant_is_line(d, anon_id))
			ok = db_exec(d, "UPDATE participants SET session_id = NULL WHERE id = $1", "i", anon_id) == DB_DONE;
		else
			line_id = anon_id;
	}
	int64_t limit;
	if (ok && !line_id && quota_exceeded(d, r->tenant_id, QUOTA_PARTICIPANTS, r->id, 1, &limit)) {
		db_rollback(d);
		return 0; /* a new participant, and the rally is full */
	}
	if (ok && !line_id) {
		char pid[48];
		token_new(pid, sizeof pid, TOKEN_PUBLIC_BYTES);
		line_id = db_int1(d, -1, "INSERT INTO participants(public_id, rally_id, created_at, line_sub) VALUES ($1, $2, $3, $4)"
					 " RETURNING id", "tiit", pid, r->id, now, sub);
		char code[20];
		ok = line_id > 0 && participant_set_recovery(d, a, line_id, code, sizeof code) == 0 &&
		     db_exec(d, "INSERT INTO rally_hourly(rally_id, hour, joins) VALUES ($1, $2, 1)"
				" ON CONFLICT (rally_id, hour) DO UPDATE SET joins = rally_hourly.joins + 1", "ii", r->id, now / 3600000) == DB_DONE;
	}
	/* This browser's session now holds the LINE participant (another phone's
	 * session, if any, lets go of it). */
	ok = ok && db_exec(d, "UPDATE participants SET line_sub = $1, line_name = $2, line_picture = $3, session_id = $4"
			      " WHERE id = $5", "tttii", sub, sealed, seal(a, picture ? picture : ""), session_id, line_id) == DB_DONE;
	ok = ok && recompute_completion(d, line_id, r->id, now) == 0;
	if (!ok) {
		db_rollback(d);
		return -1;
	}
	if (db_commit(d) != 0)
		return -1;
	return participant_find(d, a, session_id, r->id, out) == 1 ? 1 : -1;
}

const char *participant_line_name(db *d, arena *a, int64_t participant_id)
{
	char *s = db_text1(d, "SELECT line_name FROM participants WHERE id = $1", "i", participant_id);
	const char *name = s && *s ? unseal(a, s) : NULL;
	free(s);
	return name;
}
