/*
 * routes.c — every URL of the service, and the gatekeeping that runs before
 * any handler (after cgit's process_request and Redis' processCommand).
 *
 * Read the table top to bottom to know what the service answers. A handler
 * runs only after the dispatcher has matched its method, bounded its body,
 * chosen the language, answered 503 during maintenance mode (except R_ALWAYS
 * rows), opened the database, loaded the session, and checked CSRF, Origin
 * and content type as its flags demand.
 *
 * Every row declares its unit of work — R_READ, R_WRITE, R_WRITER or R_NONE
 * (web.h) — and the dispatcher begins it, runs the handler once, and ends it;
 * a failed statement anywhere answers the one 503 (fail_centrally). The one
 * exception: a stamp claim that PostgreSQL made a deadlock's victim runs
 * again (run_handler_retrying), its handler being nothing but database work.
 * `stamprally routes` prints the table.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/account.h"
#include "core/maintenance.h"
#include "core/operator.h"
#include "core/password.h"
#include "core/session.h"
#include "http/server.h"
#include "lib/jsonmem.h"
#include "lib/metrics.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "store/writer.h"
#include "web/common.h"
#include "web/page.h"
#include "web/web.h"

#define KB 1024
/* An image upload: the 5 MB image plus the multipart envelope. */
#define UPLOAD_MAX (5 * 1024 * KB + 64 * KB)

/* method, pattern, handler, flags (access, checks, unit of work), body limit,
 * permissions (R_STAFF), what is proven before the unit of work (prove.c) */
static const struct route routes[] = {
	/* participant pages (HTML) */
	{"GET", "/", page_home, R_PAGE | R_READ, 0, 0, 0},
	{"GET", "/r/{slug}", page_rally, R_PAGE | R_SESSION | R_READ, 0, 0, 0},
	{"POST", "/r/{slug}/join", page_rally_join, R_FORM | R_SESSION | R_WRITE, 4 * KB, 0, PROVE_JOIN},
	{"GET", "/r/{slug}/card", page_card, R_PAGE | R_SESSION | R_READ, 0, 0, 0},
	{"POST", "/r/{slug}/recovery-mail", page_recovery_mail, R_FORM | R_SESSION | R_WRITE, 2 * KB, 0, 0},
	{"GET", "/r/{slug}/complete", page_complete, R_PAGE | R_SESSION | R_READ, 0, 0, 0},
	{"POST", "/r/{slug}/certificate", page_certificate, R_FORM | R_SESSION | R_WRITE, 4 * KB, 0, 0},
	{"GET", "/q/{token}", page_qr, R_PAGE | R_SESSION | R_READ, 0, 0, 0},
	{"POST", "/q/{token}", page_qr_claim, R_FORM | R_SESSION | R_WRITER, 4 * KB, 0, PROVE_CLAIM},
	{"GET", "/q/{token}/result", page_qr_result, R_PAGE | R_SESSION | R_READ, 0, 0, 0},
	{"GET", "/stamps/{file}", page_stamp_svg, R_READ, 0, 0, 0},
	{"GET", "/r/{slug}/spots/{spot}", page_spot, R_PAGE | R_SESSION | R_READ, 0, 0, 0},
	{"POST", "/r/{slug}/spots/{spot}", page_spot_claim, R_FORM | R_SESSION | R_WRITER, 4 * KB, 0, PROVE_CLAIM},
	{"GET", "/t/{spot}/{code}", page_rotating, R_PAGE | R_SESSION | R_READ, 0, 0, 0},
	{"POST", "/t/{spot}/{code}", page_rotating_claim, R_FORM | R_SESSION | R_WRITER, 4 * KB, 0, PROVE_CLAIM},
	{"POST", "/r/{slug}/rewards/{tier}", page_reward_take, R_FORM | R_SESSION | R_WRITE, 4 * KB, 0, 0},
	{"GET", "/rewards/{code}", page_reward, R_PAGE | R_SESSION | R_READ, 0, 0, 0},
	{"GET", "/r/{slug}/lottery/{tier}", page_lottery, R_PAGE | R_SESSION | R_READ, 0, 0, 0},
	{"POST", "/r/{slug}/lottery/{tier}", page_lottery_enter, R_FORM | R_SESSION | R_WRITE, 16 * KB, 0, 0},
	{"POST", "/rewards/{code}/redeem", page_reward_redeem, R_FORM | R_SESSION | R_WRITE, 4 * KB, 0, PROVE_REDEEM},
	{"GET", "/recover", page_recover_form, R_PAGE | R_READ, 0, 0, 0},
	{"POST", "/recover", page_recover, R_FORM | R_SESSION | R_WRITE, 4 * KB, 0, 0},
	/* LINE Login for participants (src/web/line.c) */
	{"GET", "/auth/line/start", line_start, R_PAGE | R_SESSION | R_WRITE, 0, 0, 0},
	{"GET", "/auth/line/callback", line_callback, R_PAGE | R_SESSION | R_READ, 0, 0, 0},
	{"POST", "/auth/line/logout", line_logout, R_FORM | R_SESSION | R_READ, 4 * KB, 0, 0},
	/* participant API (JSON), docs/api.md */
	{"GET", "/api/v1/rallies/{slug}", api_rally, R_API | R_READ, 0, 0, 0},
	{"POST", "/api/v1/rallies/{slug}/join", api_join, R_API | R_SESSION | R_WRITE, 4 * KB, 0, PROVE_JOIN},
	{"POST", "/api/v1/stamps", api_stamp, R_API | R_NEED_SESSION | R_WRITER, 4 * KB, 0, PROVE_CLAIM},
	{"GET", "/api/v1/rallies/{slug}/card", api_card, R_API | R_NEED_SESSION | R_READ, 0, 0, 0},
	{"POST", "/api/v1/recover", api_recover, R_API | R_SESSION | R_WRITE, 4 * KB, 0, 0},
	/* organizer console (HTML); R_STAFF routes name the permissions they need */
	{"GET", "/console/login", console_login_form, R_PAGE | R_READ, 0, 0, 0},
	{"POST", "/console/login", console_login, R_FORM | R_READ, 4 * KB, 0, PROVE_LOGIN},
	{"POST", "/console/logout", console_logout, R_FORM | R_STAFF | R_SECOND | R_WRITE, 4 * KB, 0, 0},
	{"GET", "/console", console_home, R_PAGE | R_STAFF | R_READ, 0, PERM_VIEW, 0},
	{"GET", "/console/password", console_password_form, R_PAGE | R_STAFF | R_READ, 0, 0, 0},
	{"POST", "/console/password", console_password, R_FORM | R_STAFF | R_READ, 4 * KB, 0, PROVE_PASSWORD_CHANGE},
	{"GET", "/console/totp", web_totp_form, R_PAGE | R_STAFF | R_SECOND | R_READ, 0, 0, 0},
	{"POST", "/console/totp", web_totp, R_FORM | R_STAFF | R_SECOND | R_WRITE, 4 * KB, 0, 0},
	{"POST", "/console/totp/enrol", web_totp_enrol, R_FORM | R_STAFF | R_SECOND | R_WRITE, 4 * KB, 0, 0},
	{"GET", "/console/email", console_email_form, R_PAGE | R_STAFF | R_READ, 0, 0, 0},
	{"POST", "/console/email", console_email, R_FORM | R_STAFF | R_WRITE, 4 * KB, 0, 0},
	{"GET", "/console/email/confirm/{token}", email_confirm_form, R_PAGE | R_READ, 0, 0, 0},
	{"POST", "/console/email/confirm/{token}", email_confirm, R_FORM | R_WRITE, 4 * KB, 0, 0},
	{"GET", "/console/users", console_users, R_PAGE | R_STAFF | R_READ, 0, PERM_USERS, 0},
	{"POST", "/console/users/{id}/totp-reset", console_user_totp_reset, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_USERS, 0},
	{"POST", "/console/require-totp", console_require_totp, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_USERS, 0},
	{"GET", "/console/audit", console_audit, R_PAGE | R_STAFF | R_READ, 0, PERM_AUDIT, 0},
	{"GET", "/console/audit.csv", console_export_audit, R_STAFF | R_READ, 0, PERM_AUDIT, 0},
	{"GET", "/console/audit.xlsx", console_export_audit, R_STAFF | R_READ, 0, PERM_AUDIT, 0},
	{"POST", "/console/users", console_user_create, R_FORM | R_STAFF | R_READ, 4 * KB, PERM_USERS, PROVE_NEW_PASSWORD},
	{"POST", "/console/users/{id}/role", console_user_role, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_USERS, 0},
	{"POST", "/console/users/{id}/disable", console_user_disable, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_USERS, 0},
	{"POST", "/console/users/{id}/enable", console_user_enable, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_USERS, 0},
	{"POST", "/console/users/{id}/reset", console_user_reset, R_FORM | R_STAFF | R_READ, 4 * KB, PERM_USERS, PROVE_NEW_PASSWORD},
	{"GET", "/console/rallies/new", console_rally_new, R_PAGE | R_STAFF | R_READ, 0, PERM_EDIT, 0},
	{"POST", "/console/rallies", console_rally_create, R_FORM | R_STAFF | R_WRITE, 32 * KB, PERM_EDIT, PROVE_NEW_SECRETS},
	{"GET", "/console/rallies/{slug}", console_rally_edit, R_PAGE | R_STAFF | R_READ, 0, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}", console_rally_update, R_FORM | R_STAFF | R_WRITE, 32 * KB, PERM_EDIT, PROVE_NEW_SECRETS},
	{"POST", "/console/rallies/{slug}/status", console_rally_status, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_PUBLISH, 0},
	{"POST", "/console/rallies/{slug}/duplicate", console_rally_duplicate, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/delete", console_rally_delete, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/preview/clear", console_rally_preview_clear, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/cover", console_rally_cover, R_FORM | R_STAFF | R_WRITE, UPLOAD_MAX, PERM_EDIT, PROVE_IMAGE},
	{"GET", "/console/rallies/{slug}/translations", console_translations, R_PAGE | R_STAFF | R_READ, 0, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/translations", console_translations_save, R_FORM | R_STAFF | R_WRITE, 256 * KB, PERM_EDIT, 0},
	{"GET", "/console/rallies/{slug}/spots/new", console_spot_new, R_PAGE | R_STAFF | R_READ, 0, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/spots", console_spot_create, R_FORM | R_STAFF | R_WRITE, 16 * KB, PERM_EDIT, 0},
	{"GET", "/console/rallies/{slug}/spots/{spot}", console_spot_edit, R_PAGE | R_STAFF | R_READ, 0, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/spots/{spot}", console_spot_update, R_FORM | R_STAFF | R_WRITE, 16 * KB, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/spots/{spot}/methods", console_spot_methods, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_EDIT, PROVE_NEW_SECRETS},
	{"POST", "/console/rallies/{slug}/desk-pin", console_rally_desk_pin, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_EDIT, PROVE_NEW_SECRETS},
	{"POST", "/console/rallies/{slug}/spots/{spot}/regenerate", console_spot_regenerate, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/spots/{spot}/disable", console_spot_disable, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/spots/{spot}/enable", console_spot_enable, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/spots/{spot}/delete", console_spot_delete, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/spots/{spot}/image", console_spot_image, R_FORM | R_STAFF | R_WRITE, UPLOAD_MAX, PERM_EDIT, PROVE_IMAGE},
	{"GET", "/console/rallies/{slug}/posters", console_posters, R_PAGE | R_STAFF | R_READ, 0, PERM_EDIT, 0},
	{"GET", "/console/rallies/{slug}/spots/{spot}/poster", console_poster, R_PAGE | R_STAFF | R_READ, 0, PERM_EDIT, 0},
	{"GET", "/console/rallies/{slug}/dashboard", console_dashboard, R_PAGE | R_STAFF | R_READ, 0, PERM_VIEW, 0},
	{"GET", "/console/rallies/{slug}/export/participants.csv", console_export_participants, R_STAFF | R_READ, 0, PERM_EXPORT, 0},
	{"GET", "/console/rallies/{slug}/export/participants.xlsx", console_export_participants, R_STAFF | R_READ, 0, PERM_EXPORT, 0},
	{"GET", "/console/rallies/{slug}/export/stamps.csv", console_export_stamps, R_STAFF | R_READ, 0, PERM_EXPORT, 0},
	{"GET", "/console/rallies/{slug}/export/stamps.xlsx", console_export_stamps, R_STAFF | R_READ, 0, PERM_EXPORT, 0},
	{"GET", "/console/rallies/{slug}/export/rewards.csv", console_export_rewards, R_STAFF | R_READ, 0, PERM_EXPORT, 0},
	{"GET", "/console/rallies/{slug}/export/rewards.xlsx", console_export_rewards, R_STAFF | R_READ, 0, PERM_EXPORT, 0},
	{"POST", "/console/rallies/{slug}/join-policy", console_rally_join_policy, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_PUBLISH, 0},
	{"GET", "/console/desk", console_desk, R_PAGE | R_STAFF | R_READ, 0, PERM_DESK, 0},
	{"GET", "/console/desk/redeem", console_desk_lookup, R_PAGE | R_STAFF | R_READ, 0, PERM_DESK, 0},
	{"POST", "/console/desk/redeem/{code}", console_desk_redeem, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_DESK, 0},
	{"GET", "/console/desk/{slug}/{spot}", console_desk_rotating, R_PAGE | R_STAFF | R_READ, 0, PERM_DESK, 0},
	{"POST", "/console/rallies/{slug}/tiers", console_tier_create, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/tiers/{tier}", console_tier_update, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_EDIT, 0},
	{"POST", "/console/rallies/{slug}/tiers/{tier}/delete", console_tier_delete, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_EDIT, 0},
	/* lotteries: entries are personal data, for owners and admins only */
	{"GET", "/console/rallies/{slug}/lottery/{tier}", console_lottery, R_PAGE | R_STAFF | R_READ, 0, PERM_ENTRIES, 0},
	{"POST", "/console/rallies/{slug}/lottery/{tier}/draw", console_lottery_draw, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_ENTRIES, 0},
	{"GET", "/console/rallies/{slug}/lottery/{tier}/draws/{draw}", console_lottery_draw_page, R_PAGE | R_STAFF | R_READ, 0, PERM_ENTRIES, 0},
	{"GET", "/console/rallies/{slug}/lottery/{tier}/entries.csv", console_export_entries, R_STAFF | R_READ, 0, PERM_ENTRIES, 0},
	{"GET", "/console/rallies/{slug}/lottery/{tier}/entries.xlsx", console_export_entries, R_STAFF | R_READ, 0, PERM_ENTRIES, 0},
	{"GET", "/console/rallies/{slug}/lottery/{tier}/draws/{draw}/winners.csv", console_export_winners, R_STAFF | R_READ, 0,
	 PERM_ENTRIES, 0},
	{"GET", "/console/rallies/{slug}/lottery/{tier}/draws/{draw}/winners.xlsx", console_export_winners, R_STAFF | R_READ, 0,
	 PERM_ENTRIES, 0},
	{"GET", "/console/line", console_line_form, R_PAGE | R_STAFF | R_READ, 0, PERM_USERS, 0},
	{"POST", "/console/line", console_line_save, R_FORM | R_STAFF | R_WRITE, 4 * KB, PERM_USERS, 0},
	/* the operator console: an operator session (after TOTP) or 404; up during maintenance */
	{"GET", "/ops/login", ops_login_form, R_PAGE | R_READ | R_ALWAYS, 0, 0, 0},
	{"POST", "/ops/login", ops_login, R_FORM | R_READ | R_ALWAYS, 4 * KB, 0, PROVE_OPERATOR_LOGIN},
	{"POST", "/ops/logout", ops_logout, R_FORM | R_OPERATOR | R_SECOND | R_WRITE | R_ALWAYS, 4 * KB, 0, 0},
	{"GET", "/ops/totp", web_totp_form, R_PAGE | R_OPERATOR | R_SECOND | R_READ | R_ALWAYS, 0, 0, 0},
	{"POST", "/ops/totp", web_totp, R_FORM | R_OPERATOR | R_SECOND | R_WRITE | R_ALWAYS, 4 * KB, 0, 0},
	{"POST", "/ops/totp/enrol", web_totp_enrol, R_FORM | R_OPERATOR | R_SECOND | R_WRITE | R_ALWAYS, 4 * KB, 0, 0},
	{"GET", "/ops", ops_home, R_PAGE | R_OPERATOR | R_READ | R_ALWAYS, 0, 0, 0},
	{"POST", "/ops/tenants", ops_tenant_create, R_FORM | R_OPERATOR | R_READ | R_ALWAYS, 4 * KB, 0, PROVE_NEW_PASSWORD},
	{"POST", "/ops/tenants/{slug}/suspend", ops_tenant_suspend, R_FORM | R_OPERATOR | R_WRITE | R_ALWAYS, 4 * KB, 0, 0},
	{"POST", "/ops/tenants/{slug}/resume", ops_tenant_resume, R_FORM | R_OPERATOR | R_WRITE | R_ALWAYS, 4 * KB, 0, 0},
	{"POST", "/ops/tenants/{slug}/quota", ops_tenant_quota, R_FORM | R_OPERATOR | R_WRITE | R_ALWAYS, 4 * KB, 0, 0},
	{"POST", "/ops/tenants/{slug}/purge", ops_tenant_purge, R_FORM | R_OPERATOR | R_WRITE | R_ALWAYS, 4 * KB, 0, 0},
	{"GET", "/ops/operators", ops_operators, R_PAGE | R_OPERATOR | R_READ | R_ALWAYS, 0, 0, 0},
	{"POST", "/ops/operators", ops_operator_create, R_FORM | R_OPERATOR | R_READ | R_ALWAYS, 4 * KB, 0, PROVE_NEW_PASSWORD},
	{"POST", "/ops/operators/{id}/disable", ops_operator_disable, R_FORM | R_OPERATOR | R_WRITE | R_ALWAYS, 4 * KB, 0, 0},
	{"POST", "/ops/operators/{id}/enable", ops_operator_enable, R_FORM | R_OPERATOR | R_WRITE | R_ALWAYS, 4 * KB, 0, 0},
	{"POST", "/ops/operators/{id}/reset", ops_operator_reset, R_FORM | R_OPERATOR | R_READ | R_ALWAYS, 4 * KB, 0, PROVE_NEW_PASSWORD},
	{"GET", "/ops/announcements", ops_announcements, R_PAGE | R_OPERATOR | R_READ | R_ALWAYS, 0, 0, 0},
	{"POST", "/ops/announcements", ops_announcement_create, R_FORM | R_OPERATOR | R_WRITE | R_ALWAYS, 16 * KB, 0, 0},
	{"POST", "/ops/announcements/{id}/close", ops_announcement_close, R_FORM | R_OPERATOR | R_WRITE | R_ALWAYS, 4 * KB, 0, 0},
	{"GET", "/ops/audit", ops_audit, R_PAGE | R_OPERATOR | R_READ | R_ALWAYS, 0, 0, 0},
	{"GET", "/ops/certificates", ops_certificates, R_PAGE | R_OPERATOR | R_READ | R_ALWAYS, 0, 0, 0},
	{"GET", "/ops/certificates/{id}", ops_certificate, R_PAGE | R_OPERATOR | R_READ | R_ALWAYS, 0, 0, 0},
	{"GET", "/ops/certificates/{id}/certificate.json", ops_certificate_file, R_OPERATOR | R_READ | R_ALWAYS, 0, 0, 0},
	/* uploaded images and rally themes, public */
	{"GET", "/images/{id}", page_image, R_READ, 0, 0, 0},
	{"GET", "/images/{id}/{variant}", page_image, R_READ, 0, 0, 0},
	{"GET", "/r/{slug}/theme.css", page_theme_css, R_READ, 0, 0, 0},
	/* operations */
	{"GET", "/metrics", sys_metrics, R_NONE | R_ALWAYS, 0, 0, 0},
	{"GET", "/healthz", sys_healthz, R_NONE | R_ALWAYS, 0, 0, 0},
	{"GET", "/status", sys_status, R_NONE | R_ALWAYS, 0, 0, 0},
	{"GET", "/status.json", sys_status_json, R_API | R_NONE | R_ALWAYS, 0, 0, 0},
	{"GET", "/readyz", sys_readyz, R_READ | R_ALWAYS, 0, 0, 0},
	{"GET", "/static/{file}", sys_static, R_NONE | R_ALWAYS, 0, 0, 0},
};

#define NROUTES (sizeof routes / sizeof routes[0])

static void run_handler(req *r);
static void dispatch(req *r);
static int load_staff(req *r);
static void run_read(req *r);
static void run_write(req *r);
static void run_on_writer(req *r);
static void run_unit(req *r);
static void prove_first(req *r);
static void reset_response(req *r, struct header *saved);
static void touch_session(req *r, int (*fn)(db *, int64_t, int64_t), int64_t session_id);
static int load_operator(req *r);

long web_body_limit(req *r)
{
	char *scratch = arena_alloc(&r->a, strlen(r->path) + 1);
	char allow[64];
	int i = router_match(routes, NROUTES, sizeof routes[0], r->method, r->path, scratch, r->params, &r->nparams,
			     allow, sizeof allow);
	if (i == ROUTER_NOT_FOUND) {
		r->status = 404;
		return 0;
	}
	if (i == ROUTER_BAD_METHOD) {
		r->status = 405;
		req_add_header(r, MHD_HTTP_HEADER_ALLOW, allow);
		return 0;
	}
	r->route = &routes[i];
	if (strcmp(r->route->method, "GET") == 0)
		return 0;
	long limit = r->route->max_body ? r->route->max_body : r->srv->cfg.max_body;
	/* Large bodies (uploads) only from a logged-in staff member: checked
	 * before a byte of the body is buffered. */
	if (limit > 64 * KB && (r->route->flags & R_STAFF)) {
		db *d = db_thread();
		if (!d || !staff_session_exists(d, req_cookie(r, "ssid"), time_now_ms())) {
			r->status = 401;
			return 0;
		}
	}
	return limit;
}

/* Answer the status the server or the router already decided. */
static void preset_error(req *r)
{
	switch (r->status) {
	case 400: web_error(r, 400, "bad_request", "error.bad_request", NULL); break;
	case 404: web_error(r, 404, "not_found", "error.not_found", NULL); break;
	case 401: web_error(r, 401, "login_required", "error.login_required", NULL); break;
	case 405: web_error(r, 405, "method_not_allowed", "error.method_not_allowed", NULL); break;
	case 413: web_error(r, 413, "body_too_large", "error.body_too_large", NULL); break;
	case 414: web_error(r, 414, "url_too_long", "error.url_too_long", NULL); break;
	case 431: web_error(r, 431, "headers_too_large", "error.headers_too_large", NULL); break;
	default: web_error(r, r->status, "error", "error.internal", NULL);
	}
}

/* Choose the language; an explicit ?lang= is remembered in a cookie. */
static void choose_lang(req *r)
{
	const char *q = req_query(r, "lang");
	r->lang = i18n_choose(q, req_cookie(r, "lang"), req_header(r, MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
	if (i18n_parse(q) >= 0)
		req_set_cookie(r, "lang", i18n_code(r->lang), 365L * 86400);
}

/* True when the Origin header is absent or names this service: the
 * configured public URL, or the Host the request was sent to. */
static int origin_ok(req *r)
{
	const char *o = req_header(r, "Origin");
	if (!o)
		return 1;
	if (strcmp(o, r->srv->cfg.public_url) == 0)
		return 1;
	const char *host = req_header(r, MHD_HTTP_HEADER_HOST);
	if (!host)
		return 0;
	const char *rest = strncmp(o, "https://", 8) == 0 ? o + 8 : strncmp(o, "http://", 7) == 0 ? o + 7 : NULL;
	return rest && strcmp(rest, host) == 0;
}

/* Make sure the browser has a CSRF cookie and derive the form token. */
static void prepare_csrf(req *r)
{
	const char *c = req_cookie(r, "csrf");
	if (!token_valid(c)) {
		char fresh[48];
		token_new(fresh, sizeof fresh, 16);
		c = arena_strdup(&r->a, fresh);
		req_set_cookie(r, "csrf", c, -1);
	}
	char mac[48];
	char *msg = arena_printf(&r->a, "csrf:%s", c);
	token_hmac(r->srv->secret, msg, mac, sizeof mac);
	r->csrf_cookie = c;
	r->csrf_token = arena_strdup(&r->a, mac);
}

static int content_type_is(req *r, const char *type)
{
	const char *ct = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen(type);
	return ct && strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* CSRF, Origin and body parsing for an HTML form POST. 0 when it may go on. */
static int check_form(req *r)
{
	if (!origin_ok(r)) {
		web_error(r, 403, "bad_origin", "error.bad_origin", NULL);
		return -1;
	}
	int multipart = content_type_is(r, "multipart/form-data");
	if (r->body.len && !multipart && !content_type_is(r, "application/x-www-form-urlencoded")) {
		web_error(r, 415, "unsupported_media_type", "error.form_type", NULL);
		return -1;
	}
	if (multipart ? req_parse_multipart(r) != 0 : !(r->form = req_parse_form(buf_str(&r->body), r->body.len))) {
		web_error(r, 400, "malformed_form", "error.malformed_form", NULL);
		return -1;
	}
	const char *sent = req_form(r, "_csrf");
	if (!req_cookie(r, "csrf") || !sent || !token_equal(sent, r->csrf_token)) {
		web_error(r, 403, "csrf", "error.csrf", NULL);
		return -1;
	}
	return 0;
}

/* Origin, content type and JSON parsing for an API POST. */
static int check_api_post(req *r)
{
	if (!origin_ok(r)) {
		web_error(r, 403, "bad_origin", "error.bad_origin", NULL);
		return -1;
	}
	int has_cookie = req_cookie(r, "sid") != NULL;
	if ((r->body.len || has_cookie) && !content_type_is(r, "application/json")) {
		web_error(r, 415, "unsupported_media_type", "error.json_type", NULL);
		return -1;
	}
	if (r->body.len) {
		json_error_t e;
		r->json = json_loadb(buf_str(&r->body), r->body.len, JSON_REJECT_DUPLICATES, &e);
		if (!json_is_object(r->json)) {
			web_error(r, 400, "malformed_json", "error.malformed_json", NULL);
			return -1;
		}
	}
	return 0;
}

void web_dispatch(req *r)
{
	jsonmem_use(&r->a);
	dispatch(r);
	jsonmem_use(NULL);
}

/* During maintenance mode (core/maintenance.h): 503, Retry-After until its
 * announced end, and the operator's message in the page's language. 1 when
 * it answered. */
static int in_maintenance(req *r)
{
	struct maintenance m;
	int64_t now = time_now_ms();
	if (!maintenance_on(now, &m))
		return 0;
	int64_t wait = m.until ? (m.until - now + 999) / 1000 : 300;
	req_add_header(r, "Retry-After", arena_printf(&r->a, "%lld", (long long)(wait > 0 ? wait : 1)));
	const char *msg = r->lang != LANG_JA && m.en[0] ? m.en : m.ja[0] ? m.ja : m.en;
	char when[40] = "";
	if (m.until)
		time_format_jst(m.until, "%Y-%m-%d %H:%M", when, sizeof when);
	/* no button: every other page answers the same */
	web_error(r, 503, "maintenance", m.until ? "error.maintenance_until" : "error.maintenance",
		  json_pack("{s:s, s:s, s:b}", "until", when, "message", arena_strdup(&r->a, msg), "no_button", 1));
	return 1;
}

/* Each route's group, filled by web_routes_check at start. */
static unsigned char route_groups[sizeof routes / sizeof routes[0]];

/* The route group /metrics counts a route's latency under. */
static int group_of(const struct route *rt)
{
	static const char *const ops[] = {"/metrics", "/healthz", "/readyz", "/status", "/status.json"};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(rt->pattern, ops[i]) == 0)
			return MG_OPS;
	if (strncmp(rt->pattern, "/static/", 8) == 0 || strncmp(rt->pattern, "/images/", 8) == 0 ||
	    strncmp(rt->pattern, "/stamps/", 8) == 0 || strstr(rt->pattern, "theme.css"))
		return MG_STATIC;
	if (rt->flags & R_WRITER)
		return MG_CLAIM;
	if (strstr(rt->pattern, "/card"))
		return MG_CARD;
	if (strncmp(rt->pattern, "/console", 8) == 0 || strncmp(rt->pattern, "/ops", 4) == 0)
		return MG_CONSOLE;
	if (strncmp(rt->pattern, "/api/", 5) == 0)
		return MG_API;
	return MG_PAGE;
}

/* The gatekeeping, in order; see the file comment. */
static void dispatch(req *r)
{
	r->metric_group = r->route ? route_groups[r->route - routes] : MG_OTHER;
	choose_lang(r);
	if (r->status) {
		preset_error(r);
		return;
	}
	unsigned f = r->route->flags;
	int post = strcmp(r->method, "POST") == 0;
	if (!(f & R_ALWAYS) && in_maintenance(r))
		return;
	if (!(f & R_NONE) && !(r->db = db_thread())) {
		web_unavailable(r);
		return;
	}
	if (f & (R_PAGE | R_FORM))
		prepare_csrf(r);
	if ((f & R_FORM) && post && check_form(r) != 0)
		return;
	if ((f & R_API) && post && check_api_post(r) != 0)
		return;
	if (web_prove_needed(r))
		prove_first(r);
	else
		run_unit(r);
}

/* The unit of work the route declares, then the handler. */
static void run_unit(req *r)
{
	switch (r->route->flags & R_UNIT) {
	case R_READ: run_read(r); break;
	case R_WRITE: run_write(r); break;
	case R_WRITER:
		if (r->srv->group_commit)
			run_on_writer(r);
		else
			run_write(r); /* its own short transaction on the worker's connection */
		break;
	default: run_handler(r); /* R_NONE */
	}
}

/* The argon2id thread's job: the computations (web/prove.c), then hand
 * the request back to its worker. */
static void prove_job(void *arg, int expired)
{
	struct prove_work *w = arg;
	req *r = web_prove_request(w);
	if (expired)
		r->proof.busy = 1;
	else
		web_prove_compute(w);
	req_ready(r);
}

/* Back on the worker once the request is proven: its unit of work. */
static void after_prove(req *r)
{
	jsonmem_use(&r->a);
	if (r->proof.busy)
		web_busy(r);
	else
		run_unit(r);
	jsonmem_use(NULL);
}

/* A request with something to prove (a password, a PIN, a passcode) does
 * its argon2id on the low-priority argon2id threads while its connection is
 * suspended and the worker serves others; then after_prove runs its unit
 * of work on the worker. 503 (busy) when the queue is full. */
static void prove_first(req *r)
{
	struct prove_work *w = web_prove_gather(r);
	if (!w) {
		web_unavailable(r);
		return;
	}
	if (web_prove_count(w) == 0) { /* nothing to compute after all (e.g. a throttled login) */
		run_unit(r);
		return;
	}
	if (!req_defer(r)) {
		web_busy(r);
		return;
	}
	r->then = after_prove;
	if (password_submit(prove_job, w) == 0)
		return;
	r->then = NULL;
	req_undefer(r);
	web_busy(r);
}

static void run_handler(req *r);

/* A stamp claim's handler (R_WRITER) does nothing but its database work,
 * so when that work meets another transaction's in a deadlock (PostgreSQL;
 * SQLite has one writer) it runs again, up to DB_ATTEMPTS times, each
 * attempt in a savepoint of its own and its answer forgotten. Every other
 * handler runs once (a conflict is answered 503 with Retry-After). */
static void run_handler_retrying(req *r, struct header *saved)
{
	if ((r->route->flags & R_UNIT) != R_WRITER || !db_concurrent_writers()) {
		run_handler(r);
		return;
	}
	for (int attempt = 1;; attempt++) {
		if (db_begin(r->db) != 0) {
			r->failed = 1;
			return;
		}
		run_handler(r);
		if (!db_failed(r->db)) {
			db_commit(r->db); /* the savepoint; the caller commits or rolls back the rest */
			return;
		}
		db_rollback(r->db); /* a failed statement spoils the savepoint only */
		if (attempt == DB_ATTEMPTS || !db_failed_conflict(r->db))
			return; /* db_failed stays set: the caller answers 503 */
		reset_response(r, saved);
		db_clear_failed(r->db);
		r->failed = 0, r->keep_changes = 0, r->new_stamps = 0, r->new_joins = 0;
	}
}

/* Session, then the handler. */
static void run_handler(req *r)
{
	unsigned f = r->route->flags;
	if (f & (R_SESSION | R_NEED_SESSION)) {
		r->session_id = session_find(r->db, req_cookie(r, "sid"), time_now_ms());
		if (r->session_id < 0)
			return; /* the database failed: answered below */
		if ((f & R_NEED_SESSION) && r->session_id == 0) {
			web_error(r, 401, "no_session", "error.no_session", NULL);
			return;
		}
	}
	if ((f & R_STAFF) && !load_staff(r))
		return;
	if ((f & R_OPERATOR) && !load_operator(r))
		return;
	r->route->handler(r);
}

/* After the handler: a failed statement (db_failed) or write (web_write)
 * anywhere in the request replaces whatever was answered with 503, so no
 * handler needs its own copy; a handler that answered nothing is a bug
 * (500). Returns 1 when the request failed. */
static int fail_centrally(req *r, struct header *saved)
{
	if (r->failed || (r->db && db_failed(r->db))) {
		reset_response(r, saved);
		web_unavailable(r);
		return 1;
	}
	if (!r->status)
		web_error(r, 500, "internal", "error.internal", NULL);
	return 0;
}

/* A session that owes its second factor reaches only the R_SECOND routes:
 * pages are sent to the TOTP step at totp, anything else 403. 1 when the
 * route may go on. */
static int second_step(req *r, const char *totp)
{
	if (r->route->flags & R_SECOND)
		return 1;
	if (strcmp(r->method, "GET") == 0)
		req_redirect(r, totp);
	else
		web_error(r, 403, "second_factor_required", "error.second_factor_required", NULL);
	return 0;
}

/* Console routes: the staff session and the route's permissions. Answers
 * (login page, 401, 403) and returns 0 when the request may not go on. */
static int load_staff(req *r)
{
	struct staff_limits lim = web_staff_limits(r);
	struct account *a = arena_alloc(&r->a, sizeof *a);
	int64_t touch = 0;
	int rc = staff_session_find(r->db, &r->a, req_cookie(r, "ssid"), time_now_ms(), &lim, a, &touch);
	if (rc < 0)
		return 0; /* the database failed: answered by the dispatcher */
	if (rc == 0) {
		if (strcmp(r->method, "GET") == 0 && !(r->route->flags & R_API))
			req_redirect(r, "/console/login");
		else
			web_error(r, 401, "login_required", "error.login_required", NULL);
		return 0;
	}
	if ((a->perms & r->route->need) != r->route->need) {
		web_error(r, 403, "forbidden", "error.forbidden", NULL);
		return 0;
	}
	r->staff = a;
	r->tenant_id = a->tenant_id;
	if (db_scope_tenant(r->db, a->tenant_id) != 0)
		return 0; /* the database failed: answered by the dispatcher */
	/* the second factor: owed since the password, or required since */
	if ((!a->verified || (a->tenant_requires_totp && !a->totp_enabled_at)) && !second_step(r, "/console/totp"))
		return 0;
	if (a->tenant_suspended && strcmp(r->method, "POST") == 0 && !(r->route->flags & R_SECOND)) {
		web_error(r, 403, "tenant_suspended", "error.tenant_suspended", NULL); /* read-only; logging out still works */
		return 0;
	}
	if (touch)
		touch_session(r, staff_session_touch, touch);
	return 1;
}

/* Operator routes: a live operator session, or 404 (the operator's side
 * is not there for anyone else, tenant staff included); the second factor
 * given, except on the TOTP step itself. */
static int load_operator(req *r)
{
	struct staff_limits lim = web_staff_limits(r);
	struct op *o = arena_alloc(&r->a, sizeof *o);
	int64_t now = time_now_ms();
	int rc = operator_session_find(r->db, &r->a, req_cookie(r, "osid"), now, lim.idle_ms, o);
	if (rc < 0)
		return 0; /* the database failed: answered by the dispatcher */
	if (rc == 0) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return 0;
	}
	r->op = o;
	if (!o->verified && !second_step(r, "/ops/totp"))
		return 0;
	touch_session(r, operator_session_touch, o->session_id);
	return 1;
}

/* Forget what a handler wrote into the response (it is replaced by the
 * 503 of a failed request). */
static void reset_response(req *r, struct header *saved)
{
	if (r->stream_free)
		r->stream_free(r->stream_cls);
	r->stream_fill = NULL;
	r->stream_free = NULL;
	r->stream_cls = NULL;
	r->status = 0;
	r->headers = saved;
	r->content_type = NULL;
	buf_reset(&r->out);
}

/* A session's last_seen_at (staff or operator), written at most once a
 * minute for staff: queued for the writer (a GET page never waits for it,
 * and a read transaction cannot write); inline when the request already
 * holds a write transaction. */
struct touch {
	int (*fn)(db *d, int64_t session_id, int64_t now);
	int64_t session_id, now;
};

static int touch_write(db *d, void *arg)
{
	struct touch *t = arg;
	return t->fn(d, t->session_id, t->now) == 0 ? 0 : DB_ERROR;
}

static void touch_done(void *arg, int rc)
{
	(void)rc; /* a lost touch only shortens the idle timeout by a minute */
	free(arg);
}

static void touch_session(req *r, int (*fn)(db *, int64_t, int64_t), int64_t session_id)
{
	struct touch t = {fn, session_id, time_now_ms()};
	if (db_in_write(r->db)) {
		touch_write(r->db, &t);
		return;
	}
	struct touch *heap = malloc(sizeof t);
	if (!heap)
		return;
	*heap = t;
	if (db_write_async(touch_write, heap, touch_done) != 0)
		free(heap);
}

/* R_READ: the handler runs once in one read transaction (one snapshot, no
 * write lock). What it must write goes through web_write (the writer). */
static void run_read(req *r)
{
	struct header *saved = r->headers;
	if (db_begin_read(r->db) != 0) {
		web_unavailable(r);
		return;
	}
	run_handler(r);
	db_rollback(r->db); /* nothing to commit: it only read */
	fail_centrally(r, saved);
}

/* Count what a committed request created (acknowledged and durable), once. */
static void count_committed(req *r)
{
	if (r->new_stamps)
		metric_add(M_STAMPS, r->new_stamps);
	if (r->new_joins)
		metric_add(M_JOINS, r->new_joins);
}

/* R_WRITE: the handler runs once in one write transaction (BEGIN IMMEDIATE
 * on SQLite), committed before the answer is queued. An answer >= 400 rolls
 * it back unless the handler keeps what it deliberately wrote
 * (r->keep_changes: failure counters, security events). */
static void run_write(req *r)
{
	struct header *saved = r->headers;
	if (db_begin(r->db) != 0) {
		web_unavailable(r);
		return;
	}
	run_handler_retrying(r, saved);
	if (r->failed || db_failed(r->db) || (r->status >= 400 && !r->keep_changes) || !r->status) {
		db_rollback(r->db);
		fail_centrally(r, saved);
	} else if (db_commit(r->db) != 0) {
		r->failed = 1;
		fail_centrally(r, saved);
	} else {
		count_committed(r);
		if (r->after_commit)
			r->after_commit(r);
	}
}

/* A request the writer thread runs whole (R_WRITER). */
struct on_writer {
	req *r;
	struct header *saved; /* the response headers before the handler ran */
	int rolled_back;      /* the handler answered an error and wrote nothing */
};

/* The writer's side: the session and the handler on the writer's own
 * connection, inside the batch transaction and this request's savepoint.
 * An error answer that keeps no changes rolls the savepoint back. */
static int handle_on_writer(db *w, void *arg)
{
	struct on_writer *job = arg;
	req *r = job->r;
	db *own = r->db;
	r->db = w; /* the writer clears and checks db_failed per item (store/writer.c) */
	jsonmem_use(&r->a);
	run_handler_retrying(r, job->saved);
	jsonmem_use(NULL);
	r->db = own;
	job->rolled_back = r->failed || (r->status >= 400 && !r->keep_changes) || !r->status;
	return job->rolled_back ? DB_ERROR : 0;
}

/* The batch holding the job is committed (rc 0) or failed: a failed commit
 * answers 503 instead of what the handler said; a committed one counts the
 * request's new stamps in /metrics. */
static void finish_on_writer(struct on_writer *job, int rc)
{
	req *r = job->r;
	if (rc < 0 && !job->rolled_back)
		r->failed = 1; /* a statement failed, or the batch did not commit */
	if (r->failed || !r->status) {
		jsonmem_use(&r->a);
		fail_centrally(r, job->saved);
		jsonmem_use(NULL);
	} else if (rc == 0) {
		count_committed(r);
	}
}

/* db_write_async's callback, on the writer thread after the commit. */
static void written(void *arg, int rc)
{
	struct on_writer *job = arg;
	finish_on_writer(job, rc);
	req_ready(job->r);
}

/* Stamp claims run whole on the group-commit writer: every check reads the
 * writer's connection, whose page cache no other commit invalidates, and
 * the answer goes out after the batch holding its stamp is committed.  The
 * worker thread does not wait: it suspends the connection and serves others
 * (so one batch can hold a claim from every open connection), and the
 * writer resumes it once the batch is committed. */
static void run_on_writer(req *r)
{
	struct on_writer *job = arena_alloc(&r->a, sizeof *job);
	*job = (struct on_writer){r, r->headers, 0};
	if (req_defer(r)) {
		if (db_write_async(handle_on_writer, job, written) == 0)
			return;
		req_undefer(r);
	}
	finish_on_writer(job, db_write(r->db, handle_on_writer, job));
}

const struct route *web_routes(size_t *n)
{
	*n = NROUTES;
	return routes;
}

/* The unit of work's name for the route dump. */
static const char *unit_name(unsigned flags)
{
	switch (flags & R_UNIT) {
	case R_READ: return "read";
	case R_WRITE: return "write";
	case R_WRITER: return "writer";
	case R_NONE: return "none";
	default: return "?";
	}
}

/* The permission bits as role-independent names, comma-separated, into out. */
static void perm_names(unsigned need, char *out, size_t outsz)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{PERM_VIEW, "view"}, {PERM_EDIT, "edit"}, {PERM_PUBLISH, "publish"}, {PERM_EXPORT, "export"},
		{PERM_ENTRIES, "entries"}, {PERM_USERS, "users"}, {PERM_DESK, "desk"}, {PERM_AUDIT, "audit"},
	};
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (need & names[i].bit)
			o += (size_t)snprintf(out + o, o < outsz ? outsz - o : 0, "%s%s", o ? "," : "", names[i].name);
}

void web_routes_print(FILE *out, int json)
{
	json_t *all = json ? json_array() : NULL;
	for (size_t i = 0; i < NROUTES; i++) {
		const struct route *rt = &routes[i];
		char perms[96];
		perm_names(rt->need, perms, sizeof perms);
		const char *access = (rt->flags & R_STAFF)	   ? "staff"
				     : (rt->flags & R_OPERATOR)	   ? "operator"
				     : (rt->flags & R_NEED_SESSION) ? "participant"
								    : "public";
		long body = strcmp(rt->method, "GET") == 0 ? 0 : rt->max_body;
		if (!json) {
			fprintf(out, "%-5s %-64s %-6s %-11s %-20s %ld\n", rt->method, rt->pattern, unit_name(rt->flags), access,
				*perms ? perms : "-", body);
			continue;
		}
		json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:I}", "method", rt->method,
						     "pattern", rt->pattern, "unit", unit_name(rt->flags), "access", access,
						     "permissions", perms, "csrf", (rt->flags & R_FORM) != 0, "api",
						     (rt->flags & R_API) != 0, "max_body", (json_int_t)body));
	}
	if (json) {
		json_dumpf(all, out, JSON_INDENT(1));
		fputc('\n', out);
		json_decref(all);
	}
}

int web_routes_check(void)
{
	for (size_t i = 0; i < NROUTES; i++) {
		unsigned u = routes[i].flags & R_UNIT;
		if (u == 0 || (u & (u - 1)) != 0) {
			fprintf(stderr, "{\"level\":\"error\",\"msg\":\"route must declare one unit of work\",\"route\":\"%s %s\"}\n",
				routes[i].method, routes[i].pattern);
			return -1;
		}
		route_groups[i] = (unsigned char)group_of(&routes[i]);
	}
	return 0;
}
