/*
 * operator.c — see operator.h.
 */
#include "core/operator.h"

#include <string.h>

#include "lib/token.h"

#define OP_COLS "o.id, o.disabled_at, o.created_at, coalesce(o.totp_enabled_at, 0), o.public_id, o.login, o.created_by"

static void read_op(db_stmt *st, arena *a, struct op *out)
{
	memset(out, 0, sizeof *out);
	out->id = db_int(st, 0);
	out->disabled_at = db_int(st, 1);
	out->created_at = db_int(st, 2);
	out->totp_enabled_at = db_int(st, 3);
	out->public_id = arena_strdup(a, db_text(st, 4));
	out->login = arena_strdup(a, db_text(st, 5));
	out->created_by = arena_strdup(a, db_text(st, 6));
}

/* The one row of st into out. 1/0/-1. */
static int one_op(db_stmt *st, arena *a, struct op *out)
{
	int rc = st ? db_row(st) : DB_ERROR;
	if (rc == DB_ROW)
		read_op(st, a, out);
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int64_t operator_insert(db *d, const char *login, const char *hash, const char *by, int64_t now)
{
	char pid[32];
	token_new(pid, sizeof pid, 9);
	int rc = db_exec(d, "INSERT INTO operators(public_id, login, password_hash, created_by, created_at, updated_at)"
			    " VALUES ($1, $2, $3, $4, $5, $5)", "tttti", pid, login, hash, by, now);
	if (rc == DB_CONSTRAINT)
		return 0;
	return rc == DB_DONE ? db_int1(d, -1, "SELECT id FROM operators WHERE login = $1", "t", login) : -1;
}

int operator_by_login(db *d, arena *a, const char *login, struct op *out)
{
	return one_op(db_query(d, "SELECT " OP_COLS " FROM operators o WHERE o.login = $1", "t", login), a, out);
}

int operator_by_public_id(db *d, arena *a, const char *public_id, struct op *out)
{
	return one_op(db_query(d, "SELECT " OP_COLS " FROM operators o WHERE o.public_id = $1", "t", public_id), a, out);
}

const char *operator_password_hash(db *d, arena *a, int64_t id)
{
	return db_text1a(d, a, "SELECT password_hash FROM operators WHERE id = $1", "i", id);
}

int operator_list(db *d, arena *a, struct op **out)
{
	int n = 0, cap = 0, rc;
	struct op *v = NULL;
	db_stmt *st = db_query(d, "SELECT " OP_COLS " FROM operators o ORDER BY o.login", NULL);
	while (st && (rc = db_row(st)) == DB_ROW) {
		if (n == cap) {
			struct op *nv = arena_alloc(a, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *nv);
			if (n)
				memcpy(nv, v, (size_t)n * sizeof *v);
			v = nv;
		}
		read_op(st, a, &v[n++]);
	}
	db_done(st);
	*out = v;
	return db_failed(d) ? -1 : n;
}

static int end_sessions(db *d, int64_t id)
{
	return db_exec(d, "DELETE FROM operator_sessions WHERE operator_id = $1", "i", id) == DB_DONE ? 0 : -1;
}

int operator_set_disabled(db *d, int64_t id, int disabled, int64_t now)
{
	if (!disabled)
		return db_exec(d, "UPDATE operators SET disabled_at = NULL, updated_at = $1 WHERE id = $2", "ii", now, id) == DB_DONE
			       ? 0
			       : -1;
	if (db_exec(d, "UPDATE operators SET disabled_at = $1, updated_at = $1 WHERE id = $2", "ii", now, id) != DB_DONE)
		return -1;
	return end_sessions(d, id);
}

int operator_reset(db *d, int64_t id, const char *hash, int64_t now)
{
	if (db_exec(d, "UPDATE operators SET password_hash = $1, totp_sealed = '', totp_pending_sealed = '', totp_enabled_at = NULL, totp_last_step = 0,"
		       " updated_at = $2 WHERE id = $3", "tii", hash, now, id) != DB_DONE ||
	    db_exec(d, "DELETE FROM totp_recovery WHERE realm = 'operator' AND owner_id = $1", "i", id) != DB_DONE)
		return -1;
	return end_sessions(d, id);
}

int operator_session_create(db *d, int64_t id, int64_t now, int64_t absolute_ms, char *token, size_t n)
{
	unsigned char h[32];
	token_new(token, n, 32);
	token_hash(token, h);
	return db_exec(d, "INSERT INTO operator_sessions(token_hash, operator_id, created_at, last_seen_at, expires_at)"
			  " VALUES ($1, $2, $3, $3, $4)", "biii", h, sizeof h, id, now, now + absolute_ms) == DB_DONE ? 0 : -1;
}

int operator_session_find(db *d, arena *a, const char *token, int64_t now, int64_t idle_ms, struct op *out)
{
	unsigned char h[32];
	if (!token_valid(token))
		return 0;
	token_hash(token, h);
	db_stmt *st = db_query(d, "SELECT " OP_COLS ", s.id, s.verified FROM operator_sessions s JOIN operators o"
				  " ON o.id = s.operator_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3"
				  " AND o.disabled_at IS NULL", "bii", h, sizeof h, now, now - idle_ms);
	int rc = st ? db_row(st) : DB_ERROR;
	if (rc == DB_ROW) {
		read_op(st, a, out);
		out->session_id = db_int(st, 7);
		out->verified = db_int(st, 8) != 0;
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

int operator_session_exists(db *d, const char *token, int64_t now)
{
	unsigned char h[32];
	if (!token_valid(token))
		return 0;
	token_hash(token, h);
	return db_int1(d, 0, "SELECT count(*) FROM operator_sessions WHERE token_hash = $1 AND expires_at > $2", "bi", h,
		       sizeof h, now) > 0;
}

int operator_session_verified(db *d, int64_t session_id, int64_t now)
{
	return db_exec(d, "UPDATE operator_sessions SET verified = 1, last_seen_at = $1 WHERE id = $2", "ii", now,
		       session_id) == DB_DONE ? 0 : -1;
}

int operator_session_touch(db *d, int64_t session_id, int64_t now)
{
	return db_exec(d, "UPDATE operator_sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1", "ii", now,
		       session_id) == DB_DONE ? 0 : -1;
}

int operator_session_end(db *d, const char *token)
{
	unsigned char h[32];
	if (!token_valid(token))
		return 0;
	token_hash(token, h);
	return db_exec(d, "DELETE FROM operator_sessions WHERE token_hash = $1", "b", h, sizeof h) == DB_DONE ? 0 : -1;
}
