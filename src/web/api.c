/*
 * api.c — the participant JSON API (docs/api.md).  Same core calls as the
 * HTML pages, answered with the view models as JSON.
 */
#include <string.h>

#include "core/rally.h"
#include "core/methods.h"
#include "core/recovery.h"
#include "core/stamp.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "web/common.h"
#include "web/page.h"
#include "web/rewards.h"
#include "web/view.h"
#include "web/web.h"

void api_rally(req *r)
{
	struct rally ra;
	struct card c;
	if (!web_rally(r, r->params[0], &ra))
		return;
	if (card_load(r->db, &r->a, &ra, NULL, &c) != 0) {
		r->failed = 1;
		return;
	}
	json_t *spots = json_array();
	for (size_t i = 0; i < c.n; i++)
		json_array_append_new(spots, json_pack("{s:s, s:s, s:s, s:i}", "id", c.spots[i].public_id, "name",
						       c.spots[i].name, "description", c.spots[i].description,
						       "position", c.spots[i].position));
	json_respond(r, 200, json_pack("{s:o, s:o}", "rally", view_rally(&ra, time_now_ms()), "spots", spots));
}

static json_t *participant_json(const struct participant *p)
{
	char t[40];
	time_format_iso_jst(p->created_at, t, sizeof t);
	return json_pack("{s:s, s:s}", "id", p->public_id, "joined_at", t);
}

void api_join(req *r)
{
	struct rally ra;
	struct participant p;
	int created;
	if (!web_rally(r, r->params[0], &ra) || !web_join(r, &ra, &p, &created))
		return;
	json_t *body = json_pack("{s:s, s:o, s:b}", "rally", ra.slug, "participant", participant_json(&p), "created", created);
	const char *code = participant_recovery(r->db, &r->a, p.id);
	if (code)
		json_object_set_new(body, "recovery_code", json_string(code));
	json_respond(r, created ? 201 : 200, body);
}

/* POST /api/v1/stamps: {"qr_token"} (QR, or QR + GPS with lat/lng/accuracy)
 * or {"spot_id", "method": "gps"|"keyword"|"pin", ...}. */
void api_stamp(req *r)
{
	const char *token = json_string_value(json_object_get(r->json, "qr_token"));
	const char *spot_id = json_string_value(json_object_get(r->json, "spot_id"));
	struct method_input in = {0};
	struct spot s;
	struct rally ra;
	struct participant p;
	struct claim cl;
	if (!token && !spot_id) {
		web_error(r, 400, "invalid_request", "error.qr_token_required", NULL);
		return;
	}
	if (!web_not_locked(r, NULL))
		return;
	if (token) {
		if (!web_spot(r, token, &s, &ra)) {
			web_failed_attempt(r, NULL);
			return;
		}
		in.method = SM_QR;
		in.token_proven = 1;
	} else {
		if (!web_spot_by_id(r, spot_id, &s, &ra))
			return;
		in.method = stamp_method_parse(json_string_value(json_object_get(r->json, "method")), -1);
		in.secret = json_string_value(json_object_get(r->json, "keyword")); /* a PIN is proven before (prove.c) */
		if (!web_method_by_id(in.method)) {
			web_error(r, 400, "invalid_request", "error.method_required", NULL);
			return;
		}
	}
	web_read_position(r, &in);
	int joined = participant_find(r->db, &r->a, r->session_id, ra.id, &p);
	if (joined != 1) {
		if (joined < 0)
			r->failed = 1;
		else
			web_error(r, 403, "not_joined", "error.not_joined", NULL);
		return;
	}
	if (!web_line_ok(r, &ra, &p) || !web_method_ok(r, &ra, &s, &p, &in, NULL))
		return;
	web_stamp_claim(r, &ra, &p, &s, stamp_method_name(in.method), &cl);
	if (web_claim_refused(r, &cl, &ra, &s))
		return;
	char at[40];
	time_format_iso_jst(cl.collected_at, at, sizeof at);
	json_t *rewards = rewards_view(r, &ra, p.id), *ready = rewards_ready(r, rewards);
	json_decref(rewards);
	json_respond(r, cl.status == CLAIM_NEW ? 201 : 200,
		     json_pack("{s:{s:s, s:s, s:s, s:s}, s:{s:I, s:I}, s:b, s:b, s:b, s:o}", "stamp", "spot_id", s.public_id,
			       "spot_name", s.name, "method", stamp_method_name(in.method), "collected_at", at, "progress", "collected",
			       (json_int_t)cl.collected, "total", (json_int_t)cl.total, "completed", cl.completed,
			       "just_completed", cl.just_completed, "already_collected", cl.status == CLAIM_ALREADY,
			       "rewards_ready", ready));
}

void api_card(req *r)
{
	struct rally ra;
	struct participant p;
	struct card c;
	if (!web_rally(r, r->params[0], &ra))
		return;
	int joined = participant_find(r->db, &r->a, r->session_id, ra.id, &p);
	if (joined != 1) {
		if (joined < 0)
			r->failed = 1;
		else
			web_error(r, 403, "not_joined", "error.not_joined", NULL);
		return;
	}
	if (card_load(r->db, &r->a, &ra, &p, &c) != 0) {
		r->failed = 1;
		return;
	}
	json_t *card = view_card(&c);
	char t[40];
	time_format_iso_jst(p.completed_at, t, sizeof t);
	json_object_set_new(card, "completed_at", p.completed_at ? json_string(t) : json_null());
	json_object_set_new(card, "rally", view_rally(&ra, time_now_ms()));
	json_object_set_new(card, "participant", participant_json(&p));
	json_object_set_new(card, "rewards", rewards_view(r, &ra, p.id));
	json_respond(r, 200, card);
}
