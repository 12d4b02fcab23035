/*
 * editor.c — see editor.h.
 *
 * Status transitions:   draft → published → closed → archived
 *                       published → draft (only before anyone joined)
 *                       closed → published (reopen)
 */
#include "core/editor.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/timeutil.h"
#include "lib/token.h"
#include "lib/utf8.h"
#include "core/methods.h"

static void err(json_t *errors, const char *field, const char *key)
{
	if (!json_object_get(errors, field))
		json_object_set_new(errors, field, json_string(key));
}

/* A required or optional text of at most max characters, printable. */
static void check_text(json_t *errors, const char *field, const char *s, size_t max, int required)
{
	size_t n = s ? utf8_chars(s) : 0;
	if (required && n == 0)
		err(errors, field, "form.required");
	else if (n > max)
		err(errors, field, "form.too_long");
	else if (s && !utf8_printable(s))
		err(errors, field, "form.control_chars");
}

int colour_valid(const char *c)
{
	if (!c || strlen(c) != 7 || c[0] != '#')
		return 0;
	for (int i = 1; i < 7; i++)
		if (!strchr("0123456789abcdefABCDEF", c[i]))
			return 0;
	return 1;
}

/* Relative luminance of "#rrggbb" (WCAG 2.x). */
static double luminance(const char *c)
{
	double v[3];
	for (int i = 0; i < 3; i++) {
		char h[3] = {c[1 + 2 * i], c[2 + 2 * i], 0};
		double s = strtol(h, NULL, 16) / 255.0;
		v[i] = s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4);
	}
	return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}

double colour_contrast(const char *a, const char *b)
{
	double la = luminance(a), lb = luminance(b);
	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

int parse_jst_local(const char *s, int64_t *out)
{
	char buf[40];
	if (!s || strlen(s) < 16 || strlen(s) > 19)
		return -1;
	snprintf(buf, sizeof buf, "%s%s+09:00", s, strlen(s) == 16 ? ":00" : "");
	return time_parse_iso(buf, out);
}

int rally_form_check(const struct rally_form *f, int creating, json_t *errors)
{
	if (creating && !rally_slug_valid(f->slug))
		err(errors, "slug", "rally.slug_invalid");
	check_text(errors, "title", f->title, 200, 1);
	check_text(errors, "description", f->description, 5000, 0);
	if (!f->starts_at)
		err(errors, "starts_at", "form.datetime");
	if (!f->ends_at)
		err(errors, "ends_at", "form.datetime");
	if (f->starts_at && f->ends_at && f->ends_at <= f->starts_at)
		err(errors, "ends_at", "rally.ends_before_start");
	if (!colour_valid(f->primary))
		err(errors, "primary", "form.colour");
	if (!colour_valid(f->accent))
		err(errors, "accent", "form.colour");
	if (!colour_valid(f->background))
		err(errors, "background", "form.colour");
	if (f->passcode && *f->passcode && (utf8_chars(f->passcode) < 4 || utf8_chars(f->passcode) > 64))
		err(errors, "passcode", "rally.passcode_length");
	return json_object_size(errors) ? -1 : 0;
}

int spot_form_check(const struct spot_form *f, json_t *errors)
{
	check_text(errors, "name", f->name, 100, 1);
	check_text(errors, "description", f->description, 2000, 0);
	check_text(errors, "category", f->category, 50, 0);
	if (f->has_position && (!isfinite(f->latitude) || f->latitude < -90 || f->latitude > 90))
		err(errors, "latitude", "spot.latitude_invalid");
	if (f->has_position && (!isfinite(f->longitude) || f->longitude < -180 || f->longitude > 180))
		err(errors, "longitude", "spot.longitude_invalid");
	if (f->radius_m < 5 || f->radius_m > 10000)
		err(errors, "radius_m", "spot.radius_invalid");
	if (f->position < 1 || f->position > 1000)
		err(errors, "position", "spot.position_invalid");
	if (f->open_from == -2 || f->open_until == -2 || (f->open_from < 0) != (f->open_until < 0) ||
	    (f->open_from >= 0 && f->open_from == f->open_until))
		err(errors, "open_from", "spot.hours_invalid");
	if (f->repeat_mode < 0)
		err(errors, "repeat_mode", "spot.repeat_invalid");
	if (f->repeat_mode == REPEAT_HOURS && (f->repeat_hours < 1 || f->repeat_hours > 720))
		err(errors, "repeat_mode", "spot.repeat_hours_invalid");
	return json_object_size(errors) ? -1 : 0;
}

int64_t rally_create(db *d, int64_t tenant_id, const struct rally_form *f, int64_t now)
{
	const char *hash = f->passcode && *f->passcode ? f->passcode_hash : "";
	if (!hash)
		return -1; /* a passcode must come with its hash */
	if (db_int1(d, 0, "SELECT count(*) FROM rallies WHERE slug = $1", "t", f->slug))
		return 0;
	return db_int1(d, -1,
		       "INSERT INTO rallies(tenant_id, slug, title, description, starts_at, ends_at, status, theme_primary,"
		       " theme_accent, theme_background, passcode_hash, created_at, updated_at)"
		       " VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $11, $11) RETURNING id",
		       "itttiitttti", tenant_id, f->slug, f->title,
		       f->description ? f->description : "", f->starts_at, f->ends_at, f->primary, f->accent, f->background,
		       hash, now);
}

int rally_update(db *d, int64_t rally_id, const struct rally_form *f, int64_t now)
{
	int rc = db_exec(d, "UPDATE rallies SET title = $1, description = $2, starts_at = $3, ends_at = $4,"
			    " theme_primary = $5, theme_accent = $6, theme_background = $7, updated_at = $8 WHERE id = $9",
			 "ttiitttii", f->title, f->description ? f->description : "", f->starts_at, f->ends_at, f->primary,
			 f->accent, f->background, now, rally_id);
	if (rc == DB_DONE && (f->clear_passcode || (f->passcode && *f->passcode))) {
		const char *hash = f->clear_passcode ? "" : f->passcode_hash;
		if (!hash)
			return -1;
		rc = db_exec(d, "UPDATE rallies SET passcode_hash = $1 WHERE id = $2", "ti", hash, rally_id);
	}
	return rc == DB_DONE ? 0 : -1;
}

int rally_transition_allowed(enum rally_status from, enum rally_status to)
{
	static const enum rally_status allowed[][2] = {
		{STATUS_DRAFT, STATUS_PUBLISHED}, {STATUS_PUBLISHED, STATUS_DRAFT}, {STATUS_PUBLISHED, STATUS_CLOSED},
		{STATUS_CLOSED, STATUS_PUBLISHED}, {STATUS_CLOSED, STATUS_ARCHIVED},
	};
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
		if (allowed[i][0] == from && allowed[i][1] == to)
			return 1;
	return 0;
}

int rally_set_status(db *d, int64_t rally_id, enum rally_status status, int64_t now)
{
	return db_exec(d, "UPDATE rallies SET status = $1, updated_at = $2 WHERE id = $3", "tii", rally_status_name(status),
		       now, rally_id) ==
			       DB_DONE
		       ? 0
		       : -1;
}

int rally_has_passcode(db *d, int64_t rally_id)
{
	return db_int1(d, 0, "SELECT passcode_hash <> '' FROM rallies WHERE id = $1", "i", rally_id) == 1;
}

const char *rally_passcode_hash(db *d, arena *a, int64_t rally_id)
{
	const char *v = db_text1a(d, a, "SELECT passcode_hash FROM rallies WHERE id = $1", "i", rally_id);
	return v || db_failed(d) ? v : "";
}

const char *rally_desk_pin_hash(db *d, arena *a, int64_t rally_id)
{
	const char *v = db_text1a(d, a, "SELECT desk_pin_hash FROM rallies WHERE id = $1", "i", rally_id);
	return v || db_failed(d) ? v : "";
}

int rally_theme(db *d, int64_t rally_id, char out[3][8])
{
	db_stmt *st = db_query(d, "SELECT theme_primary, theme_accent, theme_background FROM rallies WHERE id = $1", "i",
			       rally_id);
	int rc = db_row(st);
	for (int i = 0; rc == DB_ROW && i < 3; i++)
		snprintf(out[i], 8, "%s", db_text(st, i));
	db_done(st);
	return rc == DB_ROW ? 0 : -1;
}

int64_t rally_cover_image(db *d, int64_t rally_id)
{
	return db_int1(d, 0, "SELECT cover_image_id FROM rallies WHERE id = $1", "i", rally_id);
}

int rally_set_cover(db *d, int64_t rally_id, int64_t image_id, int64_t now)
{
	return db_exec(d, "UPDATE rallies SET cover_image_id = $1, updated_at = $2 WHERE id = $3", "iii", image_id, now,
		       rally_id) == DB_DONE ? 0 : -1;
}

/* Store the spot's latitude and longitude (NULLs when the form has none). */
static int spot_set_hours(db *d, int64_t spot_id, const struct spot_form *f)
{
	enum repeat_mode mode = f->repeat_mode < 0 ? REPEAT_ONCE : (enum repeat_mode)f->repeat_mode;
	if (db_exec(d, "UPDATE spots SET repeat_mode = $1, repeat_hours = $2 WHERE id = $3", "tii", repeat_mode_name(mode),
		    mode == REPEAT_HOURS ? f->repeat_hours : (int64_t)0, spot_id) != DB_DONE)
		return -1;
	int rc = f->open_from >= 0 ? db_exec(d, "UPDATE spots SET open_from = $1, open_until = $2 WHERE id = $3", "iii",
					     (int64_t)f->open_from, (int64_t)f->open_until, spot_id)
				   : db_exec(d, "UPDATE spots SET open_from = NULL, open_until = NULL WHERE id = $1", "i", spot_id);
	return rc == DB_DONE ? 0 : -1;
}

static int spot_set_position(db *d, int64_t spot_id, const struct spot_form *f)
{
	if (spot_set_hours(d, spot_id, f) != 0)
		return -1;
	int rc = f->has_position
			 ? db_exec(d, "UPDATE spots SET latitude = $1, longitude = $2 WHERE id = $3", "ddi", f->latitude,
				   f->longitude, spot_id)
			 : db_exec(d, "UPDATE spots SET latitude = NULL, longitude = NULL WHERE id = $1", "i", spot_id);
	return rc == DB_DONE ? 0 : -1;
}

int64_t spot_create(db *d, int64_t rally_id, const struct spot_form *f, int64_t now)
{
	char pid[48], qr[48];
	token_new(pid, sizeof pid, TOKEN_PUBLIC_BYTES);
	token_new(qr, sizeof qr, TOKEN_QR_BYTES);
	int64_t id = db_int1(d, -1,
			     "INSERT INTO spots(rally_id, public_id, name, description, position, qr_token, radius_m, category,"
			     " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
			     "itttititi", rally_id, pid, f->name, f->description ? f->description : "", f->position, qr,
			     f->radius_m, f->category ? f->category : "", now);
	if (id > 0 && spot_set_position(d, id, f) != 0)
		return -1;
	return id;
}

int spot_update(db *d, int64_t spot_id, const struct spot_form *f, int64_t now)
{
	int rc = db_exec(d, "UPDATE spots SET name = $1, description = $2, position = $3, radius_m = $4, category = $5,"
			    " updated_at = $6 WHERE id = $7",
			 "ttiitii", f->name, f->description ? f->description : "", f->position, f->radius_m,
			 f->category ? f->category : "", now, spot_id);
	return rc == DB_DONE ? spot_set_position(d, spot_id, f) : -1;
}

int spot_set_disabled(db *d, int64_t spot_id, int64_t at)
{
	return db_exec(d, "UPDATE spots SET disabled_at = nullif($1, 0) WHERE id = $2", "ii", at, spot_id) == DB_DONE ? 0 : -1;
}

int spot_delete(db *d, int64_t spot_id)
{
	int64_t used = db_int1(d, -1, "SELECT count(*) FROM stamps WHERE spot_id = $1", "i", spot_id);
	if (used != 0)
		return used > 0 ? 0 : -1;
	return db_exec(d, "DELETE FROM spot_totals WHERE spot_id = $1", "i", spot_id) == DB_DONE &&
			       db_exec(d, "DELETE FROM spots WHERE id = $1", "i", spot_id) == DB_DONE
		       ? 1
		       : -1;
}

int spot_regenerate_qr(db *d, int64_t spot_id, int64_t now)
{
	char qr[48];
	token_new(qr, sizeof qr, TOKEN_QR_BYTES);
	return db_exec(d, "UPDATE spots SET qr_token = $1, updated_at = $2 WHERE id = $3", "tii", qr, now, spot_id) == DB_DONE
		       ? 0
		       : -1;
}

int spot_set_image(db *d, int64_t spot_id, const char *which, int64_t image_id, int64_t now)
{
	int rc = strcmp(which, "stamp") == 0
			 ? db_exec(d, "UPDATE spots SET stamp_image_id = $1, updated_at = $2 WHERE id = $3", "iii",
				   image_id, now, spot_id)
			 : db_exec(d, "UPDATE spots SET image_id = $1, updated_at = $2 WHERE id = $3", "iii", image_id, now,
				   spot_id);
	return rc == DB_DONE ? 0 : -1;
}

int spot_extra_load(db *d, arena *a, int64_t spot_id, struct spot_extra *out)
{
	db_stmt *st = db_query(d, "SELECT latitude, longitude, radius_m, coalesce(image_id, 0), coalesce(stamp_image_id, 0),"
				  " category FROM spots WHERE id = $1", "i", spot_id);
	int rc = db_row(st);
	memset(out, 0, sizeof *out);
	if (rc == DB_ROW) {
		out->has_position = !db_is_null(st, 0) && !db_is_null(st, 1);
		out->latitude = db_double(st, 0);
		out->longitude = db_double(st, 1);
		out->radius_m = db_int(st, 2);
		out->image_id = db_int(st, 3);
		out->stamp_image_id = db_int(st, 4);
		out->category = arena_strdup(a, db_text(st, 5));
	}
	db_done(st);
	return rc == DB_ROW ? 0 : -1;
}

int spot_set_methods(db *d, int64_t spot_id, const char *methods, const char *keyword, const char *pin_hash)
{
	int rc = db_exec(d, "UPDATE spots SET methods = $1 WHERE id = $2", "ti", methods, spot_id);
	if (rc == DB_DONE && keyword && *keyword) {
		char h[KEYWORD_HASH_SIZE];
		keyword_hash(keyword, h);
		rc = db_exec(d, "UPDATE spots SET keyword_hash = $1 WHERE id = $2", "ti", h, spot_id);
	}
	if (rc == DB_DONE && pin_hash && *pin_hash)
		rc = db_exec(d, "UPDATE spots SET pin_hash = $1 WHERE id = $2", "ti", pin_hash, spot_id);
	return rc == DB_DONE ? 0 : -1;
}

int rally_set_desk_pin(db *d, int64_t rally_id, const char *pin_hash)
{
	return db_exec(d, "UPDATE rallies SET desk_pin_hash = $1 WHERE id = $2", "ti", pin_hash ? pin_hash : "", rally_id) ==
			       DB_DONE
		       ? 0
		       : -1;
}

int pin_valid(const char *pin)
{
	size_t n = pin ? strlen(pin) : 0;
	return n >= 4 && n <= 8 && strspn(pin, "0123456789") == n;
}

int desk_pin_valid(const char *pin)
{
	return pin_valid(pin) && strlen(pin) >= 6;
}

int parse_hhmm(const char *s, int end)
{
	if (!s || !*s)
		return -1;
	int h, m;
	char extra;
	if (strlen(s) != 5 || sscanf(s, "%2d:%2d%c", &h, &m, &extra) != 2 || m < 0 || m > 59 || h < 0)
		return -2;
	int v = h * 60 + m;
	return v < 1440 || (end && v == 1440) ? v : -2;
}


