/*
 * publish.c — see publish.h.
 *
 * Problems, in the order the organizer meets them on the page:
 *   publish.no_spots          the rally has no spot
 *   publish.ended             its period is over
 *   publish.gps_no_position   a GPS or QR + GPS spot without coordinates
 *   publish.keyword_missing   a keyword spot without a keyword
 *   publish.pin_missing       a staff-PIN spot without its PIN or a desk PIN
 *   publish.category_empty    a reward counting a category no spot has
 *   publish.unreachable       a reward needing more stamps than the spots give
 */
#include "core/publish.h"

#include <string.h>

#include "core/methods.h"

/* Append {"key": key, "names": names} to problems when names is non-empty
 * (or always, when names is NULL). Takes names (a new string or NULL). */
static void add(json_t *problems, const char *key, json_t *names)
{
	if (names && json_string_length(names) == 0) {
		json_decref(names);
		return;
	}
	json_t *p = json_pack("{s:s}", "key", key);
	if (names)
		json_object_set_new(p, "names", names);
	json_array_append_new(problems, p);
}

/* Append name to the "、"-separated list in names (a jansson string). */
static void name_add(json_t *names, const char *name)
{
	size_t n = json_string_length(names), m = strlen(name);
	char buf[4096];
	if (n + m + 4 >= sizeof buf)
		return; /* enough names to find the spots */
	memcpy(buf, json_string_value(names), n);
	if (n) {
		memcpy(buf + n, "、", 3);
		n += 3;
	}
	memcpy(buf + n, name, m);
	json_string_setn(names, buf, n + m);
}

/* The spot problems; sets *n_spots and *repeatable. -1 on a database error. */
static int spot_problems(db *d, const struct rally *ra, json_t *problems, int64_t *n_spots, int *repeatable)
{
	int desk_pin = db_int1(d, 0, "SELECT desk_pin_hash <> '' FROM rallies WHERE id = $1", "i", ra->id) == 1;
	json_t *gps = json_string(""), *kw = json_string(""), *pin = json_string("");
	db_stmt *st = db_query(d,
			       "SELECT name, methods, latitude IS NOT NULL AND longitude IS NOT NULL, keyword_hash <> '',"
			       " pin_hash <> '', repeat_mode <> 'once' FROM spots WHERE rally_id = $1 AND disabled_at IS NULL"
			       " ORDER BY position, id",
			       "i", ra->id);
	int rc;
	*n_spots = 0;
	*repeatable = 0;
	while ((rc = db_row(st)) == DB_ROW) {
		const char *name = db_text(st, 0), *methods = db_text(st, 1);
		++*n_spots;
		*repeatable |= db_int(st, 5) != 0;
		if ((methods_has(methods, "gps") || methods_has(methods, "qr_gps")) && !db_int(st, 2))
			name_add(gps, name);
		if (methods_has(methods, "keyword") && !db_int(st, 3))
			name_add(kw, name);
		if (methods_has(methods, "pin") && !db_int(st, 4) && !desk_pin)
			name_add(pin, name);
	}
	db_done(st);
	add(problems, "publish.gps_no_position", gps);
	add(problems, "publish.keyword_missing", kw);
	add(problems, "publish.pin_missing", pin);
	return rc == DB_DONE ? 0 : -1;
}

/* The reward problems. -1 on a database error. */
static int tier_problems(db *d, const struct rally *ra, json_t *problems, int64_t n_spots, int repeatable)
{
	json_t *cat = json_string(""), *far = json_string("");
	db_stmt *st = db_query(d,
			       "SELECT name, condition, threshold, category IN (SELECT category FROM spots"
			       " WHERE rally_id = $1 AND disabled_at IS NULL)"
			       " FROM reward_tiers WHERE rally_id = $1 ORDER BY position, id",
			       "i", ra->id);
	int rc;
	while ((rc = db_row(st)) == DB_ROW) {
		const char *name = db_text(st, 0), *cond = db_text(st, 1);
		if (!strcmp(cond, "category") && !db_int(st, 3))
			name_add(cat, name);
		else if (!strcmp(cond, "count") && !repeatable && db_int(st, 2) > n_spots && n_spots > 0)
			name_add(far, name);
	}
	db_done(st);
	add(problems, "publish.category_empty", cat);
	add(problems, "publish.unreachable", far);
	return rc == DB_DONE ? 0 : -1;
}

json_t *rally_publish_problems(db *d, const struct rally *ra, int64_t now)
{
	json_t *problems = json_array(), *spots = json_array();
	int64_t n_spots;
	int repeatable;
	if (spot_problems(d, ra, spots, &n_spots, &repeatable) != 0 ||
	    tier_problems(d, ra, spots, n_spots, repeatable) != 0) {
		json_decref(problems);
		json_decref(spots);
		return NULL;
	}
	if (n_spots == 0)
		add(problems, "publish.no_spots", NULL);
	if (ra->ends_at <= now)
		add(problems, "publish.ended", NULL);
	json_array_extend(problems, spots);
	json_decref(spots);
	return problems;
}
