/*
 * console_auth.c — console login and logout.
 *
 * A failed login answers 401 with the same message whether the login ID
 * exists or not (and spends the same argon2id time), counts the failure
 * for the login ID and the address, and writes a security event. The
 * password is checked before the request's unit of work, on an argon2id
 * thread (web/prove.c); the route runs in a read transaction and writes
 * the outcome once through the writer (web_write).
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/secret.h"
#include "http/server.h"
#include "lib/metrics.h"
#include "lib/timeutil.h"
#include "web/common.h"
#include "web/page.h"
#include "web/web.h"

void web_login_page(req *r, int ops, int status, const char *error_key, const char *login, json_t *vars)
{
	json_t *view = json_pack("{s:s, s:b}", "login", login ? login : "", "ops", ops);
	if (error_key)
		json_object_set_new(view, "error", json_string(web_text_fill(r, error_key, vars)));
	json_decref(vars);
	page_render(r, status, "login", view);
}

void console_login_form(req *r)
{
	web_login_page(r, 0, 200, NULL, NULL, NULL);
}

static const char *detail_login(req *r, const char *login)
{
	return web_json_text(r, json_pack("{s:s}", "login", login));
}

/* Whether the account must give a TOTP code (or enrol) after its password. */
static int second_factor_due(const struct account *a)
{
	return a->totp_enabled_at || a->tenant_requires_totp;
}

/* What a login attempt writes, in one piece on the writer after argon2id
 * has run holding no lock: the failure counters and the event for a
 * refusal, the session and the event for a success. */
struct login_job {
	const char *ip, *login, *detail, *kind; /* kind: "login", "login_failed", "login_throttled" */
	const struct account *acct;     /* NULL for an unknown login ID */
	struct staff_limits lim;
	char token[64];                 /* out: the new session's cookie token */
};

static int record_login(db *d, void *arg)
{
	struct login_job *j = arg;
	int64_t now = time_now_ms();
	const struct account *a = j->acct;
	int rc = 0;
	if (strcmp(j->kind, "login_failed") == 0)
		rc = login_failed(d, j->ip, j->login, now);
	else if (strcmp(j->kind, "login") == 0)
		rc = login_succeeded(d, j->ip, j->login, now) || staff_session_create(d, a->id, now, &j->lim, !second_factor_due(a), j->token,
											       sizeof j->token);
	if (rc == 0)
		rc = security_event(d, a ? a->tenant_id : 0, a ? a->id : 0, j->kind, j->ip, j->detail, now);
	return rc == 0 ? 0 : DB_ERROR;
}

/* R_READ, after the argon2id step (web/prove.c: gather_login): look up and check the throttles, then record
 * the outcome once through the writer. */
void console_login(req *r)
{
	const char *login = req_form(r, "login"), *pw = req_form(r, "password");
	int64_t wait;
	struct account a;
	if (!login || !pw || !*login || !*pw || strlen(login) > 200 || strlen(pw) > 1024) {
		web_login_page(r, 0, 400, "login.missing", login, NULL);
		return;
	}
	int found = account_by_login(r->db, &r->a, login, &a);
	if (found < 0)
		return;
	const config *c = &r->srv->cfg;
	struct login_job j = {req_client_ip(r), login, detail_login(r, login), "login_throttled", found ? &a : NULL,
			      web_staff_limits(r), ""};
	if (!login_allowed(r->db, j.ip, login, time_now_ms(), &wait)) {
		if (web_write(r, record_login, &j) < 0)
			return;
		metric_add(M_LOGIN_THROTTLED, 1);
		req_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, arena_printf(&r->a, "%lld", (long long)wait));
		web_login_page(r, 0, 429, "login.throttled", login, json_pack("{s:I}", "seconds", (json_int_t)wait));
		return;
	}
	/* the password was checked before (web/prove.c: gather_login), against
	 * the hash the account still has */
	int ok = j.acct && !j.acct->disabled_at &&
		 secret_same(r->proof.password_match, account_password_hash(r->db, &r->a, j.acct->id));
	j.kind = ok ? "login" : "login_failed";
	if (ok)
		j.detail = NULL; /* the account is named by the event itself */
	if (web_write(r, record_login, &j) < 0)
		return;
	if (!ok) {
		metric_add(M_LOGIN_FAILED, 1);
		web_login_page(r, 0, 401, "login.failed", login, NULL);
		return;
	}
	metric_add(M_LOGIN_OK, 1);
	req_set_cookie(r, "ssid", j.token, (long)c->staff_session_hours * 3600);
	/* The second factor next, when due; then desk staff land on their own
	 * screen, everyone else on the rallies. */
	req_redirect(r, second_factor_due(&a) ? "/console/totp" : (perm_for_role(a.role) & PERM_VIEW) ? "/console" : "/console/desk");
}

void console_logout(req *r)
{
	staff_session_end(r->db, req_cookie(r, "ssid"));
	security_event(r->db, r->staff->tenant_id, r->staff->id, "logout", req_client_ip(r), NULL, time_now_ms());
	req_set_cookie(r, "ssid", "", 0);
	req_redirect(r, "/console/login");
}
