/*
 * import.c — see import.h.  Validation happens completely before the first
 * write; the writes happen in one transaction.
 */
#include "core/import.h"
#include "core/tenant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rally.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "lib/utf8.h"

#define MAX_SPOTS 200

struct spot_in {
	const char *name, *description;
	int has_position;     /* latitude and longitude given */
	double lat, lon;
};

struct doc {
	const char *tenant, *tenant_name, *slug, *title, *description, *status;
	int64_t starts_at, ends_at;
	struct spot_in spots[MAX_SPOTS];
	size_t nspots;
};

/* Fetch a string member with a length limit (in characters). NULL on error. */
static const char *str_member(const json_t *o, const char *key, int required, size_t maxchars, char *err,
			      size_t errsz, const char *where)
{
	const json_t *v = json_object_get(o, key);
	if (!v && !required)
		return "";
	if (!json_is_string(v)) {
		snprintf(err, errsz, "%s%s: a string is required", where, key);
		return NULL;
	}
	const char *s = json_string_value(v);
	size_t n = utf8_chars(s);
	if ((required && n == 0) || n > maxchars) {
		snprintf(err, errsz, "%s%s: must be 1 to %zu characters", where, key, maxchars);
		return NULL;
	}
	if (memchr(s, '\0', json_string_length(v)) || !utf8_printable(s)) {
		snprintf(err, errsz, "%s%s: contains control characters", where, key);
		return NULL;
	}
	return s;
}

static int parse_time(const json_t *o, const char *key, int64_t *out, char *err, size_t errsz)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s || time_parse_iso(s, out) != 0) {
		snprintf(err, errsz, "%s: an ISO 8601 time with offset is required, e.g. 2026-04-01T10:00:00+09:00", key);
		return -1;
	}
	return 0;
}

/* Check doc completely and fill d. */
static int parse_doc(const json_t *j, struct doc *d, char *err, size_t errsz)
{
	if (!json_is_object(j)) {
		snprintf(err, errsz, "the document must be a JSON object");
		return -1;
	}
	if (!(d->tenant = str_member(j, "tenant", 1, 64, err, errsz, "")) ||
	    !(d->tenant_name = str_member(j, "tenant_name", 0, 200, err, errsz, "")) ||
	    !(d->slug = str_member(j, "slug", 1, 64, err, errsz, "")) ||
	    !(d->title = str_member(j, "title", 1, 200, err, errsz, "")) ||
	    !(d->description = str_member(j, "description", 1, 5000, err, errsz, "")) ||
	    !(d->status = str_member(j, "status", 1, 16, err, errsz, "")))
		return -1;
	if (!rally_slug_valid(d->tenant) || !rally_slug_valid(d->slug)) {
		snprintf(err, errsz, "tenant and slug: 1 to 64 of a-z, 0-9 and '-', not starting with '-'");
		return -1;
	}
	int status = rally_status_parse(d->status);
	if (status < 0 || status == STATUS_ARCHIVED) {
		snprintf(err, errsz, "status: one of draft, published, closed");
		return -1;
	}
	if (parse_time(j, "starts_at", &d->starts_at, err, errsz) || parse_time(j, "ends_at", &d->ends_at, err, errsz))
		return -1;
	if (d->ends_at <= d->starts_at) {
		snprintf(err, errsz, "ends_at must be after starts_at");
		return -1;
	}
	const json_t *spots = json_object_get(j, "spots");
	if (!json_is_array(spots) || json_array_size(spots) == 0 || json_array_size(spots) > MAX_SPOTS) {
		snprintf(err, errsz, "spots: an array of 1 to %d spots is required", MAX_SPOTS);
		return -1;
	}
	d->nspots = json_array_size(spots);
	for (size_t i = 0; i < d->nspots; i++) {
		const json_t *s = json_array_get(spots, i);
		char where[32];
		snprintf(where, sizeof where, "spots[%zu].", i);
		if (!json_is_object(s)) {
			snprintf(err, errsz, "spots[%zu]: an object is required", i);
			return -1;
		}
		if (!(d->spots[i].name = str_member(s, "name", 1, 100, err, errsz, where)) ||
		    !(d->spots[i].description = str_member(s, "description", 0, 2000, err, errsz, where)))
			return -1;
		const json_t *lat = json_object_get(s, "latitude"), *lon = json_object_get(s, "longitude");
		if (lat || lon) {
			if (!json_is_number(lat) || !json_is_number(lon) || fabs(json_number_value(lat)) > 90 ||
			    fabs(json_number_value(lon)) > 180) {
				snprintf(err, errsz, "spots[%zu]: latitude (-90..90) and longitude (-180..180) go together", i);
				return -1;
			}
			d->spots[i].has_position = 1;
			d->spots[i].lat = json_number_value(lat);
			d->spots[i].lon = json_number_value(lon);
		}
		for (size_t k = 0; k < i; k++)
			if (strcmp(d->spots[k].name, d->spots[i].name) == 0) {
				snprintf(err, errsz, "spots[%zu].name: '%s' appears twice", i, d->spots[i].name);
				return -1;
			}
	}
	return 0;
}

/* Find or create the tenant; its id, or -1. */
static int64_t upsert_tenant(db *dbh, const struct doc *d, int64_t now)
{
	const char *name = *d->tenant_name ? d->tenant_name : d->tenant;
	if (db_exec(dbh, "INSERT INTO tenants(slug, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING",
		    "tti", d->tenant, name, now) != DB_DONE)
		return -1;
	if (*d->tenant_name)
		db_exec(dbh, "UPDATE tenants SET name = $1 WHERE slug = $2", "tt", d->tenant_name, d->tenant);
	return db_int1(dbh, -1, "SELECT id FROM tenants WHERE slug = $1", "t", d->tenant);
}

/* Create or update the rally; its id, or -1 with err set. */
static int64_t upsert_rally(db *dbh, const struct doc *d, int64_t tenant_id, int64_t now, char *err, size_t errsz)
{
	int64_t owner = db_int1(dbh, 0, "SELECT tenant_id FROM rallies WHERE slug = $1", "t", d->slug);
	if (owner && owner != tenant_id) {
		snprintf(err, errsz, "slug: '%s' is taken by another tenant", d->slug);
		return -1;
	}
	int64_t limit;
	if (!owner && quota_exceeded(dbh, tenant_id, QUOTA_RALLIES, 0, 1, &limit)) {
		snprintf(err, errsz, "the tenant's quota of %lld rallies is reached (stamprally tenant quota)", (long long)limit);
		return -1;
	}
	if (!owner) {
		return db_int1(dbh, -1,
			       "INSERT INTO rallies(tenant_id, slug, title, description, starts_at, ends_at, status, created_at, updated_at)"
			       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
			       "itttiiti", tenant_id, d->slug, d->title, d->description, d->starts_at, d->ends_at,
			       d->status, now);
	}
	if (db_exec(dbh, "UPDATE rallies SET title = $1, description = $2, starts_at = $3, ends_at = $4, status = $5,"
			" updated_at = $6 WHERE slug = $7",
		    "ttiitit", d->title, d->description, d->starts_at, d->ends_at, d->status, now, d->slug) != DB_DONE)
		return -1;
	return db_int1(dbh, -1, "SELECT id FROM rallies WHERE slug = $1", "t", d->slug);
}

/* Delete the rally's spots that are not in d; refuse when one has stamps. */
static int remove_missing(db *dbh, const struct doc *d, int64_t rally_id, char *err, size_t errsz)
{
	db_stmt *st = db_query(dbh, "SELECT id, name, (SELECT count(*) FROM stamps t WHERE t.spot_id = s.id)"
				   " FROM spots s WHERE rally_id = $1", "i", rally_id);
	int64_t gone[MAX_SPOTS * 2];
	size_t ngone = 0;
	int rc, ok = 1;
	while ((rc = db_row(st)) == DB_ROW) {
		const char *name = db_text(st, 1);
		int keep = 0;
		for (size_t i = 0; i < d->nspots && !keep; i++)
			keep = strcmp(d->spots[i].name, name) == 0;
		if (keep)
			continue;
		if (db_int(st, 2) > 0) {
			snprintf(err, errsz, "spot '%s' has stamps and cannot be removed", name);
			ok = 0;
		} else if (ngone < sizeof gone / sizeof gone[0]) {
			gone[ngone++] = db_int(st, 0);
		}
	}
	db_done(st);
	if (rc != DB_DONE || !ok)
		return -1;
	for (size_t i = 0; i < ngone; i++)
		if (db_exec(dbh, "DELETE FROM spots WHERE id = $1", "i", gone[i]) != DB_DONE)
			return -1;
	return 0;
}

/* Create or update spot i (matched by name); append {"name", "qr_url",
 * "qr_token"} to out. */
static int upsert_spot(db *dbh, const struct doc *d, size_t i, int64_t rally_id, int64_t now, const char *public_url,
		       json_t *out)
{
	const struct spot_in *s = &d->spots[i];
	int64_t pos = (int64_t)(i + 1);
	int64_t id = db_int1(dbh, 0, "SELECT id FROM spots WHERE rally_id = $1 AND name = $2", "it", rally_id, s->name);
	int rc;
	if (id) {
		rc = db_exec(dbh, "UPDATE spots SET description = $1, position = $2, updated_at = $3 WHERE id = $4",
			     "tiii", s->description, pos, now, id);
	} else {
		char pid[48], qr[48];
		token_new(pid, sizeof pid, TOKEN_PUBLIC_BYTES);
		token_new(qr, sizeof qr, TOKEN_QR_BYTES);
		rc = db_exec(dbh, "INSERT INTO spots(rally_id, public_id, name, description, position, qr_token, created_at, updated_at)"
				 " VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
			     "itttiti", rally_id, pid, s->name, s->description, pos, qr, now);
	}
	if (rc == DB_DONE && s->has_position)
		rc = db_exec(dbh, "UPDATE spots SET latitude = $1, longitude = $2 WHERE rally_id = $3 AND name = $4", "ddit", s->lat,
			     s->lon, rally_id, s->name);
	char *token = rc == DB_DONE ? db_text1(dbh, "SELECT qr_token FROM spots WHERE rally_id = $1 AND name = $2", "it",
					       rally_id, s->name) : NULL;
	if (!token)
		return -1;
	json_array_append_new(out, json_pack("{s:s, s:s++, s:s}", "name", s->name, "qr_url", public_url, "/q/", token,
					     "qr_token", token));
	free(token);
	return 0;
}

int rally_import_check(const json_t *doc, char *err, size_t errsz)
{
	struct doc *d = calloc(1, sizeof *d); /* MAX_SPOTS entries: not on the stack */
	int rc = d ? parse_doc(doc, d, err, errsz) : -1;
	free(d);
	return rc;
}

int rally_import(db *dbh, const json_t *doc, const char *public_url, int64_t now, json_t **result, char *err,
		 size_t errsz)
{
	struct doc d;
	memset(&d, 0, sizeof d);
	*result = NULL;
	err[0] = '\0';
	if (parse_doc(doc, &d, err, errsz) != 0)
		return -1;
	if (db_begin(dbh) != 0) {
		snprintf(err, errsz, "the database is busy");
		return -1;
	}
	json_t *spots = json_array();
	int64_t tenant_id = upsert_tenant(dbh, &d, now);
	int64_t rally_id = tenant_id > 0 ? upsert_rally(dbh, &d, tenant_id, now, err, errsz) : -1;
	int ok = rally_id > 0 && remove_missing(dbh, &d, rally_id, err, errsz) == 0;
	for (size_t i = 0; ok && i < d.nspots; i++)
		ok = upsert_spot(dbh, &d, i, rally_id, now, public_url, spots) == 0;
	if (!ok || db_commit(dbh) != 0) {
		if (!ok)
			db_rollback(dbh);
		if (!err[0])
			snprintf(err, errsz, "the database refused the change");
		json_decref(spots);
		return -1;
	}
	*result = json_pack("{s:s, s:o}", "rally", d.slug, "spots", spots);
	return 0;
}
