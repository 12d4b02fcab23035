/*
 * desk.c — desk mode (the desk role's screen) and the rotating QR code.
 *
 *   GET  /console/desk                       the tenant's spots that show a rotating QR
 *   GET  /console/desk/{slug}/{spot}         the rotating QR screen: a new code every 30 s
 *                                            (the page reloads itself at the next window)
 *   GET  /t/{spot}/{code}                    participant landing page of a rotating QR
 *   POST /t/{spot}/{code}                    claim with it (current or previous window)
 */
#include <sodium.h>
#include <string.h>

#include "core/account.h"
#include "core/methods.h"
#include "core/rotating.h"
#include "core/stamp.h"
#include "http/server.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "web/common.h"
#include "web/console.h"
#include "web/page.h"
#include "web/view.h"
#include "web/web.h"

void console_desk(req *r)
{
	struct rally *list;
	int n = rally_list_tenant(r->db, &r->a, r->staff->tenant_id, &list);
	json_t *rallies = json_array();
	for (int i = 0; i < n; i++) {
		struct spot *spots;
		size_t k;
		if (list[i].status != STATUS_PUBLISHED || rally_spots(r->db, &r->a, &list[i], &spots, &k) != 0)
			continue;
		json_t *sv = json_array();
		for (size_t j = 0; j < k; j++) {
			struct spot_methods m;
			if (spot_methods_load(r->db, &r->a, spots[j].id, &m) == 0 && methods_has(m.methods, "rotating_qr"))
				json_array_append_new(sv, json_pack("{s:s, s:s}", "id", spots[j].public_id, "name", spots[j].name));
		}
		json_array_append_new(rallies, json_pack("{s:s, s:s, s:o}", "slug", list[i].slug, "title", list[i].title, "spots", sv));
	}
	json_t *view = console_view(r);
	json_object_set_new(view, "rallies", rallies);
	page_render(r, 200, "desk", view);
}

void console_desk_rotating(req *r)
{
	struct rally ra, owner;
	struct spot s;
	struct spot_methods m;
	unsigned char secret[32];
	if (!console_rally(r, r->params[0], &ra))
		return;
	if (!token_valid(r->params[1]) || spot_by_public_id(r->db, &r->a, r->params[1], &s, &owner) != 1 ||
	    owner.id != ra.id || spot_methods_load(r->db, &r->a, s.id, &m) != 0 || !methods_has(m.methods, "rotating_qr")) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	if (spot_rotating_secret(r->db, &r->a, s.id, secret) != 0) {
		if (!r->status)
			r->failed = 1;
		return;
	}
	int64_t now = time_now_ms(), w = now / ROTATING_WINDOW_MS;
	char code[24];
	rotating_code(secret, s.public_id, w, code);
	sodium_memzero(secret, sizeof secret);
	const char *url = arena_printf(&r->a, "%s/t/%s/%s", r->srv->cfg.public_url, s.public_id, code);
	int left = (int)(((w + 1) * ROTATING_WINDOW_MS - now + 999) / 1000);
	json_t *view = console_view(r);
	json_object_set_new(view, "rally", json_pack("{s:s, s:s}", "slug", ra.slug, "title", ra.title));
	json_object_set_new(view, "spot", json_pack("{s:s}", "name", s.name));
	json_t *qr = view_qr(url);
	if (qr)
		json_object_set_new(view, "qr", qr);
	json_object_set_new(view, "refresh", json_integer(left));
	page_render(r, 200, "desk_rotating", view);
}

/* The spot of a rotating-QR URL; 404 unless it takes rotating QR codes. */
static int rotating_spot(req *r, struct spot *s, struct rally *ra)
{
	struct spot_methods m;
	if (!web_spot_by_id(r, r->params[0], s, ra))
		return 0;
	if (spot_methods_load(r->db, &r->a, s->id, &m) != 0 || !methods_has(m.methods, "rotating_qr")) {
		web_error(r, 404, "spot_not_found", "error.spot_not_found", NULL);
		return 0;
	}
	return 1;
}

/* True when the URL's code is valid now; otherwise answers 410 (expired). */
static int code_ok(req *r, const struct spot *s, const struct rally *ra, const struct participant *p)
{
	unsigned char secret[32];
	if (spot_rotating_secret(r->db, &r->a, s->id, secret) != 0) {
		if (!r->status)
			r->failed = 1;
		return 0;
	}
	int ok = rotating_check(secret, s->public_id, r->params[1], time_now_ms());
	sodium_memzero(secret, sizeof secret);
	if (!ok) {
		web_failed_attempt(r, p);
		web_error(r, 410, "qr_expired", "error.qr_expired",
			  json_pack("{s:s}", "back", arena_printf(&r->a, "/r/%s", ra->slug)));
	}
	return ok;
}

void page_rotating(req *r)
{
	struct spot s;
	struct rally ra;
	if (!web_not_locked(r, NULL) || !rotating_spot(r, &s, &ra) || !code_ok(r, &s, &ra, NULL))
		return;
	json_t *view = json_pack("{s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:s}", "rally", "slug", ra.slug, "title", ra.title, "spot",
				 "name", s.name, "description", s.description, "spot_id", s.public_id, "code", r->params[1]);
	json_object_set_new(view, arena_printf(&r->a, "state_%s", rally_state_code(rally_state(&ra, time_now_ms()))),
			    json_true());
	page_render(r, 200, "rotating", view);
}

void page_rotating_claim(req *r)
{
	struct spot s;
	struct rally ra;
	if (!web_not_locked(r, NULL) || !rotating_spot(r, &s, &ra) || !code_ok(r, &s, &ra, NULL))
		return;
	struct method_input in = {.method = SM_ROTATING_QR, .token_proven = 1}; /* code_ok checked the code */
	web_claim_page(r, &ra, &s, &in, arena_printf(&r->a, "/r/%s/spots/%s", ra.slug, s.public_id), NULL);
}
