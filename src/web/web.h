/*
 * web.h — the route table's row type, the flags the dispatcher enforces, and
 * the entry points the HTTP server calls.
 */
#ifndef SR_WEB_H
#define SR_WEB_H

#include <stdio.h>

#include "http/req.h"

struct server;

typedef void (*handler_fn)(req *r);

/* Route flags: what the dispatcher checks or prepares before the handler. */
enum {
	R_API = 1 << 0,          /* JSON API: JSON errors; POST bodies must be application/json */
	R_FORM = 1 << 1,         /* HTML form POST: urlencoded or multipart body, CSRF token and Origin checked */
	R_SESSION = 1 << 2,      /* load the browser session when the cookie names a live one */
	R_NEED_SESSION = 1 << 3, /* ... and answer 401 without one */
	/* The unit of work: exactly one per route. The dispatcher begins it, runs
	 * the handler once, and ends it (routes.c). */
	R_NONE = 1 << 4,         /* no database (/healthz, static files) */
	R_PAGE = 1 << 5,         /* an HTML page that may contain forms: prepare the CSRF token */
	R_STAFF = 1 << 6,        /* console: a staff session is required (login page / 401 otherwise) */
	R_WRITER = 1 << 7,       /* runs whole on the group-commit writer (a stamp claim), see routes.c */
	R_READ = 1 << 8,         /* one read transaction; writes only through web_write (the writer) */
	R_WRITE = 1 << 9,        /* one write transaction (BEGIN IMMEDIATE), committed before the answer */
	R_ALWAYS = 1 << 10,      /* answers during maintenance mode too (health, metrics, static files) */
	R_OPERATOR = 1 << 11,    /* the operator's side (/ops): an operator session, or 404 */
	R_SECOND = 1 << 12,      /* answers a session still owing its second factor (the TOTP step, logout) */
	R_UNIT = R_NONE | R_WRITER | R_READ | R_WRITE,
};

/* Slow checks before the unit of work (web/prove.c): argon2id of the
 * secrets a request sends or sets, never under the write lock. */
enum prove {
	PROVE_NONE,
	PROVE_CLAIM,           /* a spot PIN; the passcode of the join a claim may make */
	PROVE_JOIN,            /* a rally passcode */
	PROVE_REDEEM,          /* the desk PIN of a coupon */
	PROVE_NEW_SECRETS,     /* hashes of the PIN, desk PIN or passcode a console form sets */
	PROVE_LOGIN,           /* a console login's password */
	PROVE_NEW_PASSWORD,    /* a random password for a new or reset account, hashed */
	PROVE_PASSWORD_CHANGE, /* the current password, and the new one hashed */
	PROVE_OPERATOR_LOGIN,  /* an operator login's password */
	PROVE_IMAGE,           /* an uploaded image's variants for phones (libvips; not argon2id, same thread) */
};

struct route {
	const char *method;   /* first two members as in struct route_key */
	const char *pattern;
	handler_fn handler;
	unsigned flags;
	long max_body;        /* bytes; 0 = the configured default */
	unsigned need;        /* R_STAFF routes: the permission bits (enum perm) required */
	enum prove prove;     /* what web_prove checks before the unit of work */
};

/* web/prove.c: whether the request has anything to prove; gathering the
 * stored hashes on the worker (in a read transaction of its own; NULL and
 * r->failed when the database failed); how many argon2id computations that
 * left; and computing them (on an argon2id thread, touching no database;
 * the results in r->proof). */
struct prove_work;
int web_prove_needed(req *r);
struct prove_work *web_prove_gather(req *r);
int web_prove_count(const struct prove_work *w);
req *web_prove_request(struct prove_work *w);
void web_prove_compute(struct prove_work *w);
/* Load templates, catalogs and static-file metadata; check that every route
 * declares exactly one unit of work. 0 or -1. */
int web_init(void);
/* The route table: *n rows. The table is static and read-only. */
const struct route *web_routes(size_t *n);
/* Print the route table (method, pattern, unit of work, permissions, body
 * limit) as text, or as a JSON array when json is set. */
void web_routes_print(FILE *out, int json);
/* 0 when every route declares exactly one unit of work (R_UNIT), else -1 (logged). */
int web_routes_check(void);
/* Server hook: match the route, remember it in r, return its body limit.
 * Sets r->status (404, 405) when no route fits. */
long web_body_limit(req *r);
/* Server hook: gatekeeping, then the handler (or the error preset in
 * r->status). */
void web_dispatch(req *r);

/* Handlers, one file per page area. */
void page_home(req *r);
void page_rally(req *r);
void page_rally_join(req *r);
void page_card(req *r);
void page_recovery_mail(req *r);
void page_complete(req *r);
void page_qr(req *r);
void page_qr_claim(req *r);
void page_qr_result(req *r);
void page_stamp_svg(req *r);
void page_spot(req *r);
void page_certificate(req *r);
void page_reward_take(req *r);
void page_reward(req *r);
void page_reward_redeem(req *r);
void console_desk_lookup(req *r);
void console_desk_redeem(req *r);
void console_tier_create(req *r);
void console_tier_update(req *r);
void console_tier_delete(req *r);
void page_lottery(req *r);
void page_lottery_enter(req *r);
void console_lottery(req *r);
void console_lottery_draw(req *r);
void console_lottery_draw_page(req *r);
void console_export_entries(req *r);
void console_export_winners(req *r);
void console_desk(req *r);
void console_desk_rotating(req *r);
void page_rotating(req *r);
void page_rotating_claim(req *r);
void page_recover_form(req *r);
void page_recover(req *r);
void api_recover(req *r);
void page_spot_claim(req *r);
void api_rally(req *r);
void api_join(req *r);
void api_stamp(req *r);
void api_card(req *r);
void console_login_form(req *r);
/* The login page of the console (ops 0) or of /ops (ops 1), with status
 * and the catalog message error_key (its placeholders from vars, taken). */
void web_login_page(req *r, int ops, int status, const char *error_key, const char *login, json_t *vars);
void console_login(req *r);
void console_logout(req *r);
void console_home(req *r);
void console_users(req *r);
/* the second factor, both realms (web/second.c) */
void web_totp_form(req *r);
void web_totp_enrol(req *r);
void web_totp(req *r);
void console_user_totp_reset(req *r);
void console_require_totp(req *r);
/* a staff member's address for notices (web/console_email.c) */
void console_email_form(req *r);
void console_email(req *r);
void email_confirm_form(req *r);
void email_confirm(req *r);
/* the operator console (web/ops_*.c) */
void ops_login_form(req *r);
void ops_login(req *r);
void ops_logout(req *r);
void ops_home(req *r);
void ops_tenant_create(req *r);
void ops_tenant_suspend(req *r);
void ops_tenant_resume(req *r);
void ops_tenant_quota(req *r);
void ops_tenant_purge(req *r);
void ops_operators(req *r);
void ops_operator_create(req *r);
void ops_operator_disable(req *r);
void ops_operator_enable(req *r);
void ops_operator_reset(req *r);
void ops_announcements(req *r);
void ops_announcement_create(req *r);
void ops_announcement_close(req *r);
void ops_audit(req *r);
void ops_certificates(req *r);
void ops_certificate(req *r);
void ops_certificate_file(req *r);
void console_audit(req *r);
void console_export_audit(req *r);
void console_user_create(req *r);
void console_user_role(req *r);
void console_user_disable(req *r);
void console_user_enable(req *r);
void console_user_reset(req *r);
void console_password_form(req *r);
void console_password(req *r);
void console_rally_new(req *r);
void console_rally_create(req *r);
void console_rally_edit(req *r);
void console_translations(req *r);
void console_translations_save(req *r);
void console_rally_update(req *r);
void console_rally_status(req *r);
void console_rally_duplicate(req *r);
void console_rally_delete(req *r);
void console_rally_preview_clear(req *r);
void console_rally_cover(req *r);
void console_spot_new(req *r);
void console_spot_create(req *r);
void console_spot_edit(req *r);
void console_spot_update(req *r);
void console_spot_regenerate(req *r);
void console_spot_disable(req *r);
void console_spot_enable(req *r);
void console_spot_delete(req *r);
void console_spot_methods(req *r);
void console_rally_desk_pin(req *r);
void console_spot_image(req *r);
void console_posters(req *r);
void console_poster(req *r);
void console_dashboard(req *r);
void console_export_participants(req *r);
void console_export_stamps(req *r);
void console_export_rewards(req *r);
void console_line_form(req *r);
void console_line_save(req *r);
void console_rally_join_policy(req *r);
void line_start(req *r);
void line_callback(req *r);
void line_logout(req *r);
void page_image(req *r);
void page_theme_css(req *r);
void sys_metrics(req *r);
void sys_status(req *r);
void sys_status_json(req *r);
struct server;
/* The Prometheus text of /metrics into out. */
void sys_metrics_text(struct server *srv, buf *out);
void sys_healthz(req *r);
void sys_readyz(req *r);
void sys_static(req *r);

#endif
