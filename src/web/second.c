/*
 * second.c — the second factor (core/totp.h), the same for both realms:
 * staff on /console/totp, operators on /ops/totp.
 *
 * After the password a session is not yet verified (when the account has
 * TOTP, when its tenant requires it, and always for operators): the
 * dispatcher lets it reach only these routes (R_SECOND). GET shows the code
 * form, or the start of an enrolment when there is no secret yet; POST
 * .../totp/enrol makes a new secret and shows it with its QR code; POST
 * .../totp takes a code (or a recovery code), confirms an enrolment (and
 * shows the ten recovery codes once), and verifies the session. A wrong
 * code counts against the login ID and the address (the login throttles)
 * and is a security event; a code is never accepted twice.
 */
#include <stdio.h>
#include <string.h>

#include "core/account.h"
#include "core/operator.h"
#include "core/totp.h"
#include "lib/buf.h"
#include "lib/metrics.h"
#include "lib/timeutil.h"
#include "web/common.h"
#include "web/console.h"
#include "web/ops.h"
#include "web/page.h"
#include "web/view.h"
#include "web/web.h"

/* Whose second factor this request is about. */
struct who {
	enum totp_realm realm;
	int64_t id, session_id, tenant_id;
	const char *login, *throttle_id, *base, *home;
	int verified;
};

static void who_of(req *r, struct who *w)
{
	if (r->op) {
		*w = (struct who){TOTP_OPERATOR, r->op->id, r->op->session_id, 0, r->op->login,
				  arena_printf(&r->a, "op:%s", r->op->login), "/ops", "/ops", r->op->verified};
		return;
	}
	const struct account *a = r->staff;
	*w = (struct who){TOTP_STAFF, a->id, a->session_id, a->tenant_id, a->login, a->login, "/console",
			  (a->perms & PERM_VIEW) ? "/console" : "/console/desk",
			  a->verified && !(a->tenant_requires_totp && !a->totp_enabled_at)};
}

/* The page's view: the realm's header data and where the forms post. */
static json_t *totp_view(req *r, const struct who *w, const char *mode)
{
	json_t *v = r->op ? ops_view(r) : console_view(r);
	json_object_set_new(v, "base", json_string(w->base));
	json_object_set_new(v, "home", json_string(w->home));
	json_object_set_new(v, mode, json_true());
	if (strcmp(mode, "enrol") == 0 || strcmp(mode, "enrol_again") == 0)
		json_object_set_new(v, "first", json_true());
	json_object_set_new(v, "ops", json_boolean(r->op != NULL));
	return v;
}

static void record(req *r, const struct who *w, const char *kind)
{
	security_event(r->db, w->tenant_id, w->realm == TOTP_STAFF ? w->id : 0, kind, req_client_ip(r),
		       w->realm == TOTP_OPERATOR ? web_json_text(r, json_pack("{s:s}", "operator", w->login)) : NULL,
		       time_now_ms());
}

void web_totp_form(req *r)
{
	struct who w;
	struct totp_state st;
	who_of(r, &w);
	if (totp_load(r->db, &r->a, w.realm, w.id, &st) < 0) {
		r->failed = 1;
		return;
	}
	json_t *v = totp_view(r, &w, st.enabled_at ? "code" : "start");
	if (st.enabled_at && w.verified)
		json_object_set_new(v, "enrolled", json_true()); /* verified already: it can be renewed */
	json_object_set_new(v, "left", json_integer(totp_recovery_left(r->db, w.realm, w.id)));
	page_render(r, 200, "totp", v);
}

/* R_WRITE: a new secret, shown with its QR code and a field for the first
 * code. Not while a second factor is owed and one exists: the password
 * alone never replaces it. */
void web_totp_enrol(req *r)
{
	struct who w;
	struct totp_state st;
	char secret[TOTP_SECRET_CHARS + 1];
	who_of(r, &w);
	if (totp_load(r->db, &r->a, w.realm, w.id, &st) < 0 || (st.enabled_at && !w.verified)) {
		if (!db_failed(r->db))
			web_error(r, 403, "second_factor_required", "error.second_factor_required", NULL);
		return;
	}
	if (totp_begin(r->db, &r->a, w.realm, w.id, secret) != 0) {
		r->failed = 1;
		return;
	}
	const char *uri = totp_uri(&r->a, "stamprally", w.login, secret);
	json_t *v = totp_view(r, &w, "enrol"), *qr = view_qr(uri);
	if (qr)
		json_object_set_new(v, "qr", qr);
	char grouped[TOTP_SECRET_CHARS + 8];
	for (int i = 0, o = 0; i < TOTP_SECRET_CHARS; i++) {
		if (i && i % 4 == 0)
			grouped[o++] = ' ';
		grouped[o++] = secret[i];
		grouped[o] = '\0';
	}
	json_object_set_new(v, "secret", json_string(grouped));
	json_object_set_new(v, "uri", json_string(uri));
	page_render(r, 200, "totp", v);
}

/* A wrong code: counted and recorded (kept), and the form again. */
static void refuse(req *r, const struct who *w, int enrolling)
{
	login_failed(r->db, req_client_ip(r), w->throttle_id, time_now_ms());
	record(r, w, "totp_failed");
	r->keep_changes = 1;
	metric_add(M_LOGIN_FAILED, 1);
	json_t *v = totp_view(r, w, enrolling ? "enrol_again" : "code");
	json_object_set_new(v, "error", json_string(web_text(r, "totp.wrong")));
	page_render(r, 401, "totp", v);
}

/* The session is verified; after an enrolment, the recovery codes once. */
static void accept(req *r, const struct who *w, int enrolled, const char *kind)
{
	int64_t now = time_now_ms();
	int rc = w->realm == TOTP_OPERATOR ? operator_session_verified(r->db, w->session_id, now)
					   : staff_session_verified(r->db, w->session_id);
	login_succeeded(r->db, req_client_ip(r), w->throttle_id, now);
	record(r, w, kind);
	if (rc != 0 || db_failed(r->db)) {
		r->failed = 1;
		return;
	}
	if (!enrolled) {
		req_redirect(r, w->home);
		return;
	}
	char codes[TOTP_RECOVERY_CODES][TOTP_RECOVERY_CHARS + 1];
	if (totp_recovery_new(r->db, w->realm, w->id, codes) != 0) {
		r->failed = 1;
		return;
	}
	json_t *v = totp_view(r, w, "recovery"), *list = json_array();
	for (int i = 0; i < TOTP_RECOVERY_CODES; i++)
		json_array_append_new(list, json_string(codes[i]));
	json_object_set_new(v, "codes", list);
	page_render(r, 200, "totp", v);
}

/* R_WRITE: a code from the app (or a recovery code). */
void web_totp(req *r)
{
	struct who w;
	struct totp_state st;
	int64_t now = time_now_ms(), wait;
	const char *code = req_form(r, "code");
	who_of(r, &w);
	if (!login_allowed(r->db, req_client_ip(r), w.throttle_id, now, &wait)) {
		req_add_header(r, "Retry-After", arena_printf(&r->a, "%lld", (long long)wait));
		web_error(r, 429, "throttled", "login.throttled", json_pack("{s:I}", "seconds", (json_int_t)wait));
		return;
	}
	if (totp_load(r->db, &r->a, w.realm, w.id, &st) < 0)
		return;
	if ((!st.secret && !st.pending) || !code || strlen(code) > 40) {
		web_error(r, 400, "no_second_factor", "totp.none", NULL);
		return;
	}
	/* a new secret's first code confirms it (an enrolment or a renewal) */
	int64_t step = st.pending ? totp_match(st.pending, code, now, 0) : 0;
	int taken = step ? totp_confirm(r->db, w.realm, w.id, step, now) : 0;
	if (taken) {
		if (taken > 0)
			accept(r, &w, 1, "totp_enrolled");
		return;
	}
	step = st.secret ? totp_match(st.secret, code, now, st.last_step) : 0;
	taken = step ? totp_take_step(r->db, w.realm, w.id, step) : 0;
	if (taken < 0)
		return;
	if (taken) {
		accept(r, &w, 0, "totp_ok");
		return;
	}
	int used = st.enabled_at ? totp_recovery_use(r->db, w.realm, w.id, code, now) : 0;
	if (used < 0)
		return;
	if (used)
		accept(r, &w, 0, "totp_recovery_used");
	else
		refuse(r, &w, st.enabled_at == 0);
}
