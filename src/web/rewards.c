/*
 * rewards.c — rewards on the participant side and at the desk.
 *
 *   POST /r/{slug}/rewards/{tier}         take an earned reward (a first-come prize takes stock)
 *   GET  /rewards/{code}                  the participant's coupon, with a live clock
 *   POST /rewards/{code}/redeem           staff type the desk PIN on the phone: used once
 *   GET  /console/desk/redeem?code=       desk lookup of a coupon by its code
 *   POST /console/desk/redeem/{code}      desk redemption
 *   POST /console/rallies/{slug}/tiers    add a tier (rally editor), a lottery with its form
 *   POST /console/rallies/{slug}/tiers/{tier}          change its name, stamps needed, stock
 *   POST /console/rallies/{slug}/tiers/{tier}/delete   delete it while nobody has it
 */
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/editor.h"
#include "core/lottery.h"
#include "core/rewards.h"
#include "core/secret.h"
#include "core/throttle.h"
#include "core/stamp.h"
#include "http/server.h"
#include "lib/timeutil.h"
#include "lib/utf8.h"
#include "web/common.h"
#include "web/console.h"
#include "web/page.h"
#include "web/view.h"
#include "web/web.h"

json_t *rewards_view(req *r, const struct rally *ra, int64_t participant_id)
{
	struct tier *t;
	int n = tiers_load(r->db, &r->a, ra->id, participant_id, &t);
	int64_t now = time_now_ms();
	json_t *list = json_array();
	for (int i = 0; i < n; i++) {
		json_t *v = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:b, s:b}", "id", t[i].public_id, "name", t[i].name,
				      "description", t[i].description, "have", (json_int_t)t[i].have, "need",
				      (json_int_t)t[i].need, "left", (json_int_t)(t[i].need - t[i].have), "earned",
				      t[i].need > 0 && t[i].have >= t[i].need, "first_come", t[i].kind == TIER_FIRST_COME);
		json_object_set_new(v, "kind", json_string(tier_kind_name(t[i].kind)));
		json_object_set_new(v, "condition", json_string(tier_condition_name(t[i].condition)));
		json_object_set_new(v, arena_printf(&r->a, "cond_%s", tier_condition_name(t[i].condition)), json_true());
		json_object_set_new(v, "category", json_string(t[i].category));
		json_object_set_new(v, "kind_label", json_string(web_text(r, arena_printf(&r->a, "tier.%s", tier_kind_name(t[i].kind)))));
		if (t[i].reward_code)
			json_object_set_new(v, "code", json_string(t[i].reward_code));
		if (t[i].redeemed_at)
			json_object_set_new(v, "redeemed", json_true());
		if (t[i].kind == TIER_FIRST_COME) {
			json_object_set_new(v, "sold_out", json_boolean(t[i].stock == 0 && !t[i].reward_code));
			json_object_set_new(v, "stock", json_integer(t[i].stock));
		}
		if (t[i].kind == TIER_LOTTERY) {
			json_t *l = json_pack("{s:b, s:b, s:b, s:s}", "won", t[i].won_rank > 0, "drawn", t[i].drawn, "closed",
					      !lottery_open(&t[i], ra, now), "closes",
					      view_time(r, t[i].entries_until));
			char iso[40];
			time_format_iso_jst(t[i].entries_until, iso, sizeof iso);
			json_object_set_new(l, "closes_at", json_string(iso));
			time_format_jst(t[i].entries_until, "%Y-%m-%dT%H:%M", iso, sizeof iso);
			json_object_set_new(l, "until_input", json_string(t[i].deadline_set ? iso : ""));
			if (t[i].entry_number)
				json_object_set_new(l, "entry", json_integer(t[i].entry_number));
			json_object_set_new(v, "lottery", l);
		}
		json_array_append_new(list, v);
	}
	return list;
}

json_t *rewards_ready(req *r, json_t *rewards)
{
	json_t *ready = json_array(), *t;
	size_t i;
	json_array_foreach(rewards, i, t) {
		json_t *l = json_object_get(t, "lottery");
		const char *kind = json_string_value(json_object_get(t, "kind"));
		int open = l ? !json_object_get(l, "entry") && !json_is_true(json_object_get(l, "closed"))
			     : !json_object_get(t, "code") && !json_is_true(json_object_get(t, "sold_out"));
		if (json_is_true(json_object_get(t, "earned")) && open)
			json_array_append_new(ready, json_pack("{s:O, s:O, s:s, s:s, s:b, s:s}", "id", json_object_get(t, "id"), "name",
							       json_object_get(t, "name"), "kind", kind, "text",
							       web_text(r, arena_printf(&r->a, "result.ready_%s", kind)), "is_lottery",
							       l != NULL, "action", web_text(r, l ? "lottery.apply" : "reward.take")));
	}
	return ready;
}

int web_tier(req *r, const struct rally *ra, int64_t participant_id, int kind, struct tier *out)
{
	struct tier *t;
	int n = tiers_load(r->db, &r->a, ra->id, participant_id, &t);
	for (int i = 0; i < n; i++)
		if (!strcmp(t[i].public_id, r->params[1]) && (kind < 0 || (int)t[i].kind == kind)) {
			*out = t[i];
			return 1;
		}
	web_error(r, 404, "not_found", "error.not_found", NULL);
	return 0;
}

int web_own_tier(req *r, struct rally *ra, struct participant *p, int kind, struct tier *t)
{
	if (!web_rally(r, r->params[0], ra))
		return 0;
	if (participant_find(r->db, &r->a, r->session_id, ra->id, p) != 1) {
		web_error(r, 403, "not_joined", "error.not_joined", NULL);
		return 0;
	}
	return web_tier(r, ra, p->id, kind, t);
}

void page_reward_take(req *r)
{
	struct rally ra;
	struct participant p;
	struct tier t;
	char code[20];
	if (!web_own_tier(r, &ra, &p, -1, &t))
		return;
	if (t.kind == TIER_LOTTERY) { /* a lottery is entered through its form */
		req_redirect(r, arena_printf(&r->a, "/r/%s/lottery/%s", ra.slug, t.public_id));
		return;
	}
	json_t *back = json_pack("{s:s}", "back", arena_printf(&r->a, "/r/%s/card", ra.slug));
	switch (reward_take(r->db, &t, p.id, time_now_ms(), code, sizeof code)) {
	case TAKE_OK:
	case TAKE_ALREADY:
		json_decref(back);
		req_redirect(r, arena_printf(&r->a, "/rewards/%s", code));
		return;
	case TAKE_NOT_EARNED:
		web_error(r, 409, "not_earned", "error.reward_not_earned", back);
		return;
	case TAKE_SOLD_OUT:
		web_error(r, 409, "sold_out", "error.sold_out", back);
		return;
	default:
		json_decref(back);
		r->failed = 1;
	}
}

/* The reward with the URL's code, if it belongs to this browser's participant. */
static int own_reward(req *r, struct reward *w)
{
	struct participant p;
	struct rally ra;
	if (strlen(r->params[0]) > 16 || reward_by_code(r->db, &r->a, r->params[0], w) != 1 ||
	    rally_by_id(r->db, &r->a, w->rally_id, &ra) != 1 ||
	    participant_find(r->db, &r->a, r->session_id, ra.id, &p) != 1 || p.id != w->participant_id) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return 0;
	}
	return 1;
}

static json_t *reward_json(req *r, const struct reward *w)
{
	json_t *v = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:s}", "code", w->code, "name", w->tier_name, "rally", "slug",
			      w->rally_slug, "title", w->rally_title, "earned_text", view_time(r, w->earned_at), "kind_label",
			      web_text(r, w->tier_kind == TIER_FIRST_COME ? "reward.prize" : "reward.coupon"));
	if (w->redeemed_at)
		json_object_set_new(v, "redeemed_text", json_string(view_time(r, w->redeemed_at)));
	json_object_set_new(v, "now_text", json_string(view_time(r, time_now_ms())));
	/* for the desk: a phone's camera opens the lookup of this coupon */
	json_t *qr = w->redeemed_at ? NULL
				    : view_qr(arena_printf(&r->a, "%s/console/desk/redeem?code=%s", r->srv->cfg.public_url, w->code));
	if (qr)
		json_object_set_new(v, "qr", qr);
	return v;
}

/* Redeem w once and answer: 1 when it was redeemed now (the caller
 * redirects), else the refusal (409 saying when it was used) or 503. */
static int redeem(req *r, const struct reward *w, const char *back)
{
	int64_t when;
	int rc = reward_redeem(r->db, w->id, time_now_ms(), &when);
	if (rc == 0)
		web_error(r, 409, "already_redeemed", "error.already_redeemed",
			  json_pack("{s:s, s:s}", "back", back, "when", view_time(r, when)));
	else if (rc < 0)
		r->failed = 1;
	return rc == 1;
}

void page_reward(req *r)
{
	struct reward w;
	if (own_reward(r, &w))
		page_render(r, 200, "reward", reward_json(r, &w));
}

void page_reward_redeem(req *r)
{
	struct reward w;
	struct rally ra;
	if (!own_reward(r, &w) || rally_by_id(r->db, &r->a, w.rally_id, &ra) != 1)
		return;
	/* The desk PIN is guessed per address, participant, coupon and rally:
	 * many addresses or coupons do not add up to many guesses. */
	struct guess_keys g = {{&THROTTLE_GUESS_IP}, {req_client_ip(r)}, 1};
	guess_key(&g, &THROTTLE_GUESS, web_who_participant(r, w.participant_id));
	guess_key(&g, &THROTTLE_COUPON, w.code);
	guess_key(&g, &THROTTLE_DESK_RALLY, arena_printf(&r->a, "%lld", (long long)ra.id));
	if (!web_guess_allowed(r, &g))
		return;
	const char *pin = req_form(r, "pin");
	const char *back = arena_printf(&r->a, "/rewards/%s", w.code);
	if (!pin || !secret_same(r->proof.desk_pin_hash, rally_desk_pin_hash(r->db, &r->a, ra.id))) {
		web_guess_failed(r, &g);
		web_error(r, 422, "wrong_pin", "error.wrong_pin", json_pack("{s:s}", "back", back));
		return;
	}
	if (redeem(r, &w, back))
		req_redirect(r, back);
}

void console_desk_lookup(req *r)
{
	json_t *view = console_view(r);
	const char *code = req_query(r, "code");
	struct reward w;
	if (code && *code) {
		char norm[REWARD_CODE_SIZE];
		int rc = strlen(code) <= 64 && reward_code_normalise(code, norm) == 0 ? reward_by_code(r->db, &r->a, norm, &w) : 0;
		struct rally ra;
		if (rc == 1 && rally_by_id(r->db, &r->a, w.rally_id, &ra) == 1 && ra.tenant_id == r->staff->tenant_id)
			json_object_set_new(view, "reward", reward_json(r, &w));
		else
			json_object_set_new(view, "not_found", json_true());
		json_object_set_new(view, "query", json_string(code));
	}
	page_render(r, 200, "desk_redeem", view);
}

void console_desk_redeem(req *r)
{
	struct reward w;
	struct rally ra;
	if (reward_by_code(r->db, &r->a, r->params[0], &w) != 1 || rally_by_id(r->db, &r->a, w.rally_id, &ra) != 1 ||
	    ra.tenant_id != r->staff->tenant_id) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	const char *back = arena_printf(&r->a, "/console/desk/redeem?code=%s", w.code);
	if (!redeem(r, &w, back))
		return;
	console_event(r, "reward_redeemed", web_json_text(r, json_pack("{s:s}", "code", w.code)));
	req_redirect(r, back);
}

/* The lottery form from the tier editor: ask_<field> is "no", "optional" or
 * "required"; label_q1…q3 word the free questions. Its JSON into *json, or
 * 0 when a question is asked without a label. */
static int tier_form(req *r, const char **json)
{
	struct lottery_form f;
	memset(&f, 0, sizeof f);
	for (int i = 0; i < LF_COUNT; i++) {
		const char *key = lottery_field_key(i);
		const char *ask = req_form(r, arena_printf(&r->a, "ask_%s", key));
		f.asked[i] = ask && (!strcmp(ask, "optional") || !strcmp(ask, "required"));
		f.required[i] = ask && !strcmp(ask, "required");
		if (i >= LF_Q1 && f.asked[i]) {
			const char *label = req_form(r, arena_printf(&r->a, "label_%s", key));
			if (!label || !*label || utf8_chars(label) > LOTTERY_LABEL_MAX || !utf8_printable(label))
				return 0;
			f.label[i] = label;
		}
	}
	*json = lottery_form_json(&r->a, &f);
	return 1;
}

void console_tier_create(req *r)
{
	struct rally ra;
	if (!console_rally(r, r->params[0], &ra))
		return;
	const char *name = req_form(r, "name");
	int kind = tier_kind_parse(req_form(r, "kind")), cond = tier_condition_parse(req_form(r, "condition"));
	const char *cat = req_form(r, "category"), *th = req_form(r, "threshold"), *st = req_form(r, "stock");
	const char *back = arena_printf(&r->a, "/console/rallies/%s", ra.slug), *form = NULL;
	char *end = NULL;
	long threshold = th && *th ? strtol(th, &end, 10) : 0;
	long stock = st && *st ? strtol(st, &end, 10) : -1;
	int lottery = kind == TIER_LOTTERY;
	int ok = name && *name && utf8_chars(name) <= 100 && utf8_printable(name) && kind >= 0 && cond >= 0 &&
		 (cond == COND_ALL || (cond == COND_COUNT && threshold >= 1 && threshold <= 1000) ||
		  (cond == COND_CATEGORY && cat && *cat && utf8_chars(cat) <= 50)) &&
		 (kind != TIER_FIRST_COME || (stock >= 0 && stock <= 1000000)) && (!end || !*end) &&
		 (!lottery || tier_form(r, &form));
	if (!ok) {
		web_error(r, 422, "invalid_request", "tier.invalid", json_pack("{s:s}", "back", back));
		return;
	}
	if (tier_create(r->db, ra.id, name, "", (enum tier_kind)kind, (enum tier_condition)cond, threshold, cat ? cat : "",
			kind == TIER_FIRST_COME ? stock : -1, form, time_now_ms()) <= 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "tier_created", web_json_text(r, json_pack("{s:s, s:s}", "rally", ra.slug, "tier", name)));
	req_redirect(r, arena_printf(&r->a, "%s?saved=1", back));
}

/* The tier of the tenant's rally: params[0] the rally, params[1] the tier. */
static int console_tier(req *r, struct rally *ra, struct tier *out)
{
	return console_rally(r, r->params[0], ra) && web_tier(r, ra, 0, -1, out);
}

void console_tier_update(req *r)
{
	struct rally ra;
	struct tier t;
	if (!console_tier(r, &ra, &t))
		return;
	const char *name = req_form(r, "name"), *th = req_form(r, "threshold"), *st = req_form(r, "stock");
	const char *back = arena_printf(&r->a, "/console/rallies/%s", ra.slug);
	char *end = NULL;
	long threshold = th && *th ? strtol(th, &end, 10) : t.threshold;
	long stock = st && *st ? strtol(st, &end, 10) : -1;
	const char *form = NULL; /* a lottery's form, when the edit form carried the designer */
	int ok = name && *name && utf8_chars(name) <= 100 && utf8_printable(name) && (!end || !*end) &&
		 (t.condition != COND_COUNT || (threshold >= 1 && threshold <= 1000)) && stock >= -1 && stock <= 1000000 &&
		 (t.kind != TIER_LOTTERY || !req_form(r, "ask_name") || tier_form(r, &form));
	if (!ok) {
		web_error(r, 422, "invalid_request", "tier.invalid", json_pack("{s:s}", "back", back));
		return;
	}
	int64_t until = 0;
	const char *u = req_form(r, "entries_until");
	if (t.kind == TIER_LOTTERY && u && *u &&
	    (parse_jst_local(u, &until) != 0 || until <= ra.starts_at || until > ra.ends_at + LOTTERY_DEADLINE_AFTER_MS)) {
		web_error(r, 422, "invalid_request", "tier.deadline_invalid", json_pack("{s:s}", "back", back));
		return;
	}
	if (t.kind == TIER_LOTTERY && u && tier_set_deadline(r->db, t.id, until) != 0) {
		r->failed = 1;
		return;
	}
	int rc = tier_update(r->db, t.id, name, threshold, stock, form);
	if (rc == 1)
		web_error(r, 409, "form_locked", "tier.form_locked", json_pack("{s:s}", "back", back));
	if (rc != 0) {
		if (rc < 0)
			r->failed = 1;
		return;
	}
	console_event(r, "tier_updated", web_json_text(r, json_pack("{s:s, s:s}", "rally", ra.slug, "tier", t.public_id)));
	req_redirect(r, arena_printf(&r->a, "%s?saved=1", back));
}

void console_tier_delete(req *r)
{
	struct rally ra;
	struct tier t;
	if (!console_tier(r, &ra, &t))
		return;
	const char *back = arena_printf(&r->a, "/console/rallies/%s", ra.slug);
	int rc = tier_delete(r->db, t.id);
	if (rc == 0)
		web_error(r, 409, "in_use", "tier.in_use", json_pack("{s:s}", "back", back));
	if (rc != 1) {
		if (rc < 0)
			r->failed = 1;
		return;
	}
	console_event(r, "tier_deleted", web_json_text(r, json_pack("{s:s, s:s}", "rally", ra.slug, "tier", t.name)));
	req_redirect(r, arena_printf(&r->a, "%s?saved=1", back));
}
