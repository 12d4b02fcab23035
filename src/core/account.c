/*
 * account.c — see account.h.
 *
 * Passwords themselves (rules, hashing, the argon2id slots): core/password.c.
 * Throttling (NIST SP 800-63B §5.2.2, core/throttle.c): a login ID — whether
 * an account has it or not — is locked for a backoff that doubles from 30 s
 * after its 5th failure, up to 15 min; an address for 15 min after 20
 * failures within 15 min.
 */
#include "core/account.h"
#include "core/audit.h"
#include "lib/jsonmem.h"
#include "lib/timeutil.h"
#include "store/writer.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include "core/throttle.h"
#include "lib/token.h"
#include "lib/utf8.h"


static const struct {
	const char *role;
	int rank;
	unsigned perms;
} roles[] = {
	{"owner", 5, PERM_VIEW | PERM_EDIT | PERM_PUBLISH | PERM_EXPORT | PERM_USERS | PERM_DESK | PERM_ENTRIES | PERM_AUDIT},
	{"admin", 4, PERM_VIEW | PERM_EDIT | PERM_PUBLISH | PERM_EXPORT | PERM_USERS | PERM_DESK | PERM_ENTRIES | PERM_AUDIT},
	{"editor", 3, PERM_VIEW | PERM_EDIT | PERM_PUBLISH | PERM_EXPORT | PERM_DESK},
	{"desk", 2, PERM_DESK},
	{"viewer", 1, PERM_VIEW},
};

unsigned perm_for_role(const char *role)
{
	for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(roles[i].role, role) == 0)
			return roles[i].perms;
	return 0;
}

int role_valid(const char *role)
{
	return perm_for_role(role) != 0;
}

int role_rank(const char *role)
{
	for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(roles[i].role, role) == 0)
			return roles[i].rank;
	return 0;
}

static char dummy_hash[crypto_pwhash_STRBYTES];

int account_init(void)
{
	char pw[24];
	password_random(pw, sizeof pw);
	return password_hash(pw, dummy_hash, sizeof dummy_hash);
}

const char *account_dummy_hash(void)
{
	return dummy_hash;
}

const char *account_password_hash(db *d, arena *a, int64_t account_id)
{
	return db_text1a(d, a, "SELECT password_hash FROM accounts WHERE id = $1", "i", account_id);
}

int login_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > LOGIN_MAX_CHARS)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || strchr("._@-", s[i])))
			return 0;
	return 1;
}

/* ---- accounts ---- */

#define ACCOUNT_COLS "a.id, a.tenant_id, a.disabled_at, a.locked_until, a.failed_logins, a.created_at, " \
		     "a.public_id, a.login, a.role, t.slug, t.name, t.suspended_at IS NOT NULL, " \
		     "coalesce(a.totp_enabled_at, 0), t.require_totp"

static void read_account(db_stmt *st, arena *a, struct account *out)
{
	out->id = db_int(st, 0);
	out->tenant_id = db_int(st, 1);
	out->disabled_at = db_int(st, 2);
	out->locked_until = db_int(st, 3);
	out->failed_logins = db_int(st, 4);
	out->created_at = db_int(st, 5);
	out->public_id = arena_strdup(a, db_text(st, 6));
	out->login = arena_strdup(a, db_text(st, 7));
	out->role = arena_strdup(a, db_text(st, 8));
	out->tenant_slug = arena_strdup(a, db_text(st, 9));
	out->tenant_name = arena_strdup(a, db_text(st, 10));
	out->tenant_suspended = db_int(st, 11) != 0;
	out->totp_enabled_at = db_int(st, 12);
	out->tenant_requires_totp = db_int(st, 13) != 0;
	out->verified = 1;
	out->perms = out->disabled_at ? 0 : perm_for_role(out->role);
}

/* Run st and read one account. 1/0/-1. */
static int one_account(db_stmt *st, arena *a, struct account *out)
{
	int rc = db_row(st);
	if (rc == DB_ROW)
		read_account(st, a, out);
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int64_t account_create(db *d, int64_t tenant_id, const char *login, const char *role, const char *password, int64_t now)
{
	char hash[crypto_pwhash_STRBYTES];
	if (password_hash(password, hash, sizeof hash) != 0)
		return -1;
	int64_t id = account_insert(d, tenant_id, login, role, hash, now);
	sodium_memzero(hash, sizeof hash);
	return id;
}

int64_t account_insert(db *d, int64_t tenant_id, const char *login, const char *role, const char *hash, int64_t now)
{
	char pid[48];
	token_new(pid, sizeof pid, TOKEN_PUBLIC_BYTES);
	if (db_begin(d) != 0)
		return -1;
	db_stmt *st = db_query(d, "INSERT INTO accounts(public_id, tenant_id, login, password_hash, role, created_at, updated_at)"
				  " VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (login) DO NOTHING RETURNING id",
			       "tittti", pid, tenant_id, login, hash, role, now);
	int rc = db_row(st);
	int64_t id = rc == DB_ROW ? db_int(st, 0) : rc == DB_DONE ? 0 : -1;
	db_done(st);
	if (id <= 0) {
		db_rollback(d);
		return id;
	}
	return db_commit(d) == 0 ? id : -1;
}

int account_by_login(db *d, arena *a, const char *login, struct account *out)
{
	return one_account(db_query(d, "SELECT " ACCOUNT_COLS " FROM accounts a JOIN tenants t ON t.id = a.tenant_id"
				       " WHERE a.login = $1", "t", login), a, out);
}

int account_by_public_id(db *d, arena *a, int64_t tenant_id, const char *public_id, struct account *out)
{
	return one_account(db_query(d, "SELECT " ACCOUNT_COLS " FROM accounts a JOIN tenants t ON t.id = a.tenant_id"
				       " WHERE a.public_id = $1 AND a.tenant_id = $2", "ti", public_id, tenant_id), a, out);
}

int account_list(db *d, arena *a, int64_t tenant_id, struct account **out)
{
	int cap = 16, n = 0, rc;
	struct account *v = arena_alloc(a, (size_t)cap * sizeof *v);
	db_stmt *st = db_query(d, "SELECT " ACCOUNT_COLS " FROM accounts a JOIN tenants t ON t.id = a.tenant_id"
				  " WHERE a.tenant_id = $1 ORDER BY a.login", "i", tenant_id);
	while ((rc = db_row(st)) == DB_ROW) {
		if (n == cap) {
			struct account *nv = arena_alloc(a, (size_t)cap * 2 * sizeof *nv);
			memcpy(nv, v, (size_t)cap * sizeof *v);
			v = nv;
			cap *= 2;
		}
		read_account(st, a, &v[n++]);
	}
	db_done(st);
	*out = v;
	return rc == DB_DONE ? n : -1;
}

/* 0 when a statement ran to completion, else -1. */
static int done(int rc)
{
	return rc == DB_DONE ? 0 : -1;
}

int account_set_role(db *d, int64_t id, const char *role, int64_t now)
{
	return done(db_exec(d, "UPDATE accounts SET role = $1, updated_at = $2 WHERE id = $3", "tii", role, now, id));
}

int account_set_disabled(db *d, int64_t id, int disabled, int64_t now)
{
	if (db_begin(d) != 0)
		return -1;
	int rc = disabled ? db_exec(d, "UPDATE accounts SET disabled_at = $1, updated_at = $1 WHERE id = $2", "ii", now, id)
			  : db_exec(d, "UPDATE accounts SET disabled_at = NULL, failed_logins = 0, locked_until = 0,"
				       " updated_at = $1 WHERE id = $2", "ii", now, id);
	if (rc == DB_DONE && disabled)
		rc = db_exec(d, "DELETE FROM staff_sessions WHERE account_id = $1", "i", id);
	if (rc != DB_DONE) {
		db_rollback(d);
		return -1;
	}
	return db_commit(d);
}

int account_store_hash(db *d, int64_t id, const char *hash, int64_t now)
{
	if (db_begin(d) != 0)
		return -1;
	int rc = db_exec(d, "UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = 0, updated_at = $2"
			    " WHERE id = $3", "tii", hash, now, id);
	if (rc == DB_DONE)
		rc = db_exec(d, "DELETE FROM staff_sessions WHERE account_id = $1", "i", id);
	char *login = rc == DB_DONE ? db_text1(d, "SELECT login FROM accounts WHERE id = $1", "i", id) : NULL;
	if (login && throttle_clear(d, &THROTTLE_LOGIN_ID, login) != 0) /* a new password unlocks the ID */
		rc = DB_ERROR;
	free(login);
	if (rc != DB_DONE) {
		db_rollback(d);
		return -1;
	}
	return db_commit(d);
}

/* ---- staff sessions ---- */

int staff_session_create(db *d, int64_t account_id, int64_t now, const struct staff_limits *l, int verified, char *token,
			 size_t n)
{
	unsigned char h[32];
	token_new(token, n, TOKEN_SESSION_BYTES);
	token_hash(token, h);
	return done(db_exec(d, "INSERT INTO staff_sessions(token_hash, account_id, created_at, last_seen_at, expires_at, verified)"
				    " VALUES ($1, $2, $3, $3, $4, $5)", "biiii", h, sizeof h, account_id, now, now + l->absolute_ms,
			    (int64_t)(verified != 0)));
}

int account_end_sessions(db *d, int64_t account_id)
{
	return done(db_exec(d, "DELETE FROM staff_sessions WHERE account_id = $1", "i", account_id));
}

int staff_session_verified(db *d, int64_t session_id)
{
	return done(db_exec(d, "UPDATE staff_sessions SET verified = 1 WHERE id = $1", "i", session_id));
}

int staff_session_find(db *d, arena *a, const char *token, int64_t now, const struct staff_limits *l,
		       struct account *out, int64_t *touch)
{
	*touch = 0;
	unsigned char h[32];
	if (!token_valid(token))
		return 0;
	token_hash(token, h);
	db_stmt *st = db_query(d, "SELECT " ACCOUNT_COLS ", s.id, s.last_seen_at, s.verified FROM staff_sessions s"
				  " JOIN accounts a ON a.id = s.account_id JOIN tenants t ON t.id = a.tenant_id"
				  " WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND a.disabled_at IS NULL",
			       "bii", h, sizeof h, now, now - l->idle_ms);
	int rc = db_row(st);
	int64_t sid = 0, seen = 0;
	if (rc == DB_ROW) {
		read_account(st, a, out);
		sid = db_int(st, 14);
		seen = db_int(st, 15);
		out->verified = db_int(st, 16) != 0;
		out->session_id = sid;
	}
	db_done(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? 0 : -1;
	if (now - seen > 60000)
		*touch = sid;
	return 1;
}

int staff_session_touch(db *d, int64_t session_id, int64_t now)
{
	return db_exec(d, "UPDATE staff_sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1", "ii", now,
		       session_id) == DB_DONE ? 0 : -1;
}

int staff_session_exists(db *d, const char *token, int64_t now)
{
	unsigned char h[32];
	if (!token_valid(token))
		return 0;
	token_hash(token, h);
	return db_int1(d, 0, "SELECT count(*) FROM staff_sessions WHERE token_hash = $1 AND expires_at > $2", "bi", h,
		       sizeof h, now) > 0;
}

int staff_session_end(db *d, const char *token)
{
	unsigned char h[32];
	if (!token_valid(token))
		return 0;
	token_hash(token, h);
	return done(db_exec(d, "DELETE FROM staff_sessions WHERE token_hash = $1", "b", h, sizeof h));
}

/* ---- throttling ---- */

int login_allowed(db *d, const char *ip, const char *login, int64_t now, int64_t *wait_s)
{
	int64_t w = 0;
	int ok = throttle_allowed(d, &THROTTLE_LOGIN_IP, ip, now, wait_s);
	if (!throttle_allowed(d, &THROTTLE_LOGIN_ID, login, now, &w)) {
		*wait_s = w > *wait_s ? w : *wait_s;
		ok = 0;
	}
	return ok;
}

int login_failed(db *d, const char *ip, const char *login, int64_t now)
{
	return throttle_failed(d, &THROTTLE_LOGIN_IP, ip, now) == 0 && throttle_failed(d, &THROTTLE_LOGIN_ID, login, now) == 0
		       ? 0
		       : -1;
}

int login_succeeded(db *d, const char *ip, const char *login, int64_t now)
{
	(void)now, (void)ip; /* the address's failures stay counted: a login to one's
	                      * own account must not reset a spraying address */
	return throttle_clear(d, &THROTTLE_LOGIN_ID, login);
}

int security_event(db *d, int64_t tenant_id, int64_t account_id, const char *kind, const char *ip, const char *detail,
		   int64_t now)
{
	return audit_append(d, tenant_id, account_id, kind, ip, detail, now);
}

struct service_event {
	const char *kind;
	json_t *detail;
};

static int write_service_event(db *d, void *arg)
{
	struct service_event *e = arg;
	json_t *detail = e->detail;
	e->detail = NULL; /* taken by the first try */
	return security_event_json(d, 0, 0, e->kind, detail, time_now_ms()) == 0 ? 0 : DB_ERROR;
}

void security_event_write(db *d, const char *kind, json_t *detail)
{
	struct service_event e = {kind, detail};
	if (!detail || db_write(d, write_service_event, &e) != 0)
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"cannot record %s in the security event log\"}\n", kind);
	json_decref(e.detail);
}

int security_event_json(db *d, int64_t tenant_id, int64_t account_id, const char *kind, json_t *detail, int64_t now)
{
	char *text = detail ? json_heap_text(detail, JSON_COMPACT) : NULL;
	json_decref(detail);
	int rc = text ? audit_append(d, tenant_id, account_id, kind, "", text, now) : -1;
	free(text);
	return rc;
}
