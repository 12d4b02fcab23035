/*
 * ops_auth.c — the operators' login and logout (/ops/login, /ops/logout).
 *
 * Like the console's (console_auth.c): the password checked before the
 * unit of work on the argon2id thread (web/prove.c: gather_operator_login),
 * one answer whether the login ID exists or not, the login throttles (with
 * the ID as "op:LOGIN", apart from staff IDs). A good password gives a
 * session that still owes its second factor: the next page is /ops/totp.
 */
#include <microhttpd.h>
#include <string.h>

#include "core/account.h"
#include "core/operator.h"
#include "core/secret.h"
#include "http/server.h"
#include "lib/metrics.h"
#include "lib/timeutil.h"
#include "web/common.h"
#include "web/page.h"
#include "web/web.h"

void ops_login_form(req *r)
{
	web_login_page(r, 1, 200, NULL, NULL, NULL);
}

/* What an operator's login attempt writes, in one piece on the writer. */
struct op_login {
	const char *ip, *id, *login, *kind; /* id: the throttle's "op:LOGIN" */
	const struct op *o;                 /* NULL for an unknown login ID */
	int64_t absolute_ms;
	char token[64];
};

static int record_login(db *d, void *arg)
{
	struct op_login *j = arg;
	int64_t now = time_now_ms();
	int rc = 0;
	if (strcmp(j->kind, "operator_login_failed") == 0)
		rc = login_failed(d, j->ip, j->id, now);
	else if (strcmp(j->kind, "operator_password_ok") == 0)
		rc = operator_session_create(d, j->o->id, now, j->absolute_ms, j->token, sizeof j->token);
	json_t *detail = json_pack("{s:s}", "operator", j->login);
	if (rc == 0)
		rc = security_event_json(d, 0, 0, j->kind, detail, now);
	else
		json_decref(detail);
	return rc == 0 ? 0 : DB_ERROR;
}

/* R_READ, after the argon2id step. */
void ops_login(req *r)
{
	const char *login = req_form(r, "login"), *pw = req_form(r, "password");
	struct op o;
	int64_t wait;
	if (!login || !pw || !*login || !*pw || strlen(login) > 200 || strlen(pw) > 1024) {
		web_login_page(r, 1, 400, "login.missing", login, NULL);
		return;
	}
	int found = operator_by_login(r->db, &r->a, login, &o);
	if (found < 0)
		return;
	struct op_login j = {req_client_ip(r), arena_printf(&r->a, "op:%s", login), login, "operator_login_throttled",
			     found ? &o : NULL, web_staff_limits(r).absolute_ms, ""};
	if (!login_allowed(r->db, j.ip, j.id, time_now_ms(), &wait)) {
		if (web_write(r, record_login, &j) < 0)
			return;
		metric_add(M_LOGIN_THROTTLED, 1);
		req_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, arena_printf(&r->a, "%lld", (long long)wait));
		web_login_page(r, 1, 429, "login.throttled", login, json_pack("{s:I}", "seconds", (json_int_t)wait));
		return;
	}
	int ok = j.o && !j.o->disabled_at && secret_same(r->proof.password_match, operator_password_hash(r->db, &r->a, j.o->id));
	j.kind = ok ? "operator_password_ok" : "operator_login_failed";
	if (web_write(r, record_login, &j) < 0)
		return;
	if (!ok) {
		metric_add(M_LOGIN_FAILED, 1);
		web_login_page(r, 1, 401, "login.failed", login, NULL);
		return;
	}
	req_set_cookie(r, "osid", j.token, (long)r->srv->cfg.staff_session_hours * 3600);
	req_redirect(r, "/ops/totp");
}

void ops_logout(req *r)
{
	operator_session_end(r->db, req_cookie(r, "osid"));
	security_event_json(r->db, 0, 0, "operator_logout", json_pack("{s:s}", "operator", r->op->login), time_now_ms());
	req_set_cookie(r, "osid", "", 0);
	req_redirect(r, "/ops/login");
}
