/*
 * operator.h — the people who run the service: accounts of their own realm
 * (no tenant; the login IDs are apart from staff login IDs), with their
 * own sessions, always behind a second factor (core/totp.h). Created by
 * `stamprally operator create` or by another operator on /ops, each with
 * a random password shown once; disabling one ends every session of it at
 * once. Each grant, disable and reset is a security event naming who.
 */
#ifndef SR_OPERATOR_H
#define SR_OPERATOR_H

#include <stdint.h>

#include "lib/arena.h"
#include "store/db.h"

struct op {
	int64_t id, disabled_at, created_at, totp_enabled_at;
	const char *public_id, *login, *created_by;
	int verified;        /* operator_session_find: the second factor was given */
	int64_t session_id;  /* operator_session_find: the session's id */
};

/* Create an operator with a password hashed before (argon2id, never under
 * the write lock). Its id, 0 when the login is taken, -1 on error. */
int64_t operator_insert(db *d, const char *login, const char *hash, const char *by, int64_t now);
/* Load by login / by public id. 1, 0, -1. */
int operator_by_login(db *d, arena *a, const char *login, struct op *out);
int operator_by_public_id(db *d, arena *a, const char *public_id, struct op *out);
/* The stored password hash (arena string) or NULL. */
const char *operator_password_hash(db *d, arena *a, int64_t id);
/* Every operator in login order (arena array). Count or -1. */
int operator_list(db *d, arena *a, struct op **out);
/* Disable (ending every session at once) or enable. 0 or -1. */
int operator_set_disabled(db *d, int64_t id, int disabled, int64_t now);
/* A new password (hashed before): replaces the old one, ends every session
 * and removes the second factor (enrolment starts again). 0 or -1. */
int operator_reset(db *d, int64_t id, const char *hash, int64_t now);

/* Sessions: absolute and idle lifetimes in ms. Create one (token into out,
 * ≥ 48 bytes; not yet verified). 0 or -1. */
int operator_session_create(db *d, int64_t id, int64_t now, int64_t absolute_ms, char *token, size_t n);
/* The live session's operator (enabled). 1/0/-1. */
int operator_session_find(db *d, arena *a, const char *token, int64_t now, int64_t idle_ms, struct op *out);
/* Whether token names a live session (a cheap check before hashing). */
int operator_session_exists(db *d, const char *token, int64_t now);
/* The second factor was given: the session may do everything; its idle
 * clock starts again. 0 or -1. */
int operator_session_verified(db *d, int64_t session_id, int64_t now);
/* Record activity (at most once a minute matters). 0 or -1. */
int operator_session_touch(db *d, int64_t session_id, int64_t now);
/* End a session (logout). */
int operator_session_end(db *d, const char *token);

#endif
