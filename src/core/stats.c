/*
 * stats.c — see stats.h.
 */
#include "core/stats.h"

#include <string.h>

int stats_totals(db *d, int64_t rally_id, struct rally_totals *out)
{
	db_stmt *st = db_query(d, "SELECT coalesce(sum(joins), 0), coalesce(sum(first_stamps), 0), coalesce(sum(stamps), 0),"
				  " coalesce(sum(completions), 0) FROM rally_hourly WHERE rally_id = $1", "i", rally_id);
	int rc = db_row(st);
	memset(out, 0, sizeof *out);
	if (rc == DB_ROW) {
		out->participants = db_int(st, 0);
		out->first_stamps = db_int(st, 1);
		out->stamps = db_int(st, 2);
		out->completions = db_int(st, 3);
	}
	db_done(st);
	return rc == DB_ROW ? 0 : -1;
}

int stats_hours(db *d, int64_t rally_id, int64_t from, size_t n, int64_t *stamps, int64_t *joins)
{
	memset(stamps, 0, n * sizeof *stamps);
	memset(joins, 0, n * sizeof *joins);
	db_stmt *st = db_query(d, "SELECT hour, stamps, joins FROM rally_hourly WHERE rally_id = $1 AND hour >= $2 AND hour < $3",
			       "iii", rally_id, from, from + (int64_t)n);
	int rc;
	while ((rc = db_row(st)) == DB_ROW) {
		int64_t h = db_int(st, 0) - from;
		stamps[h] = db_int(st, 1);
		joins[h] = db_int(st, 2);
	}
	db_done(st);
	return rc == DB_DONE ? 0 : -1;
}

int stats_spots(db *d, arena *a, int64_t rally_id, const char ***names, int64_t **counts, size_t *n)
{
	size_t cap = 16, k = 0;
	const char **nv = arena_alloc(a, cap * sizeof *nv);
	int64_t *cv = arena_alloc(a, cap * sizeof *cv);
	db_stmt *st = db_query(d, "SELECT s.name, coalesce(t.stamps, 0) FROM spots s LEFT JOIN spot_totals t ON t.spot_id = s.id"
				  " WHERE s.rally_id = $1 ORDER BY s.position, s.id", "i", rally_id);
	int rc;
	while ((rc = db_row(st)) == DB_ROW) {
		if (k == cap) {
			const char **nn = arena_alloc(a, 2 * cap * sizeof *nn);
			int64_t *nc = arena_alloc(a, 2 * cap * sizeof *nc);
			memcpy(nn, nv, cap * sizeof *nv);
			memcpy(nc, cv, cap * sizeof *cv);
			nv = nn;
			cv = nc;
			cap *= 2;
		}
		nv[k] = arena_strdup(a, db_text(st, 0));
		cv[k++] = db_int(st, 1);
	}
	db_done(st);
	*names = nv;
	*counts = cv;
	*n = k;
	return rc == DB_DONE ? 0 : -1;
}

/* A join that keeps rows of preview participants (0019, test data) out. */
#define NOT_PREVIEW(t) " JOIN participants pv ON pv.id = " t ".participant_id AND pv.preview = 0"

int stats_tiers(db *d, arena *a, int64_t rally_id, struct tier_stats **out)
{
	int n = (int)db_int1(d, 0, "SELECT count(*) FROM reward_tiers WHERE rally_id = $1", "i", rally_id), k = 0;
	*out = arena_alloc(a, (size_t)(n + 1) * sizeof **out);
	db_stmt *st = db_query(d, "SELECT t.name, t.kind, coalesce(t.stock, -1),"
				  " CASE WHEN t.kind = 'lottery' THEN (SELECT count(*) FROM lottery_entries e" NOT_PREVIEW("e") " WHERE e.tier_id = t.id)"
				  "      ELSE (SELECT count(*) FROM rewards w" NOT_PREVIEW("w") " WHERE w.tier_id = t.id) END,"
				  " (SELECT count(*) FROM rewards w" NOT_PREVIEW("w") " WHERE w.tier_id = t.id AND w.redeemed_at IS NOT NULL)"
				  " FROM reward_tiers t WHERE t.rally_id = $1 ORDER BY t.position, t.id", "i", rally_id);
	int rc;
	while (k < n && (rc = db_row(st)) == DB_ROW) {
		struct tier_stats *t = &(*out)[k++];
		t->name = arena_strdup(a, db_text(st, 0));
		t->kind = (enum tier_kind)tier_kind_parse(db_text(st, 1));
		t->stock = db_int(st, 2);
		t->issued = db_int(st, 3);
		t->redeemed = db_int(st, 4);
	}
	db_done(st);
	return k;
}

int64_t stats_applied(db *d, int64_t rally_id)
{
	return db_int1(d, 0, "SELECT count(DISTINCT e.participant_id) FROM lottery_entries e"
			     " JOIN reward_tiers t ON t.id = e.tier_id" NOT_PREVIEW("e") " WHERE t.rally_id = $1", "i", rally_id);
}
