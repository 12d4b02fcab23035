/*
 * console_posters.c — printable A4 QR posters: one per spot, or all spots
 * of a rally on consecutive pages. The QR code encodes the spot's full
 * public URL (server.public_url + /q/{token}), drawn as SVG.
 */
#include <string.h>

#include "core/stamp.h"
#include "http/server.h"
#include "lib/qr.h"
#include "web/console.h"
#include "web/page.h"
#include "web/web.h"

/* One poster's view: rally, spot, URL and the QR drawing. */
static json_t *poster(req *r, const struct rally *ra, const struct spot *s)
{
	const char *url = arena_printf(&r->a, "%s/q/%s", r->srv->cfg.public_url, s->qr_token);
	buf path = BUF_INIT;
	int size = 0;
	if (qr_svg_path(url, &path, &size) != 0) {
		buf_free(&path);
		return NULL;
	}
	json_t *p = json_pack("{s:s, s:s, s:s, s:i, s:i, s:s%}", "rally", ra->title, "spot", s->name, "url", url, "size",
			      size, "view", size + 8, "path", buf_str(&path), path.len);
	buf_free(&path);
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
	json_object_set_new(view, "how_ja", json_string(i18n_text(LANG_JA, "poster.how")));
	json_object_set_new(view, "how_en", json_string(i18n_text(LANG_EN, "poster.how")));
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
