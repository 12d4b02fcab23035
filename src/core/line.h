/*
 * line.h — the domain side of LINE Login: a tenant's channel settings,
 * logins in progress (state, nonce, PKCE), and linking a LINE user to a
 * rally's participant, merging an anonymous card into it.
 */
#ifndef SR_LINE_H
#define SR_LINE_H

#include <stdint.h>

#include "core/rally.h"
#include "core/stamp.h"
#include "lib/arena.h"
#include "store/db.h"

#define LINE_STATE_TTL_MS (10 * 60000LL)

/* Set a rally's join policy ("anonymous", "line_optional", "line_required";
 * struct rally carries it when loaded). */
int rally_set_join_policy(db *d, int64_t rally_id, enum join_policy policy);

/* The tenant's channel: id and the opened secret (arena strings; "" when unset). */
int line_channel(db *d, arena *a, int64_t tenant_id, const char **channel_id, const char **secret);
/* Set the channel id and (when secret is non-empty) the secret, sealed. */
int line_set_channel(db *d, arena *a, int64_t tenant_id, const char *channel_id, const char *secret);

struct line_login {
	const char *state, *nonce, *verifier;
	int64_t rally_id;
};
/* Record a login in progress for the browser holding cookie `browser`. */
int line_login_begin(db *d, const char *browser, const struct line_login *l, int64_t now);
/* The login in progress with this state for this browser (only within the
 * time limit; reads only). 1 found (filled into *out), 0 none, -1 error. */
int line_login_find(db *d, arena *a, const char *state, const char *browser, int64_t now, struct line_login *out);
/* The rally of a login in progress with this state, whichever browser it
 * was started in (only to offer a retry; never to log in): its id, or 0. */
int64_t line_login_rally(db *d, const char *state, int64_t now);
/* Use up the login with this state: 1 when this call deleted it, 0 when it
 * was already gone (a replayed callback), -1 on error. */
int line_login_use(db *d, const char *state);

/* Make the session's participant of rally r the LINE user `sub`: merge the
 * session's anonymous card into the LINE user's (union of stamps, never a
 * duplicate; completion recomputed), or mark the anonymous participant as
 * this LINE user, or create one. The session then holds that participant.
 * name and picture (URL) are sealed before they are stored. 1 on success,
 * 0 when a new participant would pass the tenant's quota (nothing
 * changed), -1 on error. */
int line_link(db *d, arena *a, int64_t session_id, const struct rally *r, const char *sub, const char *name,
	      const char *picture, int64_t now, struct participant *out);
/* The LINE display name of a participant (arena string), or NULL. */
const char *participant_line_name(db *d, arena *a, int64_t participant_id);
/* True when the participant is a LINE user. */
int participant_is_line(db *d, int64_t participant_id);

#endif
