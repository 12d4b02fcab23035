/*
 * session.c — see session.h.
 */
#include "core/session.h"

#include <stdlib.h>

#include "lib/seal.h"
#include "lib/token.h"

int64_t session_create(db *d, int64_t now, int64_t lifetime_ms, char *token, size_t tokensz)
{
	unsigned char h[32];
	token_new(token, tokensz, TOKEN_SESSION_BYTES);
	token_hash(token, h);
	if (db_begin(d) != 0)
		return -1;
	db_stmt *st = db_query(d, "INSERT INTO sessions(token_hash, created_at, expires_at) VALUES ($1, $2, $3) RETURNING id",
			       "bii", h, sizeof h, now, now + lifetime_ms);
	int64_t id = db_row(st) == DB_ROW ? db_int(st, 0) : -1;
	db_done(st);
	if (id < 0) {
		db_rollback(d);
		return -1;
	}
	return db_commit(d) == 0 ? id : -1;
}

int64_t session_find(db *d, const char *token, int64_t now)
{
	unsigned char h[32];
	if (!token_valid(token))
		return 0;
	token_hash(token, h);
	return db_int1(d, 0, "SELECT id FROM sessions WHERE token_hash = $1 AND expires_at > $2", "bi", h, sizeof h, now);
}

int session_rotate(db *d, int64_t session_id, char *token, size_t tokensz)
{
	unsigned char h[32];
	token_new(token, tokensz, TOKEN_SESSION_BYTES);
	token_hash(token, h);
	return db_exec(d, "UPDATE sessions SET token_hash = $1 WHERE id = $2", "bi", h, sizeof h, session_id) == DB_DONE &&
			       db_changes(d) == 1
		       ? 0
		       : -1;
}

int session_set_line_token(db *d, arena *a, int64_t session_id, const char *access_token)
{
	const char *sealed = access_token ? seal(a, access_token) : NULL;
	if (access_token && !sealed)
		return -1;
	return db_exec(d, "UPDATE sessions SET line_access_token = $1 WHERE id = $2", "ti", sealed, session_id) == DB_DONE
		       ? 0
		       : -1;
}

const char *session_line_token(db *d, arena *a, int64_t session_id)
{
	char *sealed = db_text1(d, "SELECT line_access_token FROM sessions WHERE id = $1", "i", session_id);
	const char *token = sealed ? unseal(a, sealed) : NULL;
	free(sealed);
	return token;
}

int session_end(db *d, int64_t session_id)
{
	return db_exec(d, "DELETE FROM sessions WHERE id = $1", "i", session_id) == DB_DONE ? 0 : -1;
}
