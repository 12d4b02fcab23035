/*
 * rallycopy.c — see rallycopy.h.
 */
#include "core/rallycopy.h"

#include "lib/token.h"

/* The ids of the rally's spots in use (or tiers), in order, into ids[0..max). Count or -1. */
static int ids_of(db *d, const char *sql, int64_t rally_id, int64_t *ids, int max)
{
	db_stmt *st = db_query(d, sql, "i", rally_id);
	int n = 0, rc;
	while ((rc = db_row(st)) == DB_ROW && n < max)
		ids[n++] = db_int(st, 0);
	db_done(st);
	return rc == DB_ROW || rc == DB_DONE ? n : -1;
}

#define COPY_MAX 1000 /* spots or tiers of one rally (the editor's limits are far lower) */

/* Copy each spot in use of from into to with new public ids and QR tokens. 0 or -1. */
static int copy_spots(db *d, int64_t from, int64_t to, int64_t now)
{
	int64_t ids[COPY_MAX]; /* 8 KB of stack */
	int n = ids_of(d, "SELECT id FROM spots WHERE rally_id = $1 AND disabled_at IS NULL ORDER BY position, id", from, ids,
		       COPY_MAX);
	for (int i = 0; i < n; i++) {
		char pid[48], qr[48];
		token_new(pid, sizeof pid, TOKEN_PUBLIC_BYTES);
		token_new(qr, sizeof qr, TOKEN_QR_BYTES);
		if (db_exec(d,
			    "INSERT INTO spots(rally_id, public_id, name, description, position, qr_token, created_at, updated_at,"
			    " image_id, stamp_image_id, latitude, longitude, radius_m, category, methods, keyword_hash, pin_hash,"
			    " repeat_mode, repeat_hours, open_from, open_until)"
			    " SELECT $1, $2, name, description, position, $3, $4, $4, image_id, stamp_image_id, latitude, longitude,"
			    " radius_m, category, methods, keyword_hash, pin_hash, repeat_mode, repeat_hours, open_from, open_until"
			    " FROM spots WHERE id = $5",
			    "ittii", to, pid, qr, now, ids[i]) != DB_DONE)
			return -1;
	}
	return n < 0 ? -1 : 0;
}

/* Copy the reward tiers of from into to with new public ids. 0 or -1. */
static int copy_tiers(db *d, int64_t from, int64_t to, int64_t now)
{
	int64_t ids[COPY_MAX];
	int n = ids_of(d, "SELECT id FROM reward_tiers WHERE rally_id = $1 ORDER BY position, id", from, ids, COPY_MAX);
	for (int i = 0; i < n; i++) {
		char pid[48];
		token_new(pid, sizeof pid, TOKEN_PUBLIC_BYTES);
		if (db_exec(d,
			    "INSERT INTO reward_tiers(public_id, rally_id, position, name, description, kind, condition, threshold,"
			    " category, stock, form, created_at)"
			    " SELECT $1, $2, position, name, description, kind, condition, threshold, category, stock, form, $3"
			    " FROM reward_tiers WHERE id = $4",
			    "tiii", pid, to, now, ids[i]) != DB_DONE)
			return -1;
	}
	return n < 0 ? -1 : 0;
}

int64_t rally_duplicate(db *d, int64_t rally_id, const char *slug, const char *title, int64_t now)
{
	if (db_int1(d, 0, "SELECT count(*) FROM rallies WHERE slug = $1", "t", slug))
		return 0;
	int64_t id = db_int1(d, -1,
			     "INSERT INTO rallies(tenant_id, slug, title, description, starts_at, ends_at, status, created_at,"
			     " updated_at, cover_image_id, theme_primary, theme_accent, theme_background, passcode_hash, join_policy)"
			     " SELECT tenant_id, $1, $2, description, starts_at, ends_at, 'draft', $3, $3, cover_image_id,"
			     " theme_primary, theme_accent, theme_background, passcode_hash, join_policy FROM rallies WHERE id = $4"
			     " RETURNING id",
			     "ttii", slug, title, now, rally_id);
	if (id <= 0 || copy_spots(d, rally_id, id, now) != 0 || copy_tiers(d, rally_id, id, now) != 0)
		return -1;
	return id;
}

int rally_delete_draft(db *d, int64_t rally_id)
{
	int64_t ok = db_int1(d, -1,
			     "SELECT status = 'draft' AND NOT EXISTS (SELECT 1 FROM participants WHERE rally_id = $1)"
			     " FROM rallies WHERE id = $1",
			     "i", rally_id);
	if (ok != 1)
		return ok < 0 ? -1 : 0;
	static const char *const sql[] = {
		"DELETE FROM spot_totals WHERE spot_id IN (SELECT id FROM spots WHERE rally_id = $1)",
		"DELETE FROM spots WHERE rally_id = $1",
		"DELETE FROM reward_tiers WHERE rally_id = $1",
		"DELETE FROM rally_hourly WHERE rally_id = $1",
		"DELETE FROM oauth_states WHERE rally_id = $1",
		"DELETE FROM rallies WHERE id = $1",
	};
	for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
		if (db_exec(d, sql[i], "i", rally_id) != DB_DONE)
			return -1;
	return 1;
}

int64_t rally_preview_count(db *d, int64_t rally_id)
{
	return db_int1(d, 0, "SELECT count(*) FROM participants WHERE rally_id = $1 AND preview = 1", "i", rally_id);
}

#define PREVIEWERS "(SELECT id FROM participants WHERE rally_id = $1 AND preview = 1)"

int64_t rally_preview_clear(db *d, int64_t rally_id)
{
	int64_t n = rally_preview_count(d, rally_id);
	static const char *const sql[] = {
		"UPDATE reward_tiers SET stock = stock + (SELECT count(*) FROM rewards w WHERE w.tier_id = reward_tiers.id"
		" AND w.participant_id IN " PREVIEWERS ") WHERE rally_id = $1 AND kind = 'first_come'",
		"DELETE FROM stamps WHERE participant_id IN " PREVIEWERS,
		"DELETE FROM rewards WHERE participant_id IN " PREVIEWERS,
		"DELETE FROM lottery_entries WHERE participant_id IN " PREVIEWERS,
		"DELETE FROM participants WHERE rally_id = $1 AND preview = 1",
	};
	for (size_t i = 0; n > 0 && i < sizeof sql / sizeof sql[0]; i++)
		if (db_exec(d, sql[i], "i", rally_id) != DB_DONE)
			return -1;
	return n;
}
