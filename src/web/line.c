/*
 * line.c — LINE Login v2.1 for participants.
 *
 *   GET  /auth/line/start?rally=SLUG[&retry=1]  → 303 to LINE's authorization endpoint with
 *        response_type=code, scope "openid profile", state (bound to this browser by the
 *        lbind cookie), nonce and PKCE S256; retry adds disable_auto_login=true
 *   GET  /auth/line/callback?code&state | ?error&state
 *        → checks state, exchanges the code, verifies the ID token, links the participant
 *   POST /auth/line/logout                       → revokes the access token, ends the session
 *
 * Failures answer a page in the participant's language and create or change
 * nothing; details go to the server log without secrets or tokens.
 */
#include <curl/curl.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/line.h"
#include "core/session.h"
#include "http/server.h"
#include "lib/seal.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "web/common.h"
#include "web/line_client.h"
#include "web/page.h"
#include "web/web.h"

static struct line_endpoints endpoints(req *r)
{
	const config *c = &r->srv->cfg;
	return (struct line_endpoints){c->line_auth_base, c->line_api_base, c->line_timeout_ms};
}

/* URL-encode s into the arena. */
static char *curl_escape_arena(req *r, const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *out = arena_strdup(&r->a, e ? e : "");
	curl_free(e);
	return out;
}

static const char *callback_url(req *r)
{
	return arena_printf(&r->a, "%s/auth/line/callback", r->srv->cfg.public_url);
}

/* Log a refused login for operators (never tokens, codes or secrets). */
static void log_refusal(const char *why)
{
	fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"line login refused\",\"reason\":\"%s\"}\n", why);
}

/* The page for a refused or cancelled login, with a retry link. */
static void refusal_page(req *r, int status, const char *key, const char *slug, int retry_without_auto)
{
	json_t *view = json_pack("{s:s, s:s}", "message", web_text(r, key), "retry",
				 slug ? arena_printf(&r->a, "/auth/line/start?rally=%s%s", slug, retry_without_auto ? "&retry=1" : "")
				      : "/");
	if (slug)
		json_object_set_new(view, "back", json_string(arena_printf(&r->a, "/r/%s", slug)));
	page_render(r, status, "line_error", view);
}

/* base64url(SHA-256(verifier)): the PKCE S256 challenge. */
static const char *challenge(req *r, const char *verifier)
{
	unsigned char h[32];
	char out[48];
	crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
	sodium_bin2base64(out, sizeof out, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return arena_strdup(&r->a, out);
}

void line_start(req *r)
{
	struct rally ra;
	const char *slug = req_query(r, "rally"), *cid, *secret;
	if (!slug || !web_rally(r, slug, &ra))
		return;
	if (ra.join_policy == JOIN_ANONYMOUS ||
	    line_channel(r->db, &r->a, ra.tenant_id, &cid, &secret) != 0 || !*cid || !*secret) {
		refusal_page(r, 404, "line.not_available", ra.slug, 0);
		return;
	}
	char state[48], nonce[48], verifier[64], bind[48];
	token_new(state, sizeof state, 16);
	token_new(nonce, sizeof nonce, 16);
	token_new(verifier, sizeof verifier, 32);
	const char *browser = req_cookie(r, "lbind");
	if (!token_valid(browser)) {
		browser = arena_strdup(&r->a, token_new(bind, sizeof bind, 16));
		req_set_cookie(r, "lbind", browser, -1);
	}
	struct line_login l = {state, nonce, verifier, ra.id};
	if (line_login_begin(r->db, browser, &l, time_now_ms()) != 0) {
		r->failed = 1;
		return;
	}
	req_set_cookie(r, "lrally", ra.slug, 3600);
	const char *retry = req_query(r, "retry");
	char *redirect = curl_escape_arena(r, callback_url(r));
	req_redirect(r, arena_printf(&r->a,
				     "%s/oauth2/v2.1/authorize?response_type=code&client_id=%s&redirect_uri=%s&state=%s"
				     "&scope=openid%%20profile&nonce=%s&code_challenge=%s&code_challenge_method=S256%s",
				     r->srv->cfg.line_auth_base, curl_escape_arena(r, cid), redirect, state, nonce,
				     challenge(r, verifier), retry ? "&disable_auto_login=true" : ""));
}

/* Use up the login's state, on the writer, before LINE is asked anything:
 * a replayed or refused callback can never reach LINE a second time. */
struct use_state {
	const char *state;
	int used; /* 1: this request deleted it */
};

static int use_state(db *d, void *arg)
{
	struct use_state *u = arg;
	u->used = line_login_use(d, u->state);
	return u->used < 0 ? DB_ERROR : 0;
}

/* The writes of an accepted LINE login, in one piece on the writer: the
 * session (a new one, or the existing one under a new token against
 * fixation), the linked participant, the sealed access token. */
struct link_job {
	arena *a;
	const struct rally *ra;
	int64_t session_id;      /* in: the browser's session or 0; out: the linked session */
	int64_t lifetime_ms;
	const char *sub, *name, *picture, *access_token;
	char cookie[64];         /* out: the session's new cookie token */
	int full;                /* out: refused, the rally's participant quota is reached */
};

static int link_login(db *d, void *arg)
{
	struct link_job *j = arg;
	int64_t now = time_now_ms();
	struct participant p;
	if (j->session_id > 0) {
		if (session_rotate(d, j->session_id, j->cookie, sizeof j->cookie) != 0)
			return DB_ERROR;
	} else if ((j->session_id = session_create(d, now, j->lifetime_ms, j->cookie, sizeof j->cookie)) <= 0) {
		return DB_ERROR;
	}
	int linked = line_link(d, j->a, j->session_id, j->ra, j->sub, j->name, j->picture, now, &p);
	if (linked == 0) {
		j->full = 1; /* the rally is full: the session stays as it was rotated, no link */
		return 0;
	}
	if (linked != 1 || session_set_line_token(d, j->a, j->session_id, j->access_token) != 0)
		return DB_ERROR;
	return 0;
}

/* R_READ: the state is checked and used up (a write on the writer), the
 * code is exchanged with LINE holding no lock, and only then the login's
 * writes go to the writer: no request ever waits on LINE while holding the
 * write lock, and each callback calls LINE's token endpoint at most once. */
void line_callback(req *r)
{
	const char *error = req_query(r, "error"), *code = req_query(r, "code"), *state = req_query(r, "state");
	const char *slug = req_cookie(r, "lrally");
	if (slug && !rally_slug_valid(slug))
		slug = NULL;
	if (error) {
		/* LINE documents ACCESS_DENIED; OAuth spells it access_denied. */
		int cancelled = strcasecmp(error, "access_denied") == 0;
		log_refusal(cancelled ? "user cancelled" : "authorization error");
		refusal_page(r, 200, cancelled ? "line.cancelled" : "line.failed", slug, 0);
		return;
	}
	struct line_login l;
	int got = code && state && strlen(code) < 512
			  ? line_login_find(r->db, &r->a, state, req_cookie(r, "lbind"), time_now_ms(), &l)
			  : 0;
	struct use_state u = {state, 0};
	if (got == 1 && web_write(r, use_state, &u) < 0)
		return;
	if (got < 0)
		return;
	if (got != 1 || u.used != 1) {
		/* LINE may finish in another browser (private browsing, an in-app
		 * browser) that never got our cookies: the state still names the
		 * rally, so the retry (without auto login) can go back to it. */
		struct rally other;
		int64_t rid = slug ? 0 : line_login_rally(r->db, state, time_now_ms());
		if (rid > 0 && rally_by_id(r->db, &r->a, rid, &other) == 1)
			slug = other.slug;
		log_refusal("state mismatch");
		refusal_page(r, 400, "line.state_mismatch", slug, 1);
		return;
	}
	struct rally ra;
	const char *cid, *secret;
	if (rally_by_id(r->db, &r->a, l.rally_id, &ra) != 1 || line_channel(r->db, &r->a, ra.tenant_id, &cid, &secret) != 0) {
		r->failed = 1;
		return;
	}
	struct line_endpoints e = endpoints(r);
	json_t *tokens = NULL, *claims = NULL;
	char why[160] = "";
	if (line_token(&e, code, callback_url(r), cid, secret, l.verifier, &tokens, why, sizeof why) != 0) {
		log_refusal(why);
		refusal_page(r, 502, "line.failed", ra.slug, 0);
		return;
	}
	const char *bad = line_check_id_token(json_string_value(json_object_get(tokens, "id_token")), cid, secret, l.nonce,
					      time_now_ms() / 1000, &claims);
	if (bad) {
		json_decref(tokens);
		log_refusal(bad);
		refusal_page(r, 400, "line.bad_token", ra.slug, 0);
		return;
	}
	struct link_job j = {&r->a, &ra, r->session_id, (int64_t)r->srv->cfg.session_days * 86400 * 1000,
			     json_string_value(json_object_get(claims, "sub")), json_string_value(json_object_get(claims, "name")),
			     json_string_value(json_object_get(claims, "picture")),
			     json_string_value(json_object_get(tokens, "access_token")), "", 0};
	int rc = web_write(r, link_login, &j);
	json_decref(tokens);
	json_decref(claims);
	if (rc < 0)
		return;
	r->session_id = j.session_id;
	req_set_cookie(r, "sid", j.cookie, (long)r->srv->cfg.session_days * 86400);
	req_set_cookie(r, "lrally", "", 0);
	if (j.full) {
		web_refuse(r, RALLY_FULL, &ra);
		return;
	}
	req_redirect(r, arena_printf(&r->a, "/r/%s/card", ra.slug));
}

/* End the session (on the writer), then revoke its LINE access token
 * holding no lock: the revocation is sent once, after the logout is
 * durable. */
static int end_session(db *d, void *arg)
{
	return session_end(d, *(int64_t *)arg) == 0 ? 0 : DB_ERROR;
}

void line_logout(req *r)
{
	const char *slug = req_form(r, "rally");
	if (r->session_id > 0) {
		const char *token = session_line_token(r->db, &r->a, r->session_id);
		struct rally ra;
		const char *cid = NULL, *secret = NULL;
		int revoke = token && slug && rally_slug_valid(slug) && rally_by_slug(r->db, &r->a, slug, &ra) == 1 &&
			     line_channel(r->db, &r->a, ra.tenant_id, &cid, &secret) == 0 && *secret;
		if (web_write(r, end_session, &r->session_id) < 0)
			return;
		struct line_endpoints e = endpoints(r);
		if (revoke && line_revoke(&e, cid, secret, token) != 0)
			log_refusal("token revocation failed");
	}
	req_set_cookie(r, "sid", "", 0);
	req_redirect(r, slug && rally_slug_valid(slug) ? arena_printf(&r->a, "/r/%s", slug) : "/");
}
