/*
 * ops_people.c — the operators list on /ops/operators: create (a random
 * password shown once; the new operator enrols TOTP at first login),
 * disable (every session ends at once), enable, reset (a new password and
 * a new enrolment). Nobody disables or resets themself here. Each is a
 * security event with who did it.
 */
#include <string.h>

#include "core/account.h"
#include "core/operator.h"
#include "lib/timeutil.h"
#include "web/common.h"
#include "web/ops.h"
#include "web/page.h"
#include "web/web.h"

void ops_operators(req *r)
{
	struct op *list;
	int n = operator_list(r->db, &r->a, &list);
	if (n < 0)
		return;
	json_t *v = ops_view(r), *rows = json_array();
	for (int i = 0; i < n; i++) {
		char created[40];
		time_format_jst(list[i].created_at, "%Y-%m-%d %H:%M", created, sizeof created);
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "id", list[i].public_id, "login",
						      list[i].login, "created_by", list[i].created_by, "created_at", created,
						      "disabled", list[i].disabled_at != 0, "totp", list[i].totp_enabled_at != 0,
						      "self", list[i].id == r->op->id));
	}
	json_object_set_new(v, "operators", rows);
	page_render(r, 200, "ops_operators", v);
}

/* What creating or resetting an operator writes, on the writer. */
struct op_job {
	const char *login, *hash, *by;
	int64_t id; /* reset: the operator; create: out (0 when taken) */
};

static int create_write(db *d, void *arg)
{
	struct op_job *j = arg;
	int64_t now = time_now_ms();
	j->id = operator_insert(d, j->login, j->hash, j->by, now);
	if (j->id <= 0)
		return j->id == 0 ? 0 : DB_ERROR;
	return security_event_json(d, 0, 0, "operator_created", json_pack("{s:s, s:s}", "operator", j->login, "by", j->by), now) == 0
		       ? 0
		       : DB_ERROR;
}

static int reset_write(db *d, void *arg)
{
	struct op_job *j = arg;
	int64_t now = time_now_ms();
	if (operator_reset(d, j->id, j->hash, now) != 0)
		return DB_ERROR;
	return security_event_json(d, 0, 0, "operator_reset", json_pack("{s:s, s:s}", "operator", j->login, "by", j->by), now) == 0
		       ? 0
		       : DB_ERROR;
}

static void show_once(req *r, const char *login, int created)
{
	json_t *v = ops_view(r);
	json_object_set_new(v, "once", json_pack("{s:s, s:s, s:b}", "login", login, "password", r->proof.new_password, "is_operator", 1));
	page_render(r, created ? 201 : 200, "ops_once", v);
}

/* R_READ, after PROVE_NEW_PASSWORD. */
void ops_operator_create(req *r)
{
	const char *login = req_form(r, "login");
	if (!login || !login_valid(login)) {
		web_error(r, 422, "invalid_login", "user.login_invalid", NULL);
		return;
	}
	if (!r->proof.password_hash) {
		web_busy(r);
		return;
	}
	struct op_job j = {login, r->proof.password_hash, ops_actor(r), 0};
	if (web_write(r, create_write, &j) == DB_ERROR)
		return;
	if (j.id == 0) {
		web_error(r, 409, "taken", "user.login_taken", NULL);
		return;
	}
	show_once(r, login, 1);
}

/* The operator the URL names, not the one acting. 1, or 0 (answered). */
static int other_operator(req *r, struct op *o)
{
	int rc = operator_by_public_id(r->db, &r->a, r->params[0], o);
	if (rc == 0)
		web_error(r, 404, "not_found", "error.not_found", NULL);
	else if (rc > 0 && o->id == r->op->id)
		web_error(r, 422, "self", "ops.not_self", NULL);
	return rc > 0 && o->id != r->op->id;
}

static void set_disabled(req *r, int disabled)
{
	struct op o;
	int64_t now = time_now_ms();
	if (!other_operator(r, &o))
		return;
	if (operator_set_disabled(r->db, o.id, disabled, now) != 0 ||
	    security_event_json(r->db, 0, 0, disabled ? "operator_disabled" : "operator_enabled",
				json_pack("{s:s, s:s}", "operator", o.login, "by", ops_actor(r)), now) != 0) {
		r->failed = 1;
		return;
	}
	req_redirect(r, "/ops/operators");
}

void ops_operator_disable(req *r)
{
	set_disabled(r, 1);
}

void ops_operator_enable(req *r)
{
	set_disabled(r, 0);
}

/* R_READ, after PROVE_NEW_PASSWORD. */
void ops_operator_reset(req *r)
{
	struct op o;
	if (!other_operator(r, &o))
		return;
	if (!r->proof.password_hash) {
		web_busy(r);
		return;
	}
	struct op_job j = {o.login, r->proof.password_hash, ops_actor(r), o.id};
	if (web_write(r, reset_write, &j) == DB_ERROR)
		return;
	show_once(r, o.login, 0);
}
