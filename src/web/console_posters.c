/*
 * console_posters.c — printable A4 posters: one per spot, or all spots of a
 * rally on consecutive pages, each saying how that spot gives its stamp. A
 * spot that takes its QR code gets it (server.public_url + /q/{token},
 * drawn as SVG); a GPS spot gets a QR code of its page; keyword, staff PIN
 * and desk-screen spots get none (a code there would only mislead).
 */
#include <string.h>

#include "core/methods.h"
#include "core/stamp.h"
#include "http/server.h"
#include "web/console.h"
#include "web/page.h"
#include "web/view.h"
#include "web/web.h"

/* The ways a poster explains, in the order it explains them. */
static const enum stamp_method ORDER[] = {SM_QR, SM_QR_GPS, SM_GPS, SM_ROTATING_QR, SM_KEYWORD, SM_PIN};

/* What the poster's QR code points at: the spot's token for QR methods,
 * its page for GPS, nothing otherwise. An arena string or NULL. */
static const char *poster_url(req *r, const struct rally *ra, const struct spot *s)
{
	if (s->methods & (1u << SM_QR | 1u << SM_QR_GPS))
		return arena_printf(&r->a, "%s/q/%s", r->srv->cfg.public_url, s->qr_token);
	if (s->methods & (1u << SM_GPS))
		return arena_printf(&r->a, "%s/r/%s/spots/%s", r->srv->cfg.public_url, ra->slug, s->public_id);
	return NULL;
}

/* The lines saying how, one per method the spot takes, in ja and en. */
static json_t *poster_how(const struct spot *s)
{
	json_t *how = json_array();
	for (size_t i = 0; i < sizeof ORDER / sizeof *ORDER; i++) {
		if (!(s->methods & (1u << ORDER[i])))
			continue;
		const char *key = ORDER[i] == SM_QR ? "poster.how" : NULL;
		char name[40];
		if (!key) {
			snprintf(name, sizeof name, "poster.how_%s", stamp_method_name(ORDER[i]));
			key = name;
		}
		json_array_append_new(how, json_pack("{s:s, s:s, s:s}", "method", stamp_method_name(ORDER[i]), "ja",
						     i18n_text(LANG_JA, key), "en", i18n_text(LANG_EN, key)));
	}
	return how;
}

/* One poster's view: rally, spot, how, and the QR drawing when it has one. */
static json_t *poster(req *r, const struct rally *ra, const struct spot *s)
{
	json_t *p = json_pack("{s:s, s:s, s:s, s:o}", "rally", ra->title, "spot", s->name, "description", s->description,
			      "how", poster_how(s));
	const char *url = poster_url(r, ra, s);
	if (!url)
		return p;
	json_t *qr = view_qr(url);
	if (!qr) {
		json_decref(p);
		return NULL;
	}
	json_object_set_new(p, "qr", qr);
	if (!(s->methods & (1u << SM_QR | 1u << SM_QR_GPS))) /* a code of the spot's page: say so, in both */
		json_object_set_new(p, "page", json_pack("{s:s, s:s}", "ja", i18n_text(LANG_JA, "poster.link_spot"), "en",
							 i18n_text(LANG_EN, "poster.link_spot")));
	return p;
}

static void render(req *r, const struct rally *ra, const struct spot *spots, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *p = poster(r, ra, &spots[i]);
		if (!p) {
			json_decref(list);
			web_error(r, 500, "internal", "error.internal", NULL);
			return;
		}
		json_array_append_new(list, p);
	}
	json_t *view = console_view(r);
	json_object_set_new(view, "posters", list);
	json_object_set_new(view, "rally", json_pack("{s:s, s:s}", "slug", ra->slug, "title", ra->title));
	page_render(r, 200, "posters", view);
}

void console_posters(req *r)
{
	struct rally ra;
	struct spot *spots;
	size_t n;
	if (!console_rally(r, r->params[0], &ra))
		return;
	if (rally_spots(r->db, &r->a, &ra, &spots, &n) != 0) {
		r->failed = 1;
		return;
	}
	render(r, &ra, spots, n);
}

void console_poster(req *r)
{
	struct rally ra, owner;
	struct spot s;
	if (!console_rally(r, r->params[0], &ra))
		return;
	if (spot_by_public_id(r->db, &r->a, r->params[1], &s, &owner) != 1 || owner.id != ra.id) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	render(r, &ra, &s, 1);
}
