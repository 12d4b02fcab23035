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
#include "core/secret.h"
#include "core/session.h"
#include "core/throttle.h"
#include "http/server.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "store/writer.h"
#include "web/page.h"
#include "web/view.h"

/* A rally of a suspended tenant: the neutral notice (and 0). */
static int unsuspended(req *r, const struct rally *ra)
{
	r->tenant_id = ra->tenant_id;
	if (!ra->suspended)
		return 1;
	web_error(r, 403, "unavailable", "error.rally_unavailable", NULL);
	return 0;
}

/* Whether rally ra is a draft hidden from this request (404). Not when the
 * request carries the console session of one of its tenant's staff with
 * edit rights, second factor done: then ra->preview is set and the draft
 * behaves as open for them (rally_state), their joins marked test data. */
int web_hidden_draft(req *r, struct rally *ra)
{
	if (rally_state(ra, 0) != RALLY_DRAFT)
		return 0;
	const char *cookie = req_cookie(r, "ssid");
	if (!cookie)
		return 1;
	struct staff_limits lim = web_staff_limits(r);
	struct account a;
	int64_t touch = 0;
	if (staff_session_find(r->db, &r->a, cookie, time_now_ms(), &lim, &a, &touch) != 1 || !a.verified ||
	    (a.tenant_requires_totp && !a.totp_enabled_at) || a.tenant_id != ra->tenant_id || !(a.perms & PERM_EDIT))
		return 1;
	ra->preview = 1;
	return 0;
}

int web_rally(req *r, const char *slug, struct rally *ra)
{
	int rc = rally_slug_valid(slug) ? rally_by_slug(r->db, &r->a, slug, ra) : 0;
	if (rc < 0) {
		r->failed = 1;
		return 0;
	}
	if (rc == 0 || web_hidden_draft(r, ra)) {
		web_error(r, 404, "rally_not_found", "error.rally_not_found", NULL);
		return 0;
	}
	return unsuspended(r, ra);
}

int web_spot(req *r, const char *token, struct spot *s, struct rally *ra)
{
	int rc = token_valid(token) ? spot_by_token(r->db, &r->a, token, s, ra) : 0;
	if (rc < 0) {
		r->failed = 1;
		return 0;
	}
	if (rc == 0 || web_hidden_draft(r, ra)) {
		web_error(r, 404, "unknown_qr_token", "error.unknown_qr_token", NULL);
		return 0;
	}
	return unsuspended(r, ra);
}

int web_spot_by_id(req *r, const char *public_id, struct spot *s, struct rally *ra)
{
	int rc = token_valid(public_id) ? spot_by_public_id(r->db, &r->a, public_id, s, ra) : 0;
	if (rc < 0) {
		r->failed = 1;
		return 0;
	}
	if (rc == 0 || web_hidden_draft(r, ra)) {
		web_error(r, 404, "spot_not_found", "error.spot_not_found", NULL);
		return 0;
	}
	return unsuspended(r, ra);
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

json_t *web_map_tiles(req *r)
{
	const config *c = &r->srv->cfg;
	return c->map_tile_url[0] ? json_pack("{s:s, s:s}", "tiles", c->map_tile_url, "attribution", c->map_attribution) : NULL;
}

json_t *web_rally_ref(req *r, const struct rally *ra)
{
	(void)r;
	return json_pack("{s:s, s:s}", "slug", ra->slug, "title", ra->title);
}

void web_refuse(req *r, enum rally_state st, const struct rally *ra)
{
	json_t *vars = json_pack("{s:s, s:o}", "back", arena_printf(&r->a, "/r/%s", ra->slug), "rally", web_rally_ref(r, ra));
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
	case RALLY_SUSPENDED:
		json_decref(vars);
		web_error(r, 403, "unavailable", "error.rally_unavailable", NULL);
		break;
	case RALLY_FULL:
		web_error(r, 409, "rally_full", "error.rally_full", vars);
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
	const char *sent = web_field(r, "passcode");
	const char *ip = req_client_ip(r);
	int64_t now = time_now_ms(), wait;
	json_t *back = json_pack("{s:s}", "back", arena_printf(&r->a, "/r/%s", ra->slug));
	if (!throttle_allowed(r->db, &THROTTLE_PASSCODE_IP, ip, now, &wait)) {
		json_object_set_new(back, "seconds", json_integer(wait));
		web_error(r, 429, "too_many_attempts", "error.passcode_throttled", back);
		return 0;
	}
	if (!sent || !*sent) {
		web_error(r, 403, "passcode_required", "error.passcode_required", back);
		return 0;
	}
	/* proven before the unit of work (web/prove.c), against the hash stored now */
	if (!secret_same(r->proof.passcode_hash, rally_passcode_hash(r->db, &r->a, ra->id))) {
		r->keep_changes = 1;
		throttle_failed(r->db, &THROTTLE_PASSCODE_IP, ip, now);
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

const char *web_field(req *r, const char *name)
{
	return r->json ? json_string_value(json_object_get(r->json, name)) : req_form(r, name);
}

struct staff_limits web_staff_limits(req *r)
{
	const config *c = &r->srv->cfg;
	return (struct staff_limits){(int64_t)c->staff_idle_minutes * 60000, (int64_t)c->staff_session_hours * 3600000};
}

int web_write(req *r, int (*fn)(db *d, void *arg), void *arg)
{
	int rc = db_write(r->db, fn, arg);
	if (rc == DB_ERROR)
		r->failed = 1;
	return rc;
}
