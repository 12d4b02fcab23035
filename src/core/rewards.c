/*
 * rewards.c — see rewards.h.
 */
#include "core/rewards.h"

#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "lib/token.h"

#define TIER_COLS "t.id, t.rally_id, t.threshold, coalesce(t.stock, -1), t.public_id, t.name, t.description, t.kind," \
		  " t.condition, t.category"

int tiers_load(db *d, arena *a, int64_t rally_id, int64_t pid, struct tier **out)
{
	int cap = 8, n = 0, rc;
	struct tier *v = arena_alloc(a, (size_t)cap * sizeof *v);
	db_stmt *st = db_query(d, "SELECT " TIER_COLS ", r.code, r.earned_at, coalesce(r.redeemed_at, 0),"
				  " (SELECT count(*) FROM spots s WHERE s.rally_id = t.rally_id AND s.category = t.category"
				  "   AND s.disabled_at IS NULL),"
				  " (SELECT count(DISTINCT x.spot_id) FROM stamps x JOIN spots s ON s.id = x.spot_id"
				  "   WHERE x.participant_id = $2 AND s.category = t.category AND s.disabled_at IS NULL),"
				  " t.form, coalesce(e.number, 0), coalesce(e.created_at, 0), coalesce(e.won_rank, 0),"
				  " t.kind = 'lottery' AND EXISTS (SELECT 1 FROM lottery_draws d WHERE d.tier_id = t.id),"
				  " coalesce(t.entries_until, (SELECT ends_at FROM rallies WHERE id = t.rally_id)), t.entries_until IS NOT NULL"
				  " FROM reward_tiers t LEFT JOIN rewards r ON r.tier_id = t.id AND r.participant_id = $2"
				  " LEFT JOIN lottery_entries e ON e.tier_id = t.id AND e.participant_id = $2"
				  " WHERE t.rally_id = $1 ORDER BY t.position, t.id", "ii", rally_id, pid);
	while ((rc = db_row(st)) == DB_ROW) {
		if (n == cap) {
			struct tier *nv = arena_alloc(a, (size_t)cap * 2 * sizeof *nv);
			memcpy(nv, v, (size_t)cap * sizeof *v);
			v = nv;
			cap *= 2;
		}
		struct tier *t = &v[n++];
		t->id = db_int(st, 0);
		t->rally_id = db_int(st, 1);
		t->threshold = db_int(st, 2);
		t->stock = db_int(st, 3);
		t->public_id = arena_strdup(a, db_text(st, 4));
		t->name = arena_strdup(a, db_text(st, 5));
		t->description = arena_strdup(a, db_text(st, 6));
		t->kind = (enum tier_kind)tier_kind_parse(db_text(st, 7));                /* CHECKed by the schema */
		t->condition = (enum tier_condition)tier_condition_parse(db_text(st, 8));
		t->category = arena_strdup(a, db_text(st, 9));
		t->reward_code = db_is_null(st, 10) ? NULL : arena_strdup(a, db_text(st, 10));
		t->earned_at = db_int(st, 11);
		t->redeemed_at = db_int(st, 12);
		t->need = db_int(st, 13); /* category: the spots of the category, and mine */
		t->have = db_int(st, 14);
		t->form = arena_strdup(a, db_text(st, 15));
		t->entry_number = db_int(st, 16);
		t->entry_at = db_int(st, 17);
		t->won_rank = db_int(st, 18);
		t->drawn = (int)db_int(st, 19);
		t->entries_until = db_int(st, 20);
		t->deadline_set = (int)db_int(st, 21);
	}
	db_done(st);
	if (n == 0 || rc != DB_DONE) {
		*out = v;
		return rc == DB_DONE ? n : -1;
	}
	/* Counted only when the rally has tiers: the card page is a hot path. */
	int64_t total = rally_spot_count(d, rally_id);
	int64_t have_all = pid ? db_int1(d, 0, "SELECT count(*) FROM stamps WHERE participant_id = $1", "i", pid) : 0;
	int64_t have_spots = pid ? db_int1(d, 0, "SELECT count(DISTINCT x.spot_id) FROM stamps x JOIN spots s ON s.id = x.spot_id"
						 " WHERE x.participant_id = $1 AND s.disabled_at IS NULL", "i", pid) : 0;
	/* A participant who completed keeps "all spots" rewards when spots are added later. */
	int completed = pid && db_int1(d, 0, "SELECT completed_at IS NOT NULL FROM participants WHERE id = $1", "i", pid) == 1;
	for (int i = 0; i < n; i++) {
		struct tier *t = &v[i];
		if (t->condition == COND_COUNT) {
			t->need = t->threshold;
			t->have = have_all;
		} else if (t->condition == COND_ALL) {
			t->need = total;
			t->have = completed ? total : have_spots;
		}
		if (t->have > t->need)
			t->have = t->need;
	}
	*out = v;
	return rc == DB_DONE ? n : -1;
}

int64_t tier_create(db *d, int64_t rally_id, const char *name, const char *description, enum tier_kind k,
		    enum tier_condition c, int64_t threshold, const char *category, int64_t stock, const char *form,
		    int64_t now)
{
	const char *kind = tier_kind_name(k), *condition = tier_condition_name(c);
	char pid[48];
	token_new(pid, sizeof pid, TOKEN_PUBLIC_BYTES);
	int64_t pos = db_int1(d, 0, "SELECT count(*) FROM reward_tiers WHERE rally_id = $1", "i", rally_id) + 1;
	return stock >= 0 ? db_int1(d, -1,
				    "INSERT INTO reward_tiers(public_id, rally_id, position, name, description, kind, condition,"
				    " threshold, category, stock, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
				    " RETURNING id", "tiittttitii", pid, rally_id, pos, name, description, kind, condition,
				    threshold, category, stock, now)
			  : db_int1(d, -1,
				    "INSERT INTO reward_tiers(public_id, rally_id, position, name, description, kind, condition,"
				    " threshold, category, form, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
				    " RETURNING id", "tiittttitti", pid, rally_id, pos, name, description, kind, condition,
				    threshold, category, form ? form : "{}", now);
}

int tier_update(db *d, int64_t tier_id, const char *name, int64_t threshold, int64_t stock, const char *form)
{
	if (form) {
		if (db_exec(d, "UPDATE reward_tiers SET form = $1 WHERE id = $2 AND kind = 'lottery'"
			       " AND NOT EXISTS (SELECT 1 FROM lottery_entries WHERE tier_id = $2)", "ti", form, tier_id) != DB_DONE)
			return -1;
		if (db_changes(d) != 1)
			return 1;
	}
	if (db_exec(d, "UPDATE reward_tiers SET name = $1, threshold = CASE WHEN condition = 'count' THEN $2 ELSE threshold END"
		       " WHERE id = $3", "tii", name, threshold, tier_id) != DB_DONE)
		return -1;
	if (stock >= 0 &&
	    db_exec(d, "UPDATE reward_tiers SET stock = $1 WHERE id = $2 AND kind = 'first_come'", "ii", stock, tier_id) != DB_DONE)
		return -1;
	return 0;
}

int tier_set_deadline(db *d, int64_t tier_id, int64_t until)
{
	return db_exec(d, "UPDATE reward_tiers SET entries_until = nullif($1, 0) WHERE id = $2 AND kind = 'lottery'", "ii",
		       until, tier_id) == DB_DONE
		       ? 0
		       : -1;
}

int lottery_open(const struct tier *t, const struct rally *ra, int64_t now)
{
	enum rally_state s = rally_state(ra, now);
	return !t->drawn && now < t->entries_until && (s == RALLY_OPEN || s == RALLY_ENDED);
}

int tier_delete(db *d, int64_t tier_id)
{
	int64_t used = db_int1(d, -1, "SELECT (SELECT count(*) FROM rewards WHERE tier_id = $1)"
				      " + (SELECT count(*) FROM lottery_entries WHERE tier_id = $1)", "i", tier_id);
	if (used != 0)
		return used > 0 ? 0 : -1;
	return db_exec(d, "DELETE FROM reward_tiers WHERE id = $1", "i", tier_id) == DB_DONE ? 1 : -1;
}

/* An 8-symbol code for the desk, from the unambiguous alphabet. */
static void new_code(char *out, size_t n)
{
	static const char A[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
	char c[9];
	for (int i = 0; i < 8; i++)
		c[i] = A[randombytes_uniform(sizeof A - 1)];
	c[8] = '\0';
	snprintf(out, n, "%.4s-%.4s", c, c + 4);
}

int reward_code_normalise(const char *in, char out[REWARD_CODE_SIZE])
{
	char c[9];
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		unsigned ch = *p;
		/* full-width ASCII (U+FF01..U+FF5E: EF BC 81..EF BD 9E), as a
		 * Japanese keyboard types it */
		if (p[0] == 0xEF && (p[1] == 0xBC || p[1] == 0xBD) && p[2] >= 0x80 && p[2] <= 0xBF) {
			unsigned cp = 0xF000u | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
			ch = cp >= 0xFF01 && cp <= 0xFF5E ? cp - 0xFEE0 : 0;
			p += 2;
		} else if (p[0] == 0xE3 && ((p[1] == 0x80 && p[2] == 0x80) || (p[1] == 0x83 && p[2] == 0xBC))) {
			ch = ' '; /* the ideographic space, ー typed for the hyphen */
			p += 2;
		}
		if (ch >= 'a' && ch <= 'z')
			ch -= 32;
		if ((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z')) {
			if (n == 8)
				return -1;
			c[n++] = (char)ch;
		} else if (ch >= 0x80 || !(ch == ' ' || ch == '-' || ch == '\t')) {
			return -1; /* not a code: no guessing what was meant */
		}
	}
	if (n != 8)
		return -1;
	snprintf(out, REWARD_CODE_SIZE, "%.4s-%.4s", c, c + 4);
	return 0;
}

enum take_result reward_take(db *d, const struct tier *t, int64_t pid, int64_t now, char *code, size_t codesz)
{
	if (t->reward_code) {
		snprintf(code, codesz, "%s", t->reward_code);
		return TAKE_ALREADY;
	}
	if (t->need <= 0 || t->have < t->need)
		return TAKE_NOT_EARNED;
	if (t->kind == TIER_FIRST_COME) {
		if (db_exec(d, "UPDATE reward_tiers SET stock = stock - 1 WHERE id = $1 AND stock > 0", "i", t->id) != DB_DONE)
			return TAKE_ERROR;
		if (db_changes(d) != 1)
			return TAKE_SOLD_OUT;
	}
	for (int attempt = 0; attempt < 3; attempt++) {
		new_code(code, codesz);
		int rc = db_exec(d, "INSERT INTO rewards(tier_id, participant_id, code, earned_at) VALUES ($1, $2, $3, $4)", "iiti",
				 t->id, pid, code, now);
		if (rc == DB_DONE)
			return TAKE_OK;
		if (rc != DB_CONSTRAINT)
			return TAKE_ERROR;
		char *existing = db_text1(d, "SELECT code FROM rewards WHERE tier_id = $1 AND participant_id = $2", "ii", t->id, pid);
		if (existing) {
			snprintf(code, codesz, "%s", existing);
			free(existing);
			return TAKE_ALREADY;
		}
	}
	return TAKE_ERROR;
}

int reward_by_code(db *d, arena *a, const char *code, struct reward *out)
{
	db_stmt *st = db_query(d, "SELECT w.id, w.participant_id, t.rally_id, w.earned_at, coalesce(w.redeemed_at, 0), w.code,"
				  " t.name, t.kind, r.slug, r.title FROM rewards w JOIN reward_tiers t ON t.id = w.tier_id"
				  " JOIN rallies r ON r.id = t.rally_id WHERE w.code = $1", "t", code);
	int rc = db_row(st);
	if (rc == DB_ROW) {
		out->id = db_int(st, 0);
		out->participant_id = db_int(st, 1);
		out->rally_id = db_int(st, 2);
		out->earned_at = db_int(st, 3);
		out->redeemed_at = db_int(st, 4);
		out->code = arena_strdup(a, db_text(st, 5));
		out->tier_name = arena_strdup(a, db_text(st, 6));
		out->tier_kind = (enum tier_kind)tier_kind_parse(db_text(st, 7));
		out->rally_slug = arena_strdup(a, db_text(st, 8));
		out->rally_title = arena_strdup(a, db_text(st, 9));
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int reward_redeem(db *d, int64_t reward_id, int64_t now, int64_t *when)
{
	if (db_exec(d, "UPDATE rewards SET redeemed_at = $1 WHERE id = $2 AND redeemed_at IS NULL", "ii", now, reward_id) != DB_DONE)
		return -1;
	if (db_changes(d) == 1) {
		*when = now;
		return 1;
	}
	*when = db_int1(d, 0, "SELECT redeemed_at FROM rewards WHERE id = $1", "i", reward_id);
	return 0;
}
