/*
 * session.h — browser sessions stored in the database, so any app node can
 * serve any request.  The cookie carries a random 256-bit token; the
 * database keeps only its SHA-256.
 */
#ifndef SR_SESSION_H
#define SR_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "store/db.h"

/* Create a session valid for lifetime_ms from now. Writes the cookie token
 * into token (at least 48 bytes). Returns the session id, or -1. */
int64_t session_create(db *d, int64_t now, int64_t lifetime_ms, char *token, size_t tokensz);
/* The id of the live session with this token, 0 when none, -1 on error. */
int64_t session_find(db *d, const char *token, int64_t now);

/* Give the session a new token (after a login, against session fixation):
 * the old cookie stops working, everything attached to the session stays.
 * The new token goes into token (at least 48 bytes). 0 or -1. */
int session_rotate(db *d, int64_t session_id, char *token, size_t tokensz);
/* Keep the LINE access token of a session (sealed; NULL clears it). 0 or -1. */
int session_set_line_token(db *d, arena *a, int64_t session_id, const char *access_token);
/* The session's LINE access token (unsealed, arena string) or NULL. */
const char *session_line_token(db *d, arena *a, int64_t session_id);
/* End a session (logout). 0 or -1. */
int session_end(db *d, int64_t session_id);

#endif
