/*
 * console_users.c — the tenant's admins manage their own staff accounts:
 * create (a random initial password shown once), change role, disable
 * (every session ends at once), enable, reset the password. Nobody acts on
 * an account that outranks them, or on their own account's role or state.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/secret.h"
#include "core/totp.h"
#include "lib/timeutil.h"
#include "web/common.h"
#include "web/console.h"
#include "web/page.h"
#include "web/view.h"
#include "web/web.h"

static const char *ROLES[] = {"owner", "admin", "editor", "desk", "viewer"};

/* The users page view: accounts, the roles the actor may grant. */
static json_t *users_view(req *r)
{
	struct account *list;
	int n = account_list(r->db, &r->a, r->staff->tenant_id, &list);
	json_t *view = console_view(r), *users = json_array(), *grantable = json_array();
	int my_rank = role_rank(r->staff->role);
	for (int i = 0; i < n; i++) {
		const struct account *a = &list[i];
		int self = a->id == r->staff->id, manageable = !self && role_rank(a->role) <= my_rank;
		json_t *roles = json_array();
		for (size_t k = 0; k < sizeof ROLES / sizeof ROLES[0]; k++)
			if (role_rank(ROLES[k]) <= my_rank)
				json_array_append_new(roles, json_pack("{s:s, s:s, s:b}", "role", ROLES[k], "label",
								       web_text(r, arena_printf(&r->a, "role.%s", ROLES[k])),
								       "selected", strcmp(ROLES[k], a->role) == 0));
		json_array_append_new(users, json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:o, s:b}", "id", a->public_id, "login",
						       a->login, "role_label",
						       web_text(r, arena_printf(&r->a, "role.%s", a->role)), "disabled",
						       a->disabled_at != 0, "self", self, "manageable", manageable, "roles", roles,
						       "totp", a->totp_enabled_at != 0));
	}
	for (size_t k = 0; k < sizeof ROLES / sizeof ROLES[0]; k++)
		if (role_rank(ROLES[k]) <= my_rank)
			json_array_append_new(grantable, json_pack("{s:s, s:s, s:b}", "role", ROLES[k], "label",
								   web_text(r, arena_printf(&r->a, "role.%s", ROLES[k])),
								   "selected", strcmp(ROLES[k], "editor") == 0));
	json_object_set_new(view, "users", users);
	json_object_set_new(view, "grantable", grantable);
	json_object_set_new(view, "is_owner", json_boolean(strcmp(r->staff->role, "owner") == 0));
	json_object_set_new(view, "require_totp", json_boolean(r->staff->tenant_requires_totp));
	return view;
}

void console_users(req *r)
{
	page_render(r, 200, "users", users_view(r));
}

/* Show a one-time password page for login. */
static void show_password(req *r, const char *login, const char *password, const char *title_key)
{
	json_t *view = console_view(r);
	json_object_set_new(view, "login", json_string(login));
	json_object_set_new(view, "password", json_string(password));
	json_object_set_new(view, "title_key", json_string(title_key));
	json_object_set_new(view, arena_printf(&r->a, "is_%s", title_key), json_true());
	page_render(r, 200, "password_once", view);
}

static const char *event_detail(req *r, const char *login, const char *role)
{
	return web_json_text(r, role ? json_pack("{s:s, s:s}", "login", login, "role", role)
				     : json_pack("{s:s}", "login", login));
}

/* An account change whose new password was hashed before: the change and
 * its security event, in one piece on the writer. */
struct account_job {
	int64_t tenant_id, actor_id, account_id; /* account_id 0: create; -1: a wrong current password */
	const char *login, *role, *hash, *ip, *kind, *detail;
	int64_t created;                          /* out: the new account's id, 0 when the login is taken */
};

static int write_account(db *d, void *arg)
{
	struct account_job *j = arg;
	int64_t now = time_now_ms();
	if (j->account_id < 0) {
		if (login_failed(d, j->ip, j->login, now) != 0)
			return DB_ERROR;
	} else if (j->account_id == 0) {
		j->created = account_insert(d, j->tenant_id, j->login, j->role, j->hash, now);
		if (j->created <= 0)
			return j->created < 0 ? DB_ERROR : 0;
	} else if (account_store_hash(d, j->account_id, j->hash, now) != 0) {
		return DB_ERROR;
	}
	return security_event(d, j->tenant_id, j->actor_id, j->kind, j->ip, j->detail, now) == 0 ? 0 : DB_ERROR;
}

/* The new password and its hash made before the unit of work
 * (web/prove.c: gather_new_password); 0 after answering when missing. */
static int new_password(req *r)
{
	if (r->proof.new_password && r->proof.password_hash)
		return 1;
	web_error(r, 500, "internal", "error.internal", NULL);
	return 0;
}

/* R_READ, after the argon2id step (web/prove.c): checks, then the insert and its
 * event through the writer. */
void console_user_create(req *r)
{
	const char *login = req_form(r, "login"), *role = req_form(r, "role");
	json_t *view = NULL;
	if (!login || !login_valid(login)) {
		view = users_view(r);
		console_field_error(r, view, "login", "user.login_invalid");
	} else if (!role || !role_valid(role) || role_rank(role) > role_rank(r->staff->role)) {
		view = users_view(r);
		console_field_error(r, view, "role", "user.role_invalid");
	}
	if (view) {
		json_object_set_new(view, "form_login", json_string(login ? login : ""));
		page_render(r, 422, "users", view);
		return;
	}
	if (!new_password(r))
		return;
	const char *pw = r->proof.new_password;
	struct account_job j = {r->staff->tenant_id, r->staff->id, 0, login, role, r->proof.password_hash, req_client_ip(r),
				"account_created", event_detail(r, login, role), 0};
	if (web_write(r, write_account, &j) < 0)
		return;
	if (j.created == 0) {
		view = users_view(r);
		console_field_error(r, view, "login", "user.login_taken");
		json_object_set_new(view, "form_login", json_string(login));
		page_render(r, 409, "users", view);
		return;
	}
	show_password(r, login, pw, "created");
}

/* The target account of /console/users/{id}/...; answers 404 (other
 * tenants included) or 403 (outranks the actor, or is the actor). */
static int target(req *r, struct account *a)
{
	int rc = account_by_public_id(r->db, &r->a, r->staff->tenant_id, r->params[0], a);
	if (rc != 1) {
		if (rc == 0)
			web_error(r, 404, "not_found", "error.not_found", NULL);
		return 0; /* rc < 0: the database failed, the dispatcher answers 503 */
	}
	if (a->id == r->staff->id || role_rank(a->role) > role_rank(r->staff->role)) {
		web_error(r, 403, "forbidden", "error.forbidden", NULL);
		return 0;
	}
	return 1;
}

void console_user_role(req *r)
{
	struct account a;
	const char *role = req_form(r, "role");
	if (!target(r, &a))
		return;
	if (!role || !role_valid(role) || role_rank(role) > role_rank(r->staff->role)) {
		json_t *view = users_view(r);
		console_field_error(r, view, arena_printf(&r->a, "role_%s", a.public_id), "user.role_invalid");
		page_render(r, 422, "users", view);
		return;
	}
	if (account_set_role(r->db, a.id, role, time_now_ms()) != 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "account_role_changed", event_detail(r, a.login, role));
	req_redirect(r, "/console/users");
}

static void set_disabled(req *r, int disabled)
{
	struct account a;
	if (!target(r, &a))
		return;
	if (account_set_disabled(r->db, a.id, disabled, time_now_ms()) != 0) {
		r->failed = 1;
		return;
	}
	console_event(r, disabled ? "account_disabled" : "account_enabled", event_detail(r, a.login, NULL));
	req_redirect(r, "/console/users");
}

void console_user_disable(req *r)
{
	set_disabled(r, 1);
}

void console_user_enable(req *r)
{
	set_disabled(r, 0);
}

/* Remove an account's second factor (lost phone): it enrols again at its
 * next login, and its sessions end now. */
void console_user_totp_reset(req *r)
{
	struct account a;
	if (!target(r, &a))
		return;
	if (totp_clear(r->db, TOTP_STAFF, a.id) != 0 || account_end_sessions(r->db, a.id) != 0) {
		r->failed = 1;
		return;
	}
	console_event(r, "account_totp_reset", event_detail(r, a.login, NULL));
	req_redirect(r, "/console/users");
}

/* The owner requires a second factor of every account of the tenant (or
 * no longer does). Accounts without one enrol at their next page. */
void console_require_totp(req *r)
{
	if (strcmp(r->staff->role, "owner") != 0) {
		web_error(r, 403, "forbidden", "error.forbidden", NULL);
		return;
	}
	int on = req_form(r, "require") != NULL;
	if (db_exec(r->db, "UPDATE tenants SET require_totp = $1 WHERE id = $2", "ii", (int64_t)on, r->staff->tenant_id) != DB_DONE) {
		r->failed = 1;
		return;
	}
	console_event(r, on ? "tenant_totp_required" : "tenant_totp_optional", NULL);
	req_redirect(r, "/console/users");
}

/* R_READ, like creation: argon2id first, then the change on the writer. */
void console_user_reset(req *r)
{
	struct account a;
	if (!target(r, &a) || !new_password(r))
		return;
	const char *pw = r->proof.new_password;
	struct account_job j = {r->staff->tenant_id, r->staff->id, a.id, a.login, NULL, r->proof.password_hash, req_client_ip(r),
				"account_password_reset", event_detail(r, a.login, NULL), 0};
	if (web_write(r, write_account, &j) < 0)
		return;
	show_password(r, a.login, pw, "reset");
}

void console_password_form(req *r)
{
	page_render(r, 200, "password", console_view(r));
}

/* Change one's own password: the current one, then the new one twice. */
void console_password(req *r)
{
	const char *cur = req_form(r, "current"), *pw = req_form(r, "password"), *again = req_form(r, "password_again");
	json_t *view = console_view(r);
	const char *problem = NULL, *ip = req_client_ip(r);
	int64_t wait;
	/* The current password is guessed like a login: the same throttles. */
	if (!login_allowed(r->db, ip, r->staff->login, time_now_ms(), &wait)) {
		req_add_header(r, "Retry-After", arena_printf(&r->a, "%lld", (long long)wait));
		console_field_error(r, view, "current", "password.throttled");
		page_render(r, 429, "password", view);
		return;
	}
	/* checked before (web/prove.c), against the hash the account still has */
	if (!cur || !secret_same(r->proof.password_match, account_password_hash(r->db, &r->a, r->staff->id))) {
		struct account_job j = {r->staff->tenant_id, r->staff->id, -1, r->staff->login, NULL, NULL, ip,
					"password_change_failed", NULL, 0};
		if (web_write(r, write_account, &j) < 0)
			return;
		console_field_error(r, view, "current", "password.current_wrong");
		page_render(r, 422, "password", view);
		return;
	}
	const char *context[] = {"stamprally", r->staff->login, r->staff->tenant_slug, r->staff->tenant_name};
	if (!pw || (problem = password_policy(pw, context, 4)) != NULL) {
		console_field_error(r, view, "password", problem ? problem : "password.too_short");
	} else if (!again || strcmp(pw, again) != 0) {
		console_field_error(r, view, "password_again", "password.mismatch");
	}
	if (json_object_get(view, "errors")) {
		page_render(r, 422, "password", view);
		return;
	}
	json_decref(view);
	if (!r->proof.password_hash) {
		web_error(r, 500, "internal", "error.internal", NULL);
		return;
	}
	struct account_job j = {r->staff->tenant_id, r->staff->id, r->staff->id, r->staff->login, NULL, r->proof.password_hash,
				req_client_ip(r), "password_changed", NULL, 0};
	if (web_write(r, write_account, &j) < 0)
		return;
	/* Every session ended with the change, this one too: log in again. */
	req_set_cookie(r, "ssid", "", 0);
	req_redirect(r, "/console/login?changed=1");
}
