/*
 * console_home.c — the console's start page (the tenant's rallies) and the
 * helpers every console page shares.
 */
#include <string.h>

#include "core/account.h"
#include "lib/timeutil.h"
#include "web/common.h"
#include "web/console.h"
#include "web/page.h"
#include "web/view.h"
#include "web/web.h"

json_t *console_view(req *r)
{
	const struct account *a = r->staff;
	unsigned p = a->perms;
	json_t *v = json_pack("{s:{s:s, s:s, s:s}, s:{s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}}", "staff", "login", a->login, "role",
			 a->role, "tenant", a->tenant_name, "can", "view", (p & PERM_VIEW) != 0, "edit",
			 (p & PERM_EDIT) != 0, "publish", (p & PERM_PUBLISH) != 0, "export", (p & PERM_EXPORT) != 0,
			 "users", (p & PERM_USERS) != 0, "desk", (p & PERM_DESK) != 0, "entries", (p & PERM_ENTRIES) != 0,
			 "audit", (p & PERM_AUDIT) != 0);
	if (a->tenant_suspended)
		json_object_set_new(v, "suspended", json_true());
	return v;
}

int console_rally(req *r, const char *slug, struct rally *ra)
{
	int rc = rally_slug_valid(slug) ? rally_by_slug(r->db, &r->a, slug, ra) : 0;
	if (rc < 0) {
		r->failed = 1;
		return 0;
	}
	if (rc == 0 || ra->tenant_id != r->staff->tenant_id) {
		web_error(r, 404, "rally_not_found", "error.rally_not_found", NULL);
		return 0;
	}
	return 1;
}

void console_field_error(req *r, json_t *view, const char *field, const char *key)
{
	json_t *errors = json_object_get(view, "errors");
	if (!errors) {
		errors = json_object();
		json_object_set_new(view, "errors", errors);
	}
	json_object_set_new(errors, field, json_string(web_text(r, key)));
}

void console_errors(req *r, json_t *view, json_t *errors)
{
	json_t *e = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(errors, k, v)
		json_object_set_new(e, k, json_string(web_text(r, json_string_value(v))));
	json_object_set_new(view, "errors", e);
	json_decref(errors);
}

/* One security event; as a web_write so it works from every unit of work. */
struct event_job {
	int64_t tenant_id, account_id;
	const char *kind, *ip, *detail;
};

static int write_event(db *d, void *arg)
{
	struct event_job *e = arg;
	return security_event(d, e->tenant_id, e->account_id, e->kind, e->ip, e->detail, time_now_ms()) == 0 ? 0 : DB_ERROR;
}

void console_event(req *r, const char *kind, const char *detail)
{
	struct event_job e = {r->staff->tenant_id, r->staff->id, kind, req_client_ip(r), detail};
	web_write(r, write_event, &e);
}

void console_home(req *r)
{
	struct rally *list;
	int n = rally_list_tenant(r->db, &r->a, r->staff->tenant_id, &list);
	if (n < 0) {
		r->failed = 1;
		return;
	}
	json_t *view = console_view(r);
	json_object_set_new(view, "rallies", view_rally_list(r, list, n));
	if (req_query(r, "deleted"))
		json_object_set_new(view, "deleted", json_true());
	page_render(r, 200, "console_home", view);
}
