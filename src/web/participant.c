/*
 * participant.c — the participant's HTML pages: the home page, the rally
 * page, joining, the stamp card, the completion screen, and the QR landing
 * page with its claim and result.  Each handler: parse → load → act (core)
 * → render.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "core/editor.h"
#include "core/image.h"
#include "core/line.h"
#include "core/lottery.h"
#include "core/mail.h"
#include "core/methods.h"
#include "core/recovery.h"
#include "core/rally.h"
#include "core/stamp.h"
#include "core/throttle.h"
#include "lib/timeutil.h"
#include "lib/utf8.h"
#include "lib/token.h"
#include "web/common.h"
#include "web/page.h"
#include "web/rewards.h"
#include "web/view.h"
#include "web/web.h"

#define HOME_MAX 50

void page_home(req *r)
{
	struct rally list[HOME_MAX];
	int n = rally_list_public(r->db, &r->a, list, HOME_MAX);
	if (n < 0) {
		r->failed = 1;
		return;
	}
	page_render(r, 200, "home", json_pack("{s:o}", "rallies", view_rally_list(r, list, n)));
}

/* The rally and card view models for the current participant (if any),
 * merged into one page view: {"rally", "card", "joined", "state_*"}. */
static json_t *rally_page_view(req *r, const struct rally *ra, const struct participant *p, int joined,
			       struct card *c)
{
	int64_t now = time_now_ms();
	json_t *rv = view_rally(ra, now);
	view_decorate_rally(r, rv, ra);
	json_t *cv = view_card(c);
	view_decorate_card(r, cv, c, ra->primary);
	json_t *view = json_pack("{s:o, s:o, s:b}", "rally", rv, "card", cv, "joined", joined);
	json_object_set_new(view, arena_printf(&r->a, "state_%s", rally_state_code(rally_state(ra, now))), json_true());
	if (joined && p->completed_at)
		json_object_set_new(view, "completed_text", json_string(view_time(r, p->completed_at)));
	return view;
}

/* spot_positions' callback: "lat"/"lng" on the card's spot with that id. */
static void put_position(const char *public_id, double lat, double lon, void *ud)
{
	json_t *spots = ud, *s;
	size_t i;
	json_array_foreach(spots, i, s) {
		if (strcmp(json_string_value(json_object_get(s, "id")), public_id) == 0) {
			/* as text: the template's %g would keep only 6 digits */
			char t[32];
			snprintf(t, sizeof t, "%.6f", lat);
			json_object_set_new(s, "lat", json_string(t));
			snprintf(t, sizeof t, "%.6f", lon);
			json_object_set_new(s, "lng", json_string(t));
			return;
		}
	}
}

/* The map of the rally page: each positioned spot's "lat"/"lng" on the
 * card, "near" (the list can be sorted by distance) and "map" (tiles and
 * attribution, when configured) once any spot has a position. */
static void add_map(req *r, const struct rally *ra, json_t *view)
{
	json_t *spots = json_object_get(json_object_get(view, "card"), "spots"), *s;
	size_t i;
	int any = 0;
	if (spot_positions(r->db, ra->id, put_position, spots) != 0) {
		r->failed = 1;
		return;
	}
	json_array_foreach(spots, i, s) any |= json_object_get(s, "lat") != NULL;
	if (!any)
		return;
	json_object_set_new(view, "near", json_true());
	json_t *tiles = web_map_tiles(r);
	if (tiles)
		json_object_set_new(view, "map", tiles);
}

/* "Open in a map app" links of a spot at lat/lon: Apple Maps, Google Maps
 * and a geo: URI (Android picks the app). A new object. */
static json_t *map_links(req *r, const char *name, double lat, double lon)
{
	buf q = BUF_INIT;
	page_url_encode(&q, name);
	json_t *o = json_pack("{s:s, s:s, s:s}", "apple",
			      arena_printf(&r->a, "https://maps.apple.com/?ll=%.6f,%.6f&q=%s", lat, lon, buf_str(&q)), "google",
			      arena_printf(&r->a, "https://www.google.com/maps/search/?api=1&query=%.6f%%2C%.6f", lat, lon), "geo",
			      arena_printf(&r->a, "geo:%.6f,%.6f?q=%.6f,%.6f(%s)", lat, lon, lat, lon, buf_str(&q)));
	buf_free(&q);
	return o;
}

/* Load the rally, the session's participant and the card; answered on error. */
static int load_card(req *r, struct rally *ra, struct participant *p, int *joined, struct card *c)
{
	if (!web_rally(r, r->params[0], ra))
		return 0;
	*joined = participant_find(r->db, &r->a, r->session_id, ra->id, p);
	if (*joined < 0 || card_load(r->db, &r->a, ra, *joined == 1 ? p : NULL, c) != 0) {
		r->failed = 1;
		return 0;
	}
	return 1;
}

void page_rally(req *r)
{
	struct rally ra;
	struct participant p;
	struct card c;
	int joined;
	if (!load_card(r, &ra, &p, &joined, &c))
		return;
	json_t *view = rally_page_view(r, &ra, &p, joined, &c);
	add_map(r, &ra, view);
	if (!joined && participant_moved_away(r->db, r->session_id, ra.id) == 1)
		json_object_set_new(view, "moved", json_true());
	json_object_set_new(view, "has_passcode", json_boolean(rally_has_passcode(r->db, ra.id)));
	json_object_set_new(view, "line_login", json_boolean(ra.join_policy != JOIN_ANONYMOUS));
	json_object_set_new(view, "line_required", json_boolean(ra.join_policy == JOIN_LINE_REQUIRED));
	if (joined == 1 && participant_is_line(r->db, p.id)) {
		const char *name = participant_line_name(r->db, &r->a, p.id);
		json_object_set_new(view, "line_user", json_true());
		json_object_set_new(view, "line_name", json_string(name ? name : ""));
	}
	const char *cover = image_public_id(r->db, &r->a, rally_cover_image(r->db, ra.id));
	if (cover)
		json_object_set_new(view, "cover", json_string(cover));
	json_t *rewards = rewards_view(r, &ra, joined == 1 ? p.id : 0);
	json_object_set_new(view, "has_rewards", json_boolean(json_array_size(rewards) > 0));
	json_object_set_new(view, "rewards", rewards);
	page_render(r, 200, "rally", view);
}

void page_rally_join(req *r)
{
	struct rally ra;
	struct participant p;
	int created;
	if (web_rally(r, r->params[0], &ra) && web_join(r, &ra, &p, &created))
		req_redirect(r, arena_printf(&r->a, "/r/%s/card", ra.slug));
}

/* Answer with participant p's card of rally ra, with status and the keys
 * of extra (taken; may be NULL) added to its view. */
static void card_render(req *r, const struct rally *ra, const struct participant *p, struct card *c, int status,
			json_t *extra)
{
	json_t *view = rally_page_view(r, ra, p, 1, c);
	const char *code = participant_recovery(r->db, &r->a, p->id);
	if (code) {
		json_object_set_new(view, "recovery", json_string(code));
		json_object_set_new(view, "mail_on", json_boolean(mail_enabled()));
	}
	const char *restored = req_query(r, "restored"), *mailed = req_query(r, "mailed");
	json_object_set_new(view, "restored", json_boolean(restored && strcmp(restored, "1") == 0));
	json_object_set_new(view, "mailed", json_boolean(mailed && strcmp(mailed, "1") == 0));
	json_t *rewards = rewards_view(r, ra, p->id);
	json_object_set_new(view, "has_rewards", json_boolean(json_array_size(rewards) > 0));
	json_object_set_new(view, "rewards", rewards);
	if (extra)
		json_object_update(view, extra);
	json_decref(extra);
	page_render(r, status, "card", view);
}

void page_card(req *r)
{
	struct rally ra;
	struct participant p;
	struct card c;
	int joined;
	if (!load_card(r, &ra, &p, &joined, &c))
		return;
	if (!joined) {
		req_redirect(r, arena_printf(&r->a, "/r/%s", ra.slug));
		return;
	}
	card_render(r, &ra, &p, &c, 200, NULL);
}

/* POST /r/{slug}/recovery-mail: mail the card's recovery code to the
 * address typed, in the page's language. The address is not stored: only
 * the sealed outbox row holds it, until the mailer has sent it. At most
 * THROTTLE_RECOVERY_MAIL's count a day per participant and
 * THROTTLE_RECOVERY_MAIL_IP's an hour per address; a bad address or a
 * limit reached answers the card again with the message and what was typed. */
void page_recovery_mail(req *r)
{
	struct rally ra;
	struct participant p;
	struct card c;
	int joined;
	if (!mail_enabled()) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	if (!load_card(r, &ra, &p, &joined, &c))
		return;
	const char *code = joined ? participant_recovery(r->db, &r->a, p.id) : NULL;
	if (!code) {
		req_redirect(r, arena_printf(&r->a, "/r/%s", ra.slug));
		return;
	}
	const char *to = req_form(r, "email");
	to = to ? to : "";
	const char *who = web_who_participant(r, p.id), *ip = req_client_ip(r);
	int64_t now = time_now_ms(), wait = 0;
	const char *problem = NULL;
	int status = 422;
	if (strlen(to) > 254 || !email_address_ok(to))
		problem = "card.mail_bad";
	else if (!throttle_allowed(r->db, &THROTTLE_RECOVERY_MAIL, who, now, &wait) ||
		 !throttle_allowed(r->db, &THROTTLE_RECOVERY_MAIL_IP, ip, now, &wait))
		problem = "card.mail_limit", status = 429;
	if (problem) {
		card_render(r, &ra, &p, &c, status, json_pack("{s:s, s:s}", "mail_error", web_text(r, problem), "mail_to", to));
		return;
	}
	const char *title = web_rally_text(r, &ra, "rally:title", ra.title);
	if (mail_recovery_code(r->db, &r->a, ra.tenant_id, to, r->lang, title, code, now) != 0 ||
	    throttle_failed(r->db, &THROTTLE_RECOVERY_MAIL, who, now) != 0 ||
	    throttle_failed(r->db, &THROTTLE_RECOVERY_MAIL_IP, ip, now) != 0) {
		r->failed = 1;
		return;
	}
	req_redirect(r, arena_printf(&r->a, "/r/%s/card?mailed=1#recovery", ra.slug));
}

void page_complete(req *r)
{
	struct rally ra;
	struct participant p;
	struct card c;
	int joined;
	if (!load_card(r, &ra, &p, &joined, &c))
		return;
	if (!joined || !p.completed_at) {
		req_redirect(r, arena_printf(&r->a, "/r/%s/card", ra.slug));
		return;
	}
	page_render(r, 200, "complete", rally_page_view(r, &ra, &p, joined, &c));
}

/* The view of one spot for the QR pages: {"spot", "rally", "qr_token", ...}. */
static json_t *spot_view(req *r, const struct spot *s, const struct rally *ra, int64_t collected_at)
{
	int64_t now = time_now_ms();
	json_t *rv = view_rally(ra, now);
	view_decorate_rally(r, rv, ra);
	json_t *sv = json_pack("{s:s, s:s, s:s, s:s}", "id", s->public_id, "name", s->name, "description",
			       s->description, "stamp_v", view_stamp_version(r, s->name, ra->primary));
	if (s->stamp_image)
		json_object_set_new(sv, "stamp_image", json_string(s->stamp_image));
	if (s->image)
		json_object_set_new(sv, "image", json_string(s->image));
	if (collected_at)
		json_object_set_new(sv, "collected_text", json_string(view_time(r, collected_at)));
	json_t *view = json_pack("{s:o, s:o, s:s, s:b}", "spot", sv, "rally", rv, "qr_token", s->qr_token,
				 "collected", collected_at != 0);
	json_object_set_new(view, arena_printf(&r->a, "state_%s", rally_state_code(rally_state(ra, now))), json_true());
	return view;
}

/* The spot page's view: the spot, what it accepts, and whether collected. */
static json_t *spot_page_view(req *r, const struct spot *s, const struct rally *ra, int64_t at)
{
	struct spot_methods m;
	json_t *view = spot_view(r, s, ra, at);
	json_object_del(view, "qr_token"); /* the QR token is what a visit proves: never on other pages */
	if (spot_methods_load(r->db, &r->a, s->id, &m) == 0) {
		json_t *how = json_object();
		static const char *names[] = {"qr", "gps", "qr_gps", "keyword", "pin", "rotating_qr"};
		for (size_t i = 0; i < 6; i++)
			if (methods_has(m.methods, names[i]))
				json_object_set_new(how, names[i], json_true());
		json_object_set_new(view, "how", how);
		if (m.has_position)
			json_object_set_new(view, "maps", map_links(r, s->name, m.lat, m.lon));
	}
	return view;
}

/* When the session's participant collected spot s: its time, or 0. */
static int64_t collected_at(req *r, const struct rally *ra, const struct spot *s, struct participant *p)
{
	if (participant_find(r->db, &r->a, r->session_id, ra->id, p) != 1)
		return 0;
	return stamp_collected_at(r->db, p->id, s->id);
}

void page_qr(req *r)
{
	struct spot s;
	struct rally ra;
	struct participant p;
	if (web_spot(r, r->params[0], &s, &ra))
		page_render(r, 200, "qr", spot_view(r, &s, &ra, collected_at(r, &ra, &s, &p)));
}

/* The QR page again, for a claim whose proof failed (claim.c). */
static json_t *qr_again(req *r, const struct spot *s, const struct rally *ra)
{
	return spot_view(r, s, ra, 0);
}

void page_qr_claim(req *r)
{
	struct spot s;
	struct rally ra;
	if (!web_spot(r, r->params[0], &s, &ra))
		return;
	struct method_input in = {.method = SM_QR, .token_proven = 1}; /* the URL's token named this spot */
	web_read_position(r, &in);
	static const struct claim_form form = {"qr", qr_again};
	web_claim_page(r, &ra, &s, &in, arena_printf(&r->a, "/q/%s/result", s.qr_token), &form);
}

void page_qr_result(req *r)
{
	struct spot s;
	struct rally ra;
	struct participant p;
	struct card c;
	if (!web_spot(r, r->params[0], &s, &ra))
		return;
	int64_t at = collected_at(r, &ra, &s, &p);
	if (!at) {
		req_redirect(r, arena_printf(&r->a, "/q/%s", s.qr_token));
		return;
	}
	if (card_load(r->db, &r->a, &ra, &p, &c) != 0) {
		r->failed = 1;
		return;
	}
	json_t *view = spot_view(r, &s, &ra, at);
	const char *fresh = req_query(r, "new");
	json_object_set_new(view, "new", json_boolean(fresh && strcmp(fresh, "1") == 0));
	json_object_set_new(view, "card", view_card(&c));
	json_t *rewards = rewards_view(r, &ra, p.id);
	json_t *ready = rewards_ready(r, rewards);
	json_object_set_new(view, "has_ready", json_boolean(json_array_size(ready) > 0));
	json_object_set_new(view, "ready", ready);
	json_decref(rewards);
	page_render(r, 200, "result", view);
}

/* GET /stamps/{id}.svg — the spot's default stamp art, a generated hanko.
 * Cacheable: the URL's ?v= changes when the name or the templates change. */
void page_stamp_svg(req *r)
{
	struct spot s;
	struct rally ra;
	const char *file = r->params[0];
	size_t n = strlen(file);
	char *id = n > 4 && strcmp(file + n - 4, ".svg") == 0 ? arena_strndup(&r->a, file, n - 4) : NULL;
	int rc = id && token_valid(id) ? spot_by_public_id(r->db, &r->a, id, &s, &ra) : 0;
	if (rc < 0) {
		r->failed = 1;
		return;
	}
	if (rc == 0) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	/* Served for draft rallies too: the console previews them; the random
	 * spot id is known only to the organizers until the rally is public. */
	const char *ink = colour_valid(ra.primary) ? ra.primary : "#c62828"; /* the rally's theme */
	if (req_cached(r, arena_printf(&r->a, "\"%s\"", view_stamp_version(r, s.name, ink)), "public, max-age=86400"))
		return;
	page_render_as(r, 200, "stamp", "image/svg+xml",
		       json_pack("{s:s, s:s, s:o}", "name", s.name, "ink", ink, "hanko", view_hanko(s.name)));
}

/* The spot {id} of rally {slug} from the URL; 404 otherwise. */
static int url_spot(req *r, struct spot *s, struct rally *ra)
{
	if (!web_spot_by_id(r, r->params[1], s, ra))
		return 0;
	if (strcmp(ra->slug, r->params[0]) != 0) {
		web_error(r, 404, "spot_not_found", "error.spot_not_found", NULL);
		return 0;
	}
	return 1;
}

/* GET /r/{slug}/spots/{id}: one spot, with a form for each way it gives a
 * stamp besides its QR code (GPS, keyword, staff PIN); also the result page
 * of those (?new=1). */
void page_spot(req *r)
{
	struct spot s;
	struct rally ra;
	struct participant p;
	if (!url_spot(r, &s, &ra))
		return;
	json_t *view = spot_page_view(r, &s, &ra, collected_at(r, &ra, &s, &p));
	const char *fresh = req_query(r, "new");
	json_object_set_new(view, "new", json_boolean(fresh && strcmp(fresh, "1") == 0));
	page_render(r, 200, "spot", view);
}

/* The spot page again, for a claim whose proof failed (claim.c). */
static json_t *spot_again(req *r, const struct spot *s, const struct rally *ra)
{
	return spot_page_view(r, s, ra, 0);
}

/* POST /r/{slug}/spots/{id}: claim by GPS, keyword or staff PIN. */
void page_spot_claim(req *r)
{
	struct spot s;
	struct rally ra;
	if (!url_spot(r, &s, &ra))
		return;
	struct method_input in = {.method = stamp_method_parse(req_form(r, "method"), -1)};
	in.secret = req_form(r, "keyword"); /* a PIN is proven before (prove.c) */
	if (!web_method_by_id(in.method)) {
		web_error(r, 400, "invalid_request", "error.method_required", NULL);
		return;
	}
	web_read_position(r, &in);
	static const struct claim_form form = {"spot", spot_again};
	web_claim_page(r, &ra, &s, &in, arena_printf(&r->a, "/r/%s/spots/%s", ra.slug, s.public_id), &form);
}

void page_recover_form(req *r)
{
	page_render(r, 200, "recover", json_object());
}

/* Restore a card from its recovery code (throttled per address). Answers
 * the error itself and returns 0, or 1 with the rally's slug in *slug. */
static int recover(req *r, const char *typed, const char **slug)
{
	char canon[12];
	int64_t rally_id = 0;
	if (!web_not_locked(r, NULL))
		return 0;
	if (!typed || strlen(typed) > 64 || recovery_parse(typed, canon, sizeof canon) != 0) {
		web_failed_attempt(r, NULL);
		web_error(r, 422, "invalid_code", "error.recovery_invalid", json_pack("{s:s}", "back", "/recover"));
		return 0;
	}
	if (!web_session(r))
		return 0;
	int rc = participant_recover(r->db, canon, r->session_id, &rally_id);
	struct rally ra;
	if (rc == 1 && rally_by_id(r->db, &r->a, rally_id, &ra) == 1) {
		*slug = ra.slug;
		return 1;
	}
	if (rc < 0) {
		r->failed = 1;
		return 0;
	}
	if (rc == 0) {
		web_failed_attempt(r, NULL);
		web_error(r, 404, "unknown_code", "error.recovery_unknown", json_pack("{s:s}", "back", "/recover"));
	}
	return 0;
}

void page_recover(req *r)
{
	const char *slug;
	if (recover(r, req_form(r, "code"), &slug))
		req_redirect(r, arena_printf(&r->a, "/r/%s/card?restored=1", slug));
}

void api_recover(req *r)
{
	const char *slug;
	if (recover(r, json_string_value(json_object_get(r->json, "code")), &slug))
		json_respond(r, 200, json_pack("{s:s}", "rally", slug));
}

/* POST /r/{slug}/certificate: a printable completion certificate with the
 * name the participant typed (not stored) and the completion date. */
void page_certificate(req *r)
{
	struct rally ra;
	struct participant p;
	struct card c;
	int joined;
	if (!load_card(r, &ra, &p, &joined, &c))
		return;
	if (!joined || !p.completed_at) {
		web_error(r, 409, "not_completed", "error.not_completed",
			  json_pack("{s:s}", "back", arena_printf(&r->a, "/r/%s/card", ra.slug)));
		return;
	}
	const char *name = req_form(r, "name");
	if (!name || !*name || utf8_chars(name) > 40 || !utf8_printable(name)) {
		web_error(r, 422, "invalid_request", "error.certificate_name",
			  json_pack("{s:s}", "back", arena_printf(&r->a, "/r/%s/complete", ra.slug)));
		return;
	}
	char date[64];
	time_format_jst(p.completed_at, web_text(r, "fmt.date"), date, sizeof date);
	page_render(r, 200, "certificate",
		    json_pack("{s:{s:s, s:s}, s:s, s:s, s:I}", "rally", "slug", ra.slug, "title", ra.title, "name", name,
			      "date", date, "spots", (json_int_t)c.n));
}
