/*
 * claim.c — the steps a stamp claim takes in the web layer, shared by the
 * claim API (api.c) and the claim forms (participant.c, desk.c): which
 * methods a claim by spot id may name, the method's proof against the spot
 * (core/methods.c), the position fields, the refusals, the claim itself
 * (core/stamp.c) and the claim form's redirect. Guessing throttles: guess.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/methods.h"
#include "lib/timeutil.h"
#include "web/common.h"
#include "web/page.h"
#include "web/view.h"
#include "web/web.h"

int web_method_by_id(enum stamp_method m)
{
	return m == SM_GPS || m == SM_KEYWORD || m == SM_PIN;
}

/* The codes of failed proofs that a better position may fix: their pages
 * say how to turn location on. */
static int about_position(const char *code)
{
	return strcmp(code, "gps_required") == 0 || strcmp(code, "poor_accuracy") == 0;
}

/* Answer a failed proof: the form's page again with the problem (what
 * happened, what to do, the code in small print) and the typed keyword, or
 * web_error's answer in the rally's theme. Takes vars. */
static void claim_problem(req *r, const struct rally *ra, const struct spot *s, const struct claim_form *form,
			  int status, const char *code, json_t *vars)
{
	const char *key = arena_printf(&r->a, "error.%s", code);
	if (!form || (r->route && (r->route->flags & R_API))) {
		json_object_set_new(vars, "rally", web_rally_ref(r, ra));
		web_error(r, status, code, key, vars);
		return;
	}
	json_t *view = form->view(r, s, ra);
	json_object_set_new(view, "problem",
			    json_pack("{s:i, s:s, s:s, s:b}", "status", status, "code", code, "message",
				      web_text_fill(r, key, vars), "position_help", about_position(code)));
	const char *typed = req_form(r, "keyword");
	if (typed)
		json_object_set_new(view, "typed", json_pack("{s:s}", "keyword", typed));
	json_decref(vars);
	page_render(r, status, form->tpl, view);
}

int web_method_ok(req *r, const struct rally *ra, const struct spot *s, const struct participant *p,
		  struct method_input *in, const struct claim_form *form)
{
	struct spot_methods m;
	double dist = 0;
	int guess = in->method == SM_KEYWORD || in->method == SM_PIN;
	in->proven_pin_hash = r->proof.pin_hash;
	if (guess && !web_not_locked(r, p))
		return 0;
	if (spot_methods_load(r->db, &r->a, s->id, &m) != 0) {
		r->failed = 1;
		return 0;
	}
	/* A scanned QR code at a spot that wants QR + GPS is a QR + GPS claim. */
	if (in->method == SM_QR && !(m.mask & 1u << SM_QR) && (m.mask & 1u << SM_QR_GPS))
		in->method = SM_QR_GPS;
	enum method_result res = method_verify(&m, in, &dist);
	if (res == METHOD_OK)
		return 1;
	if (res == METHOD_WRONG_KEYWORD || res == METHOD_WRONG_PIN)
		web_failed_attempt(r, p);
	json_t *vars = json_pack("{s:s, s:s, s:I}", "back", arena_printf(&r->a, "/r/%s/spots/%s", ra->slug, s->public_id),
				 "distance", view_distance(r, dist), "max_accuracy", (json_int_t)GPS_MAX_ACCURACY_M);
	claim_problem(r, ra, s, form, res == METHOD_NOT_ALLOWED ? 403 : 422, method_result_code(res), vars);
	return 0;
}

/* Read the position fields of a form or JSON body into in. */
void web_read_position(req *r, struct method_input *in)
{
	const char *f[3] = {"lat", "lng", "accuracy"};
	double v[3];
	int have = 0;
	for (int i = 0; i < 3; i++) {
		json_t *j = r->json ? json_object_get(r->json, f[i]) : NULL;
		const char *t = r->json ? NULL : req_form(r, f[i]);
		char *end = NULL;
		if (json_is_number(j)) {
			v[i] = json_number_value(j);
			have++;
		} else if (t && *t && (v[i] = strtod(t, &end), end && !*end)) {
			have++;
		}
	}
	in->has_position = have == 3;
	if (in->has_position) {
		in->lat = v[0];
		in->lon = v[1];
		in->accuracy = v[2];
	}
}

void web_spot_closed(req *r, const struct rally *ra, const struct spot *s)
{
	json_t *vars = json_pack("{s:o, s:s, s:s, s:s}", "rally", web_rally_ref(r, ra), "back",
				 arena_printf(&r->a, "/r/%s", ra->slug), "from",
				 arena_printf(&r->a, "%02d:%02d", s->open_from / 60, s->open_from % 60), "until",
				 arena_printf(&r->a, "%02d:%02d", s->open_until / 60, s->open_until % 60));
	web_error(r, 409, "spot_closed", "error.spot_closed", vars);
}

int web_claim_refused(req *r, const struct claim *cl, const struct rally *ra, const struct spot *s)
{
	if (cl->status == CLAIM_REFUSED)
		web_refuse(r, cl->state, ra);
	else if (cl->status == CLAIM_SPOT_CLOSED)
		web_spot_closed(r, ra, s);
	else if (cl->status == CLAIM_COOLDOWN)
		web_error(r, 409, "cooldown", "error.cooldown",
			  json_pack("{s:o, s:s, s:s}", "rally", web_rally_ref(r, ra), "back",
				    arena_printf(&r->a, "/r/%s", ra->slug), "when",
				    view_time(r, cl->available_at)));
	else if (cl->status == CLAIM_ERROR)
		r->failed = 1;
	else
		return 0;
	return 1;
}

void web_stamp_claim(req *r, const struct rally *ra, const struct participant *p, const struct spot *s,
		     const char *method, struct claim *cl)
{
	stamp_claim(r->db, ra, p, s, time_now_ms(), method, cl);
	r->new_stamps += cl->status == CLAIM_NEW;
}

void web_claim_page(req *r, const struct rally *ra, const struct spot *s, struct method_input *in, const char *done,
		    const struct claim_form *form)
{
	struct participant p;
	struct claim cl;
	int created;
	/* A closed rally refuses before a session or participant is made (the
	 * claim's own rule checks again, inside its transaction). */
	enum rally_state st = rally_state(ra, time_now_ms());
	if (st != RALLY_OPEN) {
		web_refuse(r, st, ra);
		return;
	}
	if (!web_join(r, ra, &p, &created) || !web_method_ok(r, ra, s, &p, in, form))
		return;
	web_stamp_claim(r, ra, &p, s, stamp_method_name(in->method), &cl);
	if (!web_claim_refused(r, &cl, ra, s))
		req_redirect(r, arena_printf(&r->a, "%s%s", done, cl.status == CLAIM_NEW ? "?new=1" : ""));
}
