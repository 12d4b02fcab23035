/*
 * lottery.c — lottery entries on the participant side, and the lottery in
 * the console (admins only: entries are personal data).
 *
 *   GET  /r/{slug}/lottery/{tier}                       the application form, or the entry
 *   POST /r/{slug}/lottery/{tier}                       apply (one entry per participant)
 *   GET  /console/rallies/{slug}/lottery/{tier}         entries, draws, the draw form
 *   POST /console/rallies/{slug}/lottery/{tier}/draw    draw N winners
 *   GET  /console/rallies/{slug}/lottery/{tier}/draws/{draw}   a draw, recomputed
 *
 * The answers are sealed (lib/seal.c) before they reach the store, and
 * never logged; the exports are in console_export.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/lottery.h"
#include "core/rewards.h"
#include "core/stamp.h"
#include "lib/seal.h"
#include "lib/timeutil.h"
#include "web/common.h"
#include "web/console.h"
#include "web/lottery.h"
#include "web/page.h"
#include "web/rewards.h"
#include "web/view.h"
#include "web/web.h"

/* How each field is typed: the input's type, autocomplete and inputmode. */
static const struct {
	const char *type, *autocomplete, *inputmode;
} inputs[LF_COUNT] = {
	{"text", "name", NULL},          {"text", NULL, NULL},          {"text", "postal-code", "numeric"},
	{"text", "street-address", NULL}, {"tel", "tel", "tel"},         {"email", "email", "email"},
	{"select", NULL, NULL},          {"textarea", NULL, NULL},      {"textarea", NULL, NULL},
	{"textarea", NULL, NULL},
};

json_t *lottery_designer(req *r, const char *form)
{
	struct lottery_form f;
	lottery_form_parse(&r->a, form, &f);
	json_t *fields = json_array(), *questions = json_array();
	for (int i = 0; i < LF_COUNT; i++) {
		const char *key = lottery_field_key(i);
		json_t *v = json_pack("{s:s, s:s, s:b, s:b}", "key", key, "label",
				      web_text(r, arena_printf(&r->a, "lottery.field.%s", key)), "optional",
				      f.asked[i] && !f.required[i], "required", f.asked[i] && f.required[i]);
		if (i >= LF_Q1)
			json_object_set_new(v, "wording", json_string(f.label[i] ? f.label[i] : ""));
		json_array_append_new(i >= LF_Q1 ? questions : fields, v);
	}
	return json_pack("{s:o, s:o}", "fields", fields, "questions", questions);
}

/* The form as a view: each asked field with its label, value and error. */
static json_t *form_view(req *r, const struct lottery_form *f, const char *const values[LF_COUNT],
			 const enum lottery_error errs[LF_COUNT])
{
	json_t *list = json_array();
	for (int i = 0; i < LF_COUNT; i++) {
		if (!f->asked[i])
			continue;
		const char *key = lottery_field_key(i);
		const char *label = f->label[i] ? f->label[i] : web_text(r, arena_printf(&r->a, "lottery.field.%s", key));
		json_t *v = json_pack("{s:s, s:s, s:b, s:s}", "key", key, "label", label, "required", f->required[i], "value",
				      values && values[i] ? values[i] : "");
		json_object_set_new(v, arena_printf(&r->a, "is_%s", inputs[i].type), json_true());
		if (f->label[i])
			json_object_set_new(v, "custom", json_true()); /* the organizer's wording: translatable (translate.c) */
		if (inputs[i].autocomplete)
			json_object_set_new(v, "autocomplete", json_string(inputs[i].autocomplete));
		if (inputs[i].inputmode)
			json_object_set_new(v, "inputmode", json_string(inputs[i].inputmode));
		if (i == LF_AGE) {
			json_t *opts = json_array();
			for (int k = 0; lottery_age_bands[k]; k++)
				json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "code", lottery_age_bands[k], "label",
								      web_text(r, arena_printf(&r->a, "lottery.age.%s", lottery_age_bands[k])),
								      "selected", values && values[i] && !strcmp(values[i], lottery_age_bands[k])));
			json_object_set_new(v, "options", opts);
		}
		if (errs && errs[i] != LE_OK) {
			const char *ek = errs[i] == LE_REQUIRED ? "lottery.err.required"
					 : errs[i] == LE_TOO_LONG ? "lottery.err.too_long"
								   : arena_printf(&r->a, "lottery.err.%s", i >= LF_Q1 ? "text" : key);
			json_object_set_new(v, "error", json_string(web_text(r, ek)));
		}
		json_array_append_new(list, v);
	}
	return list;
}

/* The lottery page's view: rally, tier, and where the participant stands. */
static json_t *lottery_view(req *r, const struct rally *ra, const struct tier *t)
{
	json_t *view = json_pack("{s:o, s:{s:s, s:s, s:s}}", "rally", view_rally(ra, time_now_ms()), "tier", "id", t->public_id,
				 "name", t->name, "closes", view_time(r, t->entries_until));
	if (t->entry_number)
		json_object_set_new(view, "entry", json_pack("{s:I, s:s, s:b, s:b}", "number", (json_int_t)t->entry_number,
							     "when", view_time(r, t->entry_at), "won", t->won_rank > 0, "lost",
							     t->drawn && t->won_rank == 0));
	return view;
}

/* Whether the participant may apply now; answers the refusal and returns 0
 * when not (not earned; rally over; already drawn). */
static int may_apply(req *r, const struct rally *ra, const struct tier *t)
{
	json_t *back = json_pack("{s:s}", "back", arena_printf(&r->a, "/r/%s/card", ra->slug));
	if (t->need <= 0 || t->have < t->need)
		web_error(r, 409, "not_earned", "error.reward_not_earned", back);
	else if (!lottery_open(t, ra, time_now_ms()))
		web_error(r, 409, "lottery_closed", "lottery.closed", back);
	else
		return json_decref(back), 1;
	return 0;
}

void page_lottery(req *r)
{
	struct rally ra;
	struct participant p;
	struct tier t;
	struct lottery_form f;
	if (!web_own_tier(r, &ra, &p, TIER_LOTTERY, &t))
		return;
	json_t *view = lottery_view(r, &ra, &t);
	if (!t.entry_number) {
		if (!may_apply(r, &ra, &t)) {
			json_decref(view);
			return;
		}
		lottery_form_parse(&r->a, t.form, &f);
		json_object_set_new(view, "fields", form_view(r, &f, NULL, NULL));
	}
	if (req_query(r, "sent"))
		json_object_set_new(view, "sent", json_true());
	page_render(r, 200, "lottery", view);
}

void page_lottery_enter(req *r)
{
	struct rally ra;
	struct participant p;
	struct tier t;
	struct lottery_form f;
	const char *values[LF_COUNT] = {0};
	enum lottery_error errs[LF_COUNT] = {0};
	int bad = 0;
	if (!web_own_tier(r, &ra, &p, TIER_LOTTERY, &t))
		return;
	const char *page = arena_printf(&r->a, "/r/%s/lottery/%s", ra.slug, t.public_id);
	if (t.entry_number) {
		req_redirect(r, page);
		return;
	}
	if (!may_apply(r, &ra, &t))
		return;
	lottery_form_parse(&r->a, t.form, &f);
	json_t *answers = json_object();
	for (int i = 0; i < LF_COUNT; i++) {
		if (!f.asked[i])
			continue;
		char *out = arena_alloc(&r->a, 2048);
		const char *in = req_form(r, lottery_field_key(i));
		errs[i] = lottery_check(i, in, f.required[i], out, 2048);
		values[i] = errs[i] == LE_OK ? out : in;
		bad += errs[i] != LE_OK;
		if (errs[i] == LE_OK && *out)
			json_object_set_new(answers, lottery_field_key(i), json_string(out));
	}
	if (bad) {
		json_decref(answers);
		json_t *view = lottery_view(r, &ra, &t);
		json_object_set_new(view, "fields", form_view(r, &f, values, errs));
		json_object_set_new(view, "invalid", json_true());
		page_render(r, 422, "lottery", view);
		return;
	}
	int64_t number, when;
	const char *sealed = seal(&r->a, web_json_text(r, answers));
	int rc = lottery_enter(r->db, t.id, p.id, sealed, time_now_ms(), &number, &when);
	if (rc < 0) {
		r->failed = 1;
		return;
	}
	req_redirect(r, rc == 1 ? arena_printf(&r->a, "%s?sent=1", page) : page);
}

int console_lottery_tier(req *r, struct rally *ra, struct tier *t)
{
	return console_rally(r, r->params[0], ra) && web_tier(r, ra, 0, TIER_LOTTERY, t);
}

/* A draw as a view, recomputed from its seed. */
static json_t *draw_view(req *r, const struct draw *d)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:b}", "id", d->public_id, "when", view_time(r, d->created_at),
			 "by", d->by, "candidates", (json_int_t)d->ncandidates, "winners", (json_int_t)d->nwinners, "seed",
			 d->seed_hex, "numbers", d->winners, "verified", lottery_verify(&r->a, d));
}

void console_lottery(req *r)
{
	struct rally ra;
	struct tier t;
	struct draw *draws;
	struct lottery_form f;
	if (!console_lottery_tier(r, &ra, &t))
		return;
	json_t *view = console_view(r);
	int64_t eligible, total = lottery_entry_count(r->db, t.id, &eligible);
	lottery_form_parse(&r->a, t.form, &f);
	json_object_set_new(view, "rally", view_rally(&ra, time_now_ms()));
	json_object_set_new(view, "tier", json_pack("{s:s, s:s, s:I, s:I, s:s, s:b, s:b, s:b}", "id", t.public_id, "name", t.name,
						    "entries", (json_int_t)total, "eligible", (json_int_t)eligible, "closes",
						    view_time(r, t.entries_until), "at_rally_end", !t.deadline_set, "open",
						    lottery_open(&t, &ra, time_now_ms()), "drawn", t.drawn));
	json_object_set_new(view, "fields", form_view(r, &f, NULL, NULL));
	json_t *list = json_array();
	int n = lottery_draws(r->db, &r->a, t.id, &draws);
	for (int i = 0; i < n; i++)
		json_array_append_new(list, draw_view(r, &draws[i]));
	json_object_set_new(view, "draws", list);
	json_object_set_new(view, "has_draws", json_boolean(n > 0));
	page_render(r, 200, "lottery_console", view);
}

void console_lottery_draw(req *r)
{
	struct rally ra;
	struct tier t;
	struct draw d;
	if (!console_lottery_tier(r, &ra, &t))
		return;
	const char *back = arena_printf(&r->a, "/console/rallies/%s/lottery/%s", ra.slug, t.public_id);
	const char *s = req_form(r, "count");
	char *end = NULL;
	long k = s && *s ? strtol(s, &end, 10) : 0;
	if (!end || *end || k < 1 || k > LOTTERY_DRAW_MAX) {
		web_error(r, 422, "invalid_request", "lottery.count_invalid", json_pack("{s:s}", "back", back));
		return;
	}
	if (lottery_open(&t, &ra, time_now_ms()) && !req_form(r, "early")) { /* a draw closes entries */
		web_error(r, 409, "entries_open", "lottery.draw_early",
			  json_pack("{s:s, s:s}", "back", back, "closes", view_time(r, t.entries_until)));
		return;
	}
	int64_t id = lottery_draw(r->db, &r->a, t.id, r->staff->id, k, time_now_ms());
	if (id == 0)
		web_error(r, 409, "no_entries", "lottery.no_entries", json_pack("{s:s}", "back", back));
	if (id <= 0) {
		if (id < 0)
			r->failed = 1;
		return;
	}
	if (lottery_draw_load(r->db, &r->a, t.id, NULL, id, &d) != 1) {
		r->failed = 1;
		return;
	}
	console_event(r, "lottery_drawn", web_json_text(r, json_pack("{s:s, s:s, s:s, s:I, s:s}", "rally", ra.slug, "tier",
								   t.public_id, "draw", d.public_id, "winners",
								   (json_int_t)d.nwinners, "seed", d.seed_hex)));
	req_redirect(r, arena_printf(&r->a, "%s/draws/%s", back, d.public_id));
}

void console_lottery_draw_page(req *r)
{
	struct rally ra;
	struct tier t;
	struct draw d;
	if (!console_lottery_tier(r, &ra, &t))
		return;
	if (lottery_draw_load(r->db, &r->a, t.id, r->params[2], 0, &d) != 1) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	json_t *view = console_view(r);
	json_object_set_new(view, "rally", view_rally(&ra, time_now_ms()));
	json_object_set_new(view, "tier", json_pack("{s:s, s:s}", "id", t.public_id, "name", t.name));
	json_object_set_new(view, "draw", draw_view(r, &d));
	json_object_set_new(view, "candidate_numbers", json_string(d.candidates));
	page_render(r, 200, "lottery_draw", view);
}
