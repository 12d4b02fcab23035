/*
 * rally.c — see rally.h.
 */
#include "core/rally.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/methods.h"
#include "core/spotcache.h"
#include "lib/timeutil.h"

#define RALLY_COLS "r.id, r.tenant_id, r.slug, r.title, r.description, r.status, r.starts_at, r.ends_at, r.join_policy, " \
		   "r.spots_version, (SELECT t.suspended_at IS NOT NULL FROM tenants t WHERE t.id = r.tenant_id), " \
		   "r.theme_primary"

/* Copy the RALLY_COLS columns starting at col into *out. */
static void read_rally(db_stmt *st, arena *a, int col, struct rally *out)
{
	out->id = db_int(st, col);
	out->tenant_id = db_int(st, col + 1);
	out->slug = arena_strdup(a, db_text(st, col + 2));
	out->title = arena_strdup(a, db_text(st, col + 3));
	out->description = arena_strdup(a, db_text(st, col + 4));
	out->status = (enum rally_status)rally_status_parse(db_text(st, col + 5)); /* CHECKed by the schema */
	out->starts_at = db_int(st, col + 6);
	out->ends_at = db_int(st, col + 7);
	out->join_policy = (enum join_policy)join_policy_parse(db_text(st, col + 8));
	out->spots_version = db_int(st, col + 9);
	out->suspended = db_int(st, col + 10) != 0;
	out->preview = 0; /* set by the web layer for its organizer (web/common.c) */
	snprintf(out->primary, sizeof out->primary, "%s", db_text(st, col + 11));
}

#define SPOT_COLS "s.id, s.rally_id, s.public_id, s.name, s.description, s.qr_token, s.position, " \
		  "(SELECT public_id FROM images WHERE id = s.image_id), " \
		  "(SELECT public_id FROM images WHERE id = s.stamp_image_id), " \
		  "coalesce(s.open_from, -1), coalesce(s.open_until, -1), s.repeat_mode, s.repeat_hours, s.methods, " \
		  "s.disabled_at IS NOT NULL"
#define SPOT_NCOLS 15

static void read_spot(db_stmt *st, arena *a, int col, struct spot *out)
{
	out->id = db_int(st, col);
	out->rally_id = db_int(st, col + 1);
	out->public_id = arena_strdup(a, db_text(st, col + 2));
	out->name = arena_strdup(a, db_text(st, col + 3));
	out->description = arena_strdup(a, db_text(st, col + 4));
	out->qr_token = arena_strdup(a, db_text(st, col + 5));
	out->position = (int)db_int(st, col + 6);
	out->image = db_is_null(st, col + 7) ? NULL : arena_strdup(a, db_text(st, col + 7));
	out->stamp_image = db_is_null(st, col + 8) ? NULL : arena_strdup(a, db_text(st, col + 8));
	out->open_from = (int)db_int(st, col + 9);
	out->open_until = (int)db_int(st, col + 10);
	int repeat = repeat_mode_parse(db_text(st, col + 11));
	out->repeat_mode = repeat < 0 ? REPEAT_ONCE : (enum repeat_mode)repeat;
	out->repeat_hours = db_int(st, col + 12);
	out->methods = methods_mask(db_text(st, col + 13));
	out->disabled = (int)db_int(st, col + 14);
}

int rally_by_slug(db *d, arena *a, const char *slug, struct rally *out)
{
	db_stmt *st = db_query(d, "SELECT " RALLY_COLS " FROM rallies r WHERE r.slug = $1", "t", slug);
	int rc = db_row(st);
	if (rc == DB_ROW)
		read_rally(st, a, 0, out);
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int rally_by_id(db *d, arena *a, int64_t id, struct rally *out)
{
	db_stmt *st = db_query(d, "SELECT " RALLY_COLS " FROM rallies r WHERE r.id = $1", "i", id);
	int rc = db_row(st);
	if (rc == DB_ROW)
		read_rally(st, a, 0, out);
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int rally_spots(db *d, arena *a, const struct rally *r, struct spot **out, size_t *n)
{
	if (spotcache_get(r->id, r->spots_version, a, out, n))
		return 0;
	size_t cap = 16, k = 0;
	struct spot *v = arena_alloc(a, cap * sizeof *v);
	db_stmt *st = db_query(d, "SELECT " SPOT_COLS " FROM spots s WHERE s.rally_id = $1 AND s.disabled_at IS NULL"
				  " ORDER BY s.position, s.id",
			       "i", r->id);
	int rc;
	while ((rc = db_row(st)) == DB_ROW) {
		if (k == cap) {
			struct spot *nv = arena_alloc(a, 2 * cap * sizeof *nv);
			memcpy(nv, v, cap * sizeof *nv);
			v = nv;
			cap *= 2;
		}
		read_spot(st, a, 0, &v[k++]);
	}
	db_done(st);
	if (rc != DB_DONE)
		return -1;
	spotcache_put(r->id, r->spots_version, v, k);
	*out = v;
	*n = k;
	return 0;
}

int spot_by_token(db *d, arena *a, const char *token, struct spot *spot, struct rally *rally)
{
	db_stmt *st = db_query(d, "SELECT " SPOT_COLS ", " RALLY_COLS
				  " FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE s.qr_token = $1 AND s.disabled_at IS NULL",
			       "t", token);
	int rc = db_row(st);
	if (rc == DB_ROW) {
		read_spot(st, a, 0, spot);
		read_rally(st, a, SPOT_NCOLS, rally);
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int spot_by_public_id(db *d, arena *a, const char *public_id, struct spot *spot, struct rally *rally)
{
	int rc = spot_by_public_id_any(d, a, public_id, spot, rally);
	return rc == 1 && spot->disabled ? 0 : rc;
}

int spot_by_public_id_any(db *d, arena *a, const char *public_id, struct spot *spot, struct rally *rally)
{
	db_stmt *st = db_query(d, "SELECT " SPOT_COLS ", " RALLY_COLS
				  " FROM spots s JOIN rallies r ON r.id = s.rally_id WHERE s.public_id = $1",
			       "t", public_id);
	int rc = db_row(st);
	if (rc == DB_ROW) {
		read_spot(st, a, 0, spot);
		read_rally(st, a, SPOT_NCOLS, rally);
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int64_t rally_spot_count(db *d, int64_t rally_id)
{
	return db_int1(d, 0, "SELECT count(*) FROM spots WHERE rally_id = $1 AND disabled_at IS NULL", "i", rally_id);
}

int64_t rally_participant_count(db *d, int64_t rally_id)
{
	return db_int1(d, -1, "SELECT count(*) FROM participants WHERE rally_id = $1", "i", rally_id);
}

const char *spot_public_id(db *d, arena *a, int64_t spot_id)
{
	return db_text1a(d, a, "SELECT public_id FROM spots WHERE id = $1", "i", spot_id);
}

int spot_open(const struct spot *s, int64_t now)
{
	if (s->open_from < 0 || s->open_until < 0 || s->open_from == s->open_until)
		return 1; /* no hours set (an empty window cannot be saved) */
	int minute = (int)(((now + JST_OFFSET_MS) / 60000) % 1440);
	if (s->open_from <= s->open_until)
		return minute >= s->open_from && minute < s->open_until;
	return minute >= s->open_from || minute < s->open_until; /* across midnight */
}

enum rally_state rally_state(const struct rally *r, int64_t now)
{
	if (r->suspended)
		return RALLY_SUSPENDED;
	if (r->status == STATUS_DRAFT)
		return r->preview ? RALLY_OPEN : RALLY_DRAFT;
	if (r->status != STATUS_PUBLISHED)
		return RALLY_CLOSED;
	if (now < r->starts_at)
		return RALLY_NOT_STARTED;
	if (now >= r->ends_at)
		return RALLY_ENDED;
	return RALLY_OPEN;
}

const char *rally_state_code(enum rally_state s)
{
	static const char *codes[] = {"open", "draft", "not_started", "ended", "closed", "suspended", "full"};
	return codes[s];
}

int rally_list_public(db *d, arena *a, struct rally *out, int max)
{
	db_stmt *st = db_query(d, "SELECT " RALLY_COLS " FROM rallies r WHERE r.status <> 'draft'"
				  " ORDER BY r.starts_at DESC, r.id DESC LIMIT $1",
			       "i", (int64_t)max);
	int n = 0, rc;
	while ((rc = db_row(st)) == DB_ROW)
		read_rally(st, a, 0, &out[n++]);
	db_done(st);
	return rc == DB_DONE ? n : -1;
}

int rally_list_tenant(db *d, arena *a, int64_t tenant_id, struct rally **out)
{
	int cap = 16, n = 0, rc;
	struct rally *v = arena_alloc(a, (size_t)cap * sizeof *v);
	db_stmt *st = db_query(d, "SELECT " RALLY_COLS " FROM rallies r WHERE r.tenant_id = $1"
				  " ORDER BY r.starts_at DESC, r.id DESC", "i", tenant_id);
	while ((rc = db_row(st)) == DB_ROW) {
		if (n == cap) {
			struct rally *nv = arena_alloc(a, (size_t)cap * 2 * sizeof *nv);
			memcpy(nv, v, (size_t)cap * sizeof *v);
			v = nv;
			cap *= 2;
		}
		read_rally(st, a, 0, &v[n++]);
	}
	db_done(st);
	*out = v;
	return rc == DB_DONE ? n : -1;
}

int rally_slug_valid(const char *s)
{
	size_t n = 0;
	if (!s || s[0] == '-')
		return 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '-') || n >= 64)
			return 0;
	return n > 0;
}

int spot_positions(db *d, int64_t rally_id, void (*fn)(const char *public_id, double lat, double lon, void *ud), void *ud)
{
	db_stmt *st = db_query(d,
			       "SELECT public_id, latitude, longitude FROM spots WHERE rally_id = $1 AND disabled_at IS NULL"
			       " AND latitude IS NOT NULL AND longitude IS NOT NULL",
			       "i", rally_id);
	int rc;
	while ((rc = db_row(st)) == DB_ROW)
		fn(db_text(st, 0), db_double(st, 1), db_double(st, 2), ud);
	db_done(st);
	return rc == DB_DONE ? 0 : -1;
}
