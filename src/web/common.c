/*
 * common.c — see common.h.
 */
#include "web/common.h"

#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/editor.h"
#include "core/line.h"
#include "core/methods.h"
#include "core/session.h"
#include "http/server.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "store/writer.h"
#include "web/page.h"
#include "web/view.h"

int web_rally(req *r, const char *slug, struct rally *ra)
{
	int rc = rally_slug_valid(slug) ? rally_by_slug(r->db, &r->a, slug, ra) : 0;
	if (rc < 0) {
		r->failed = 1;
		return 0;
	}
	if (rc == 0 || rally_state(ra, 0) == RALLY_DRAFT) {
		web_error(r, 404, "rally_not_found", "error.rally_not_found", NULL);
		return 0;
	}
	return 1;
}

int web_spot(req *r, const char *token, struct spot *s, struct rally *ra)
{
	int rc = token_valid(token) ? spot_by_token(r->db, &r->a, token, s, ra) : 0;
	if (rc < 0) {
		r->failed = 1;
		return 0;
	}
	if (rc == 0 || rally_state(ra, 0) == RALLY_DRAFT) {
		web_error(r, 404, "unknown_qr_token", "error.unknown_qr_token", NULL);
		return 0;
	}
	return 1;
}

int web_spot_by_id(req *r, const char *public_id, struct spot *s, struct rally *ra)
{
	int rc = token_valid(public_id) ? spot_by_public_id(r->db, &r->a, public_id, s, ra) : 0;
	if (rc < 0) {
		r->failed = 1;
		return 0;
	}
	if (rc == 0 || rally_state(ra, 0) == RALLY_DRAFT) {
		web_error(r, 404, "spot_not_found", "error.spot_not_found", NULL);
		return 0;
	}
	return 1;
}

int web_session(req *r)
{
	if (r->session_id > 0)
		return 1;
	char token[64];
	int64_t life = (int64_t)r->srv->cfg.session_days * 86400 * 1000;
	r->session_id = session_create(r->db, time_now_ms(), life, token, sizeof token);
	if (r->session_id <= 0) {
		r->session_id = 0;
		r->failed = 1;
		return 0;
	}
	req_set_cookie(r, "sid", token, (long)r->srv->cfg.session_days * 86400);
	return 1;
}

void web_refuse(req *r, enum rally_state st, const struct rally *ra)
{
	json_t *vars = json_pack("{s:s}", "back", arena_printf(&r->a, "/r/%s", ra->slug));
	switch (st) {
	case RALLY_NOT_STARTED:
		json_object_set_new(vars, "when", json_string(view_time(r, ra->starts_at)));
		web_error(r, 409, "not_started", "error.not_started", vars);
		break;
	case RALLY_ENDED:
		json_object_set_new(vars, "when", json_string(view_time(r, ra->ends_at)));
		web_error(r, 409, "ended", "error.ended", vars);
		break;
	case RALLY_CLOSED:
		web_error(r, 409, "closed", "error.closed", vars);
		break;
	case RALLY_DRAFT:
		json_decref(vars);
		web_error(r, 404, "rally_not_found", "error.rally_not_found", NULL);
		break;
	default:
		json_decref(vars);
		web_error(r, 500, "internal", "error.internal", NULL);
	}
}

/* A passcode-protected rally: check the passcode sent with the join (form
 * field or JSON member "passcode"), throttled per address like logins.
 * Answers and returns 0 when it is missing or wrong. */
static int passcode_ok(req *r, const struct rally *ra)
{
	if (!rally_has_passcode(r->db, ra->id))
		return 1;
	const char *sent = r->json ? json_string_value(json_object_get(r->json, "passcode")) : req_form(r, "passcode");
	const char *key = arena_printf(&r->a, "passcode:%s", req_client_ip(r));
	int64_t now = time_now_ms(), wait;
	json_t *back = json_pack("{s:s}", "back", arena_printf(&r->a, "/r/%s", ra->slug));
	if (!login_allowed(r->db, key, NULL, now, &wait)) {
		json_object_set_new(back, "seconds", json_integer(wait));
		web_error(r, 429, "too_many_attempts", "error.passcode_throttled", back);
		return 0;
	}
	if (!sent || !*sent) {
		web_error(r, 403, "passcode_required", "error.passcode_required", back);
		return 0;
	}
	if (strlen(sent) > 256 || !rally_passcode_ok(r->db, ra->id, sent)) {
		r->keep_changes = 1;
		login_failed(r->db, key, NULL, now);
		web_error(r, 403, "wrong_passcode", "error.wrong_passcode", back);
		return 0;
	}
	json_decref(back);
	return 1;
}

void web_line_required(req *r, const struct rally *ra)
{
	web_error(r, 403, "line_required", "error.line_required",
		  json_pack("{s:s}", "back", arena_printf(&r->a, "/auth/line/start?rally=%s", ra->slug)));
}

int web_line_ok(req *r, const struct rally *ra, const struct participant *p)
{
	if (ra->join_policy != JOIN_LINE_REQUIRED || participant_is_line(r->db, p->id))
		return 1;
	web_line_required(r, ra);
	return 0;
}

int web_join(req *r, const struct rally *ra, struct participant *p, int *created)
{
	enum rally_state st;
	*created = 0;
	if (r->session_id > 0) {
		int have = participant_find(r->db, &r->a, r->session_id, ra->id, p);
		if (have != 0) {
			if (have < 0)
				r->failed = 1;
			return have == 1 && web_line_ok(r, ra, p);
		}
	}
	if (ra->join_policy == JOIN_LINE_REQUIRED) {
		web_line_required(r, ra);
		return 0;
	}
	if (!passcode_ok(r, ra))
		return 0;
	if (r->session_id <= 0 && rally_state(ra, time_now_ms()) != RALLY_OPEN &&
	    rally_state(ra, time_now_ms()) != RALLY_NOT_STARTED) {
		web_refuse(r, rally_state(ra, time_now_ms()), ra);
		return 0;
	}
	if (!web_session(r))
		return 0;
	int rc = participant_join(r->db, &r->a, r->session_id, ra, time_now_ms(), p, created, &st);
	r->new_joins += rc == 1 && *created;
	if (rc < 0)
		r->failed = 1;
	else if (rc == 0)
		web_refuse(r, st, ra);
	return rc == 1;
}

/* Throttle keys of this claim: the participant and the address. */
static const char *key_p(req *r, const struct participant *p)
{
	return arena_printf(&r->a, "p:%lld", (long long)p->id);
}

static const char *key_ip(req *r)
{
	return arena_printf(&r->a, "ip:%s", req_client_ip(r));
}

int web_not_locked(req *r, const struct participant *p)
{
	int64_t now = time_now_ms(), w1 = 0, w2 = 0;
	int ok1 = p ? attempt_allowed(r->db, key_p(r, p), now, &w1) : 1, ok2 = attempt_allowed(r->db, key_ip(r), now, &w2);
	if (ok1 && ok2)
		return 1;
	web_error(r, 429, "too_many_attempts", "error.too_many_attempts",
		  json_pack("{s:I}", "seconds", (json_int_t)(w1 > w2 ? w1 : w2)));
	return 0;
}

/* The failure counters of one wrong guess (participant key may be NULL). */
struct failed_job {
	const char *key_p, *key_ip;
};

static int count_failure(db *d, void *arg)
{
	struct failed_job *j = arg;
	int64_t now = time_now_ms();
	int rc = j->key_p ? attempt_failed(d, j->key_p, ATTEMPT_MAX_PER_PARTICIPANT, now) : 0;
	return rc == 0 && attempt_failed(d, j->key_ip, ATTEMPT_MAX_PER_IP, now) == 0 ? 0 : DB_ERROR;
}

void web_failed_attempt(req *r, const struct participant *p)
{
	struct failed_job j = {p ? key_p(r, p) : NULL, key_ip(r)};
	r->keep_changes = 1; /* kept although the answer is an error */
	web_write(r, count_failure, &j);
}

int web_write(req *r, int (*fn)(db *d, void *arg), void *arg)
{
	int rc = db_write(r->db, fn, arg);
	if (rc == DB_ERROR)
		r->failed = 1;
	return rc;
}

int web_method_by_id(enum stamp_method m)
{
	return m == SM_GPS || m == SM_KEYWORD || m == SM_PIN;
}

int web_method_ok(req *r, const struct rally *ra, const struct spot *s, const struct participant *p,
		  struct method_input *in)
{
	struct spot_methods m;
	double dist = 0;
	int guess = in->method == SM_KEYWORD || in->method == SM_PIN;
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
	json_t *vars = json_pack("{s:s, s:I}", "back", arena_printf(&r->a, "/r/%s/spots/%s", ra->slug, s->public_id),
				 "distance", (json_int_t)(dist + 0.5));
	json_object_set_new(vars, "max_accuracy", json_integer((json_int_t)GPS_MAX_ACCURACY_M));
	const char *code = method_result_code(res);
	web_error(r, res == METHOD_NOT_ALLOWED ? 403 : 422, code, arena_printf(&r->a, "error.%s", code), vars);
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
	json_t *vars = json_pack("{s:s, s:s, s:s}", "back", arena_printf(&r->a, "/r/%s", ra->slug), "from",
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
			  json_pack("{s:s, s:s}", "back", arena_printf(&r->a, "/r/%s", ra->slug), "when",
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

void web_claim_page(req *r, const struct rally *ra, const struct spot *s, struct method_input *in, const char *done)
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
	if (!web_join(r, ra, &p, &created) || !web_method_ok(r, ra, s, &p, in))
		return;
	web_stamp_claim(r, ra, &p, s, stamp_method_name(in->method), &cl);
	if (!web_claim_refused(r, &cl, ra, s))
		req_redirect(r, arena_printf(&r->a, "%s%s", done, cl.status == CLAIM_NEW ? "?new=1" : ""));
}
