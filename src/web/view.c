/*
 * view.c — see view.h.
 */
#include "web/view.h"

#include <stdio.h>
#include <string.h>

#include "core/methods.h"
#include "lib/qr.h"
#include "lib/timeutil.h"
#include "lib/utf8.h"
#include "web/page.h"

static json_t *iso_or_null(int64_t ms)
{
	char t[40];
	if (!ms)
		return json_null();
	time_format_iso_jst(ms, t, sizeof t);
	return json_string(t);
}

json_t *view_rally(const struct rally *ra, int64_t now)
{
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "slug", ra->slug, "title", ra->title, "description",
			      ra->description, "status", rally_status_name(ra->status), "state",
			      rally_state_code(rally_state(ra, now)), "starts_at", iso_or_null(ra->starts_at), "ends_at",
			      iso_or_null(ra->ends_at));
	if (ra->preview)
		json_object_set_new(v, "preview", json_true());
	return v;
}

/* Set key (a literal: its UTF-8 is not checked again) to v in o. */
static void put(json_t *o, const char *key, json_t *v)
{
	json_object_set_new_nocheck(o, key, v);
}

json_t *view_card(const struct card *c)
{
	/* Built with plain setters, not json_pack: parsing a format string for
	 * each of 20 spots on every card view was a tenth of the page's time. */
	json_t *spots = json_array();
	for (size_t i = 0; i < c->n; i++) {
		const struct spot *s = &c->spots[i];
		json_t *o = json_object();
		put(o, "id", json_string(s->public_id));
		put(o, "name", json_string(s->name));
		put(o, "description", json_string(s->description));
		put(o, "position", json_integer(s->position));
		put(o, "collected", json_boolean(c->collected_at[i] != 0));
		put(o, "collected_at", iso_or_null(c->collected_at[i]));
		json_array_append_new(spots, o);
	}
	json_t *progress = json_object(), *card = json_object();
	put(progress, "collected", json_integer((json_int_t)c->collected));
	put(progress, "total", json_integer((json_int_t)c->n));
	put(card, "progress", progress);
	/* completed once is completed: a spot added later changes what newcomers need */
	put(card, "completed", json_boolean(c->completed_at || (c->n > 0 && c->collected == (int64_t)c->n)));
	put(card, "spots", spots);
	return card;
}

/* ms in JST with the catalog's format `key`; an arena string. */
static const char *time_text(req *r, int64_t ms, const char *key)
{
	char out[64];
	time_format_jst(ms, web_text(r, key), out, sizeof out);
	return arena_strdup(&r->a, out);
}

const char *view_time(req *r, int64_t ms)
{
	return time_text(r, ms, "fmt.datetime");
}

const char *view_distance(req *r, double metres)
{
	if (metres < 1000)
		return arena_printf(&r->a, "%.0f m", metres);
	if (metres < 100000)
		return arena_printf(&r->a, "%.1f km", metres / 1000);
	return arena_printf(&r->a, "%.0f km", metres / 1000);
}

void view_decorate_rally(req *r, json_t *rally, const struct rally *ra)
{
	json_object_set_new(rally, "starts_text", json_string(view_time(r, ra->starts_at)));
	json_object_set_new(rally, "ends_text", json_string(view_time(r, ra->ends_at)));
}

/* The short names of the methods in mask ("QR / キーワード"); an arena
 * string, "" for none. */
static const char *methods_text(req *r, unsigned mask)
{
	static const enum stamp_method order[] = {SM_QR, SM_QR_GPS, SM_GPS, SM_ROTATING_QR, SM_KEYWORD, SM_PIN};
	const char *out = "";
	char key[32];
	for (size_t i = 0; i < sizeof order / sizeof *order; i++)
		if (mask & (1u << order[i])) {
			snprintf(key, sizeof key, "how.%s", stamp_method_name(order[i]));
			out = arena_printf(&r->a, "%s%s%s", out, *out ? " / " : "", web_text(r, key));
		}
	return out;
}

void view_decorate_card(req *r, json_t *card, const struct card *c, const char *ink)
{
	json_t *spots = json_object_get(card, "spots");
	int only_qr = 1;
	for (size_t i = 0; i < c->n; i++) {
		json_t *s = json_array_get(spots, i);
		/* The way of each spot, said once a rally has spots of other ways:
		 * a rally of QR codes only keeps its simple page. */
		only_qr &= c->spots[i].methods == 1u << SM_QR;
		put(s, "how", json_string(methods_text(r, c->spots[i].methods)));
		if (c->collected_at[i])
			put(s, "collected_text", json_string(time_text(r, c->collected_at[i], "fmt.short")));
		put(s, "stamp_v", json_string_nocheck(view_stamp_version(r, c->spots[i].name, ink)));
		if (c->spots[i].stamp_image)
			put(s, "stamp_image", json_string(c->spots[i].stamp_image));
		if (c->spots[i].image)
			put(s, "image", json_string(c->spots[i].image));
		put(s, "number", json_integer((json_int_t)i + 1));
	}
	put(card, "mixed", json_boolean(!only_qr));
}

const char *view_stamp_version(req *r, const char *name, const char *ink)
{
	/* FNV-1a over the templates' version and the name: a cache key, not a
	 * secret, and cheap enough for every stamp of every card. */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const char *p = page_asset_version(); *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	for (const char *p = ink; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	/* 12 hex digits by hand: printf was a tenth of the card page's time */
	static const char hex[] = "0123456789abcdef";
	char *out = arena_alloc_raw(&r->a, 13);
	for (int i = 11; i >= 0; i--, h >>= 4)
		out[i] = hex[h & 15];
	out[12] = '\0';
	return out;
}

json_t *view_qr(const char *text)
{
	buf path = BUF_INIT;
	int size = 0;
	json_t *v = NULL;
	if (qr_svg_path(text, &path, &size) == 0)
		v = json_pack("{s:s, s:i, s:s%}", "url", text, "view", size + 8, "path", buf_str(&path), path.len);
	buf_free(&path);
	return v;
}

json_t *view_rally_list(req *r, const struct rally *list, int n)
{
	json_t *rallies = json_array();
	int64_t now = time_now_ms();
	for (int i = 0; i < n; i++) {
		json_t *v = view_rally(&list[i], now);
		view_decorate_rally(r, v, &list[i]);
		json_object_set_new(v, arena_printf(&r->a, "status_%s", rally_status_name(list[i].status)), json_true());
		json_array_append_new(rallies, v);
	}
	return rallies;
}
