/*
 * console_spots.c — the spot editor: name, description, images, position
 * and radius, category, order, and regenerating the QR token.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/editor.h"
#include "core/image.h"
#include "core/methods.h"
#include "http/server.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "lib/utf8.h"
#include "web/common.h"
#include "web/console.h"
#include "web/page.h"
#include "web/view.h"
#include "web/web.h"

int64_t console_store_upload(req *r, const char *back);

/* The tenant's spot {spot} of rally {slug}; 404 otherwise. */
static int load_spot(req *r, struct rally *ra, struct spot *s)
{
	if (!console_rally(r, r->params[0], ra))
		return 0;
	struct rally owner;
	int rc = token_valid(r->params[1]) ? spot_by_public_id_any(r->db, &r->a, r->params[1], s, &owner) : 0;
	if (rc != 1 || owner.id != ra->id) {
		web_error(r, rc < 0 ? 503 : 404, "not_found", rc < 0 ? "error.unavailable" : "error.not_found", NULL);
		return 0;
	}
	return 1;
}

/* Parse a decimal number; NAN when absent or malformed. */
static double number(const char *s)
{
	if (!s || !*s)
		return NAN;
	char *end;
	double v = strtod(s, &end);
	return *end ? NAN : v;
}

static int64_t integer(const char *s, int64_t dflt)
{
	if (!s || !*s)
		return dflt;
	char *end;
	long long v = strtoll(s, &end, 10);
	return *end ? -1 : v;
}

static void read_form(req *r, struct spot_form *f, int64_t default_position)
{
	memset(f, 0, sizeof *f);
	f->name = req_form(r, "name");
	f->description = req_form(r, "description");
	f->category = req_form(r, "category");
	const char *la = req_form(r, "latitude"), *lo = req_form(r, "longitude");
	f->has_position = (la && *la) || (lo && *lo);
	f->latitude = number(la);
	f->longitude = number(lo);
	f->radius_m = integer(req_form(r, "radius_m"), 50);
	f->position = integer(req_form(r, "position"), default_position);
	f->open_from = parse_hhmm(req_form(r, "open_from"), 0);
	f->open_until = parse_hhmm(req_form(r, "open_until"), 1);
	const char *mode = req_form(r, "repeat_mode");
	f->repeat_mode = mode ? repeat_mode_parse(mode) : REPEAT_ONCE;
	f->repeat_hours = integer(req_form(r, "repeat_hours"), 0);
}

/* "HH:MM" for a time input, "" when always open. */
static const char *hhmm(req *r, int minutes)
{
	return minutes >= 0 ? arena_printf(&r->a, "%02d:%02d", minutes / 60, minutes % 60) : "";
}

static json_t *form_view(req *r, const struct rally *ra, const struct spot_form *f, json_t *errors)
{
	json_t *view = console_view(r);
	char la[32] = "", lo[32] = "";
	if (f->has_position && isfinite(f->latitude))
		snprintf(la, sizeof la, "%.6f", f->latitude);
	if (f->has_position && isfinite(f->longitude))
		snprintf(lo, sizeof lo, "%.6f", f->longitude);
	json_object_set_new(view, "rally", json_pack("{s:s, s:s}", "slug", ra->slug, "title", ra->title));
	json_object_set_new(view, "form", json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "name",
						    f->name ? f->name : "", "description", f->description ? f->description : "",
						    "category", f->category ? f->category : "", "latitude", la, "longitude", lo,
						    "radius_m", (json_int_t)f->radius_m, "position", (json_int_t)f->position,
						    "open_from", hhmm(r, f->open_from), "open_until", hhmm(r, f->open_until)));
	const char *mode = repeat_mode_name(f->repeat_mode < 0 ? REPEAT_ONCE : (enum repeat_mode)f->repeat_mode);
	json_object_set_new(json_object_get(view, "form"), arena_printf(&r->a, "mode_%s", mode), json_true());
	json_object_set_new(json_object_get(view, "form"), "repeat_hours",
			    json_integer(f->repeat_hours > 0 ? (json_int_t)f->repeat_hours : 24));
	if (errors)
		console_errors(r, view, errors);
	return view;
}

/* The spot editor's map picker (map.js): the tiles, when configured. Returns view. */
static json_t *with_picker(req *r, json_t *view)
{
	json_t *tiles = web_map_tiles(r);
	if (tiles)
		json_object_set_new(view, "map", tiles);
	return view;
}

/* On a published rally with participants, what adding a spot changes:
 * newcomers need one more; who completed stays completed. */
static void live_notice(req *r, json_t *view, const struct rally *ra, int64_t spots)
{
	if (ra->status != STATUS_PUBLISHED)
		return;
	int64_t joined = 0, completed = 0;
	db_stmt *st = db_query(r->db, "SELECT count(*), count(completed_at) FROM participants WHERE rally_id = $1", "i", ra->id);
	if (db_row(st) == DB_ROW)
		joined = db_int(st, 0), completed = db_int(st, 1);
	db_done(st);
	if (joined > 0)
		json_object_set_new(view, "live", json_pack("{s:I, s:I, s:I}", "joined", (json_int_t)joined, "completed",
							    (json_int_t)completed, "need", (json_int_t)spots + 1));
}

void console_spot_new(req *r)
{
	struct rally ra;
	if (!console_rally(r, r->params[0], &ra))
		return;
	int64_t spots = rally_spot_count(r->db, ra.id);
	struct spot_form f = {.radius_m = 50, .position = spots + 1, .open_from = -1, .open_until = -1};
	json_t *view = form_view(r, &ra, &f, NULL);
	json_object_set_new(view, "creating", json_true());
	live_notice(r, view, &ra, spots);
	page_render(r, 200, "spot_edit", with_picker(r, view));
}

void console_spot_create(req *r)
{
	struct rally ra;
	struct spot_form f;
	if (!console_rally(r, r->params[0], &ra))
		return;
	read_form(r, &f, rally_spot_count(r->db, ra.id) + 1);
	json_t *errors = json_object();
	if (spot_form_check(&f, errors) != 0) {
		json_t *view = form_view(r, &ra, &f, errors);
		json_object_set_new(view, "creating", json_true());
		page_render(r, 422, "spot_edit", with_picker(r, view));
		return;
	}
	json_decref(errors);
	int64_t id = spot_create(r->db, ra.id, &f, time_now_ms());
	if (id <= 0) {
		r->failed = 1;
		return;
	}
	const char *pid = spot_public_id(r->db, &r->a, id);
	const char *loc = arena_printf(&r->a, "/console/rallies/%s/spots/%s?saved=1", ra.slug, pid ? pid : "");
	console_event(r, "spot_created", web_json_text(r, json_pack("{s:s, s:s}", "rally", ra.slug, "spot", f.name)));
	req_redirect(r, loc);
}

/* The extras of the edit page: QR URL, images. */
static void spot_extras(req *r, json_t *view, const struct rally *ra, const struct spot *s, const struct spot_extra *x)
{
	json_object_set_new(view, "spot", json_pack("{s:s, s:s, s:s}", "id", s->public_id, "name", s->name, "qr_url",
						    arena_printf(&r->a, "%s/q/%s", r->srv->cfg.public_url, s->qr_token)));
	const char *img = image_public_id(r->db, &r->a, x->image_id), *stamp = image_public_id(r->db, &r->a, x->stamp_image_id);
	if (img)
		json_object_set_new(view, "image", json_string(img));
	if (stamp)
		json_object_set_new(view, "stamp_image", json_string(stamp));
	json_object_set_new(view, "stamp_v", json_string(view_stamp_version(r, s->name, ra->primary)));
	int64_t stamps = db_int1(r->db, 0, "SELECT count(*) FROM stamps WHERE spot_id = $1", "i", s->id);
	json_object_set_new(view, "life", json_pack("{s:b, s:I, s:b}", "disabled", s->disabled, "stamps", (json_int_t)stamps,
						    "deletable", stamps == 0));
	struct spot_methods m;
	if (spot_methods_load(r->db, &r->a, s->id, &m) == 0) {
		static const char *names[] = {"qr", "gps", "qr_gps", "keyword", "pin", "rotating_qr"};
		json_t *on = json_object();
		for (size_t i = 0; i < 6; i++)
			json_object_set_new(on, names[i], json_boolean(methods_has(m.methods, names[i])));
		json_object_set_new(view, "methods", on);
		json_object_set_new(view, "keyword_set", json_boolean(*m.keyword_hash));
		json_object_set_new(view, "keyword_legacy", json_boolean(keyword_is_legacy(m.keyword_hash)));
		json_object_set_new(view, "pin_set", json_boolean(*m.pin_hash));
	}
}

void console_spot_edit(req *r)
{
	struct rally ra;
	struct spot s;
	struct spot_extra x;
	if (!load_spot(r, &ra, &s) || spot_extra_load(r->db, &r->a, s.id, &x) != 0)
		return;
	struct spot_form f = {s.name, s.description, x.category, x.has_position, x.latitude, x.longitude, x.radius_m,
			      s.position, s.open_from, s.open_until, (int)s.repeat_mode, s.repeat_hours};
	json_t *view = form_view(r, &ra, &f, NULL);
	spot_extras(r, view, &ra, &s, &x);
	if (req_query(r, "saved"))
		json_object_set_new(view, "saved", json_true());
	page_render(r, 200, "spot_edit", with_picker(r, view));
}

void console_spot_update(req *r)
{
	struct rally ra;
	struct spot s;
	struct spot_form f;
	struct spot_extra x;
	if (!load_spot(r, &ra, &s) || spot_extra_load(r->db, &r->a, s.id, &x) != 0)
		return;
	read_form(r, &f, s.position);
	json_t *errors = json_object();
	if (spot_form_check(&f, errors) != 0) {
		json_t *view = form_view(r, &ra, &f, errors);
		spot_extras(r, view, &ra, &s, &x);
		page_render(r, 422, "spot_edit", with_picker(r, view));
		return;
	}
	json_decref(errors);
	if (spot_update(r->db, s.id, &f, time_now_ms()) != 0) {
		r->failed = 1;
		return;
	}
	req_redirect(r, arena_printf(&r->a, "/console/rallies/%s/spots/%s?saved=1", ra.slug, s.public_id));
}

/* POST .../spots/{spot}/methods: which ways the spot gives a stamp. */
void console_spot_methods(req *r)
{
	struct rally ra;
	struct spot s;
	struct spot_extra x;
	struct spot_methods m;
	if (!load_spot(r, &ra, &s) || spot_extra_load(r->db, &r->a, s.id, &x) != 0 ||
	    spot_methods_load(r->db, &r->a, s.id, &m) != 0)
		return;
	static const char *names[] = {"qr", "gps", "qr_gps", "keyword", "pin", "rotating_qr"};
	buf list = BUF_INIT;
	for (size_t i = 0; i < 6; i++)
		if (req_form(r, arena_printf(&r->a, "m_%s", names[i])))
			buf_printf(&list, "%s%s", list.len ? "," : "", names[i]);
	const char *methods = arena_strdup(&r->a, buf_str(&list));
	buf_free(&list);
	const char *keyword = req_form(r, "keyword"), *pin = req_form(r, "pin");
	char folded[512];
	keyword_normalise(keyword ? keyword : "", folded, sizeof folded);
	if (!*folded)
		keyword = NULL; /* only spaces: as if none was typed */
	const char *problem = NULL;
	if (!methods_valid(methods))
		problem = "spot.methods_none";
	else if ((methods_has(methods, "gps") || methods_has(methods, "qr_gps")) && !x.has_position)
		problem = "spot.methods_need_position";
	else if (methods_has(methods, "keyword") && !*m.keyword_hash && !(keyword && *keyword))
		problem = "spot.methods_need_keyword";
	else if (keyword && utf8_chars(keyword) > 100)
		problem = "form.too_long";
	else if (pin && *pin && !pin_valid(pin))
		problem = "spot.pin_invalid";
	else if (methods_has(methods, "pin") && !*m.pin_hash && !(pin && *pin))
		problem = "spot.methods_need_pin";
	const char *back = arena_printf(&r->a, "/console/rallies/%s/spots/%s", ra.slug, s.public_id);
	if (problem) {
		web_error(r, 422, "invalid_request", problem, json_pack("{s:s}", "back", back));
		return;
	}
	if (pin && *pin && !r->proof.new_hash[0]) { /* hashed before the transaction (prove.c) */
		r->failed = 1;
		return;
	}
	if (spot_set_methods(r->db, s.id, methods, keyword, pin && *pin ? r->proof.new_hash[0] : NULL) != 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "spot_methods", web_json_text(r, json_pack("{s:s, s:s, s:s}", "rally", ra.slug, "spot", s.name,
								     "methods", methods)));
	req_redirect(r, arena_printf(&r->a, "%s?saved=1", back));
}

void console_spot_regenerate(req *r)
{
	struct rally ra;
	struct spot s;
	if (!load_spot(r, &ra, &s))
		return;
	if (spot_regenerate_qr(r->db, s.id, time_now_ms()) != 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "spot_qr_regenerated", web_json_text(r, json_pack("{s:s, s:s}", "rally", ra.slug, "spot", s.name)));
	req_redirect(r, arena_printf(&r->a, "/console/rallies/%s/spots/%s?saved=1", ra.slug, s.public_id));
}

/* POST .../spots/{spot}/disable and .../enable: take the spot out of the
 * rally (its stamps stay) or put it back. */
static void spot_disabled(req *r, int disable)
{
	struct rally ra;
	struct spot s;
	if (!load_spot(r, &ra, &s))
		return;
	if (spot_set_disabled(r->db, s.id, disable ? time_now_ms() : 0) != 0) {
		r->failed = 1;
		return;
	}
	console_event(r, disable ? "spot_disabled" : "spot_enabled",
		      web_json_text(r, json_pack("{s:s, s:s}", "rally", ra.slug, "spot", s.name)));
	req_redirect(r, arena_printf(&r->a, "/console/rallies/%s/spots/%s?saved=1", ra.slug, s.public_id));
}

void console_spot_disable(req *r)
{
	spot_disabled(r, 1);
}

void console_spot_enable(req *r)
{
	spot_disabled(r, 0);
}

/* POST .../spots/{spot}/delete: only a spot nobody has stamped (409 otherwise). */
void console_spot_delete(req *r)
{
	struct rally ra;
	struct spot s;
	if (!load_spot(r, &ra, &s))
		return;
	int rc = spot_delete(r->db, s.id);
	if (rc == 0)
		web_error(r, 409, "in_use", "spot.in_use",
			  json_pack("{s:s}", "back", arena_printf(&r->a, "/console/rallies/%s/spots/%s", ra.slug, s.public_id)));
	if (rc != 1) {
		if (rc < 0)
			r->failed = 1;
		return;
	}
	console_event(r, "spot_deleted", web_json_text(r, json_pack("{s:s, s:s}", "rally", ra.slug, "spot", s.name)));
	req_redirect(r, arena_printf(&r->a, "/console/rallies/%s?saved=1", ra.slug));
}

/* POST .../spots/{spot}/image with a file field "image" or "stamp". */
void console_spot_image(req *r)
{
	struct rally ra;
	struct spot s;
	if (!load_spot(r, &ra, &s))
		return;
	const char *back = arena_printf(&r->a, "/console/rallies/%s/spots/%s", ra.slug, s.public_id);
	const char *which = r->upload_field && strcmp(r->upload_field, "stamp") == 0 ? "stamp" : "image";
	int64_t id = console_store_upload(r, back);
	if (!id)
		return;
	if (spot_set_image(r->db, s.id, which, id, time_now_ms()) != 0) {
		r->failed = 1;
		return;
	}
	req_redirect(r, arena_printf(&r->a, "%s?saved=1", back));
}
