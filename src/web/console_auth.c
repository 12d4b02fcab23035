/*
 * console_auth.c — console login and logout.
 *
 * A failed login answers 401 with the same message whether the login ID
 * exists or not (and spends the same argon2id time), counts the failure
 * for the account and the address, and writes a security event; those
 * writes are kept although the answer is an error (r->keep_changes).
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "http/server.h"
#include "lib/metrics.h"
#include "lib/tpl.h"
#include "lib/timeutil.h"
#include "web/page.h"
#include "web/web.h"

static void login_page(req *r, int status, const char *error_key, const char *login, json_t *vars)
{
	json_t *view = json_pack("{s:s}", "login", login ? login : "");
	if (error_key) {
		buf msg = BUF_INIT;
		tpl_fill(web_text(r, error_key), vars, 0, &msg);
		json_object_set_new(view, "error", json_string(buf_str(&msg)));
		buf_free(&msg);
	}
	json_decref(vars);
	page_render(r, status, "login", view);
}

void console_login_form(req *r)
{
	login_page(r, 200, NULL, NULL, NULL);
}

static const char *detail_login(req *r, const char *login)
{
	return web_json_text(r, json_pack("{s:s}", "login", login));
}

void console_login(req *r)
{
	const char *login = req_form(r, "login"), *pw = req_form(r, "password");
	const char *ip = req_client_ip(r);
	int64_t now = time_now_ms(), wait;
	struct account a, *acct = NULL;
	if (!login || !pw || !*login || !*pw || strlen(login) > 200 || strlen(pw) > 1024) {
		login_page(r, 400, "login.missing", login, NULL);
		return;
	}
	int found = account_by_login(r->db, &r->a, login, &a);
	if (found < 0) {
		web_error(r, 503, "unavailable", "error.unavailable", NULL);
		return;
	}
	if (found)
		acct = &a;
	r->keep_changes = 1;
	if (!login_allowed(r->db, ip, acct, now, &wait)) {
		metric_add(M_LOGIN_THROTTLED, 1);
		security_event(r->db, acct ? acct->tenant_id : 0, acct ? acct->id : 0, "login_throttled", ip,
			       detail_login(r, login), now);
		req_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, arena_printf(&r->a, "%lld", (long long)wait));
		login_page(r, 429, "login.throttled", login, json_pack("{s:I}", "seconds", (json_int_t)wait));
		return;
	}
	int ok = account_password_matches(r->db, acct ? acct->id : 0, pw) && acct && !acct->disabled_at;
	if (!ok) {
		metric_add(M_LOGIN_FAILED, 1);
		login_failed(r->db, ip, acct, now);
		security_event(r->db, acct ? acct->tenant_id : 0, acct ? acct->id : 0, "login_failed", ip,
			       detail_login(r, login), now);
		login_page(r, 401, "login.failed", login, NULL);
		return;
	}
	const config *c = &r->srv->cfg;
	struct staff_limits lim = {(int64_t)c->staff_idle_minutes * 60000, (int64_t)c->staff_session_hours * 3600000};
	char token[64];
	if (login_succeeded(r->db, ip, acct, now) != 0 ||
	    staff_session_create(r->db, acct->id, now, &lim, token, sizeof token) != 0 ||
	    security_event(r->db, acct->tenant_id, acct->id, "login", ip, NULL, now) != 0) {
		r->keep_changes = 0;
		web_error(r, 503, "unavailable", "error.unavailable", NULL);
		return;
	}
	metric_add(M_LOGIN_OK, 1);
	req_set_cookie(r, "ssid", token, (long)c->staff_session_hours * 3600);
	/* Desk staff land on their own screen; everyone else on the rallies. */
	req_redirect(r, (perm_for_role(acct->role) & PERM_VIEW) ? "/console" : "/console/desk");
}

void console_logout(req *r)
{
	staff_session_end(r->db, req_cookie(r, "ssid"));
	security_event(r->db, r->staff->tenant_id, r->staff->id, "logout", req_client_ip(r), NULL, time_now_ms());
	req_set_cookie(r, "ssid", "", 0);
	req_redirect(r, "/console/login");
}
