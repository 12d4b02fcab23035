/*
 * account.h — staff accounts of a tenant: roles and what they permit,
 * passwords (argon2id, NIST SP 800-63B rules), staff sessions with idle and
 * absolute timeouts, brute-force throttling, and the security event log.
 */
#ifndef SR_ACCOUNT_H
#define SR_ACCOUNT_H

#include <stddef.h>
#include <jansson.h>
#include <stdint.h>

#include "core/password.h"
#include "lib/arena.h"
#include "store/db.h"

/* What a role may do. Filled once per request from the account's role;
 * handlers and the route table test these bits, never role names. */
enum perm {
	PERM_VIEW = 1 << 0,         /* dashboards */
	PERM_EDIT = 1 << 1,         /* rallies, spots, posters */
	PERM_PUBLISH = 1 << 2,      /* change a rally's status */
	PERM_EXPORT = 1 << 3,       /* CSV exports */
	PERM_USERS = 1 << 4,        /* manage the tenant's staff accounts */
	PERM_DESK = 1 << 5,         /* desk mode */
	PERM_ENTRIES = 1 << 6,      /* personal data: lottery entries, draws, winners */
	PERM_AUDIT = 1 << 7,        /* the tenant's slice of the security event log */
};

struct account {
	int64_t id, tenant_id, disabled_at, locked_until, failed_logins, created_at;
	const char *public_id, *login, *role, *tenant_slug, *tenant_name;
	unsigned perms;
	int tenant_suspended;       /* its tenant is suspended: the console is read-only */
	int64_t totp_enabled_at;    /* its second factor (core/totp.h), 0 when none */
	int tenant_requires_totp;   /* the owner requires a second factor of everyone */
	int verified;               /* staff_session_find: the session has passed the second factor */
	int64_t session_id;         /* staff_session_find: the session's id */
};

#define LOGIN_MAX_CHARS 64

/* The permission bits of a role; 0 for an unknown role. */
unsigned perm_for_role(const char *role);
/* True for owner, admin, editor, desk, viewer. */
int role_valid(const char *role);
/* The rank of a role (owner 5 … viewer 1), to stop an admin making an owner. */
int role_rank(const char *role);

/* Prepare the stand-in hash used for unknown login IDs. Call once at start. */
int account_init(void);
/* The account's stored password hash (arena string) or NULL; the stand-in
 * hash checked for unknown login IDs, so they cost the same argon2id work
 * (a static string). */
const char *account_password_hash(db *d, arena *a, int64_t account_id);
const char *account_dummy_hash(void);
/* True when login is 3–64 of [a-z0-9._@-]. */
int login_valid(const char *login);

/* Create an account. Returns its id, 0 when the login is taken, -1 on error. */
int64_t account_create(db *d, int64_t tenant_id, const char *login, const char *role, const char *password, int64_t now);
/* The same with a password already hashed (password_hash): the web layer
 * hashes before it takes the write lock. */
int64_t account_insert(db *d, int64_t tenant_id, const char *login, const char *role, const char *hash, int64_t now);
/* Load the account with this login (any tenant). 1/0/-1. */
int account_by_login(db *d, arena *a, const char *login, struct account *out);
/* Load the account with this public id in tenant_id. 1/0/-1. */
int account_by_public_id(db *d, arena *a, int64_t tenant_id, const char *public_id, struct account *out);
/* The tenant's accounts in login order into a new arena array. Count or -1. */
int account_list(db *d, arena *a, int64_t tenant_id, struct account **out);
/* Change role / disabled state / password (its password_hash, made before
 * the write transaction). 0 or -1. Disabling and a new password end every
 * session of the account; a new password also clears the login ID's
 * failures. */
int account_set_role(db *d, int64_t account_id, const char *role, int64_t now);
int account_set_disabled(db *d, int64_t account_id, int disabled, int64_t now);
int account_store_hash(db *d, int64_t account_id, const char *hash, int64_t now);

/* Staff sessions. Lifetimes in ms: idle (since the last request) and
 * absolute (since login). */
struct staff_limits {
	int64_t idle_ms, absolute_ms;
};
/* Create a session for the account; token into out (≥ 48 bytes). verified:
 * no second factor is due (else only the TOTP page answers until
 * staff_session_verified). 0 or -1. */
int staff_session_create(db *d, int64_t account_id, int64_t now, const struct staff_limits *l, int verified, char *token,
			 size_t n);
int staff_session_verified(db *d, int64_t session_id);
/* End every session of the account (its second factor was reset). 0 or -1. */
int account_end_sessions(db *d, int64_t account_id);
/* The live session's account (enabled) into *out. 1/0/-1. Reads only:
 * when last_seen_at is more than a minute old, *touch is set to the
 * session's id for staff_session_touch (else 0). */
int staff_session_find(db *d, arena *a, const char *token, int64_t now, const struct staff_limits *l,
		       struct account *out, int64_t *touch);
/* Record activity on a staff session (its idle timeout starts again). 0 or -1. */
int staff_session_touch(db *d, int64_t session_id, int64_t now);
/* True when token names a live staff session (read only; a cheap check
 * before accepting a large upload body). */
int staff_session_exists(db *d, const char *token, int64_t now);
/* End one session (logout). */
int staff_session_end(db *d, const char *token);

/* Throttling (core/throttle.h), per address and per login ID as typed —
 * whether an account has that ID or not, so a lockout never tells which IDs
 * exist. login_allowed: 0 when either must wait; *wait_s says how long.
 * login_failed counts both; login_succeeded forgets the ID's failures (not
 * the address's). 0 or -1. */
int login_allowed(db *d, const char *ip, const char *login, int64_t now, int64_t *wait_s);
int login_failed(db *d, const char *ip, const char *login, int64_t now);
int login_succeeded(db *d, const char *ip, const char *login, int64_t now);

/* Append to the security event log (the audit hash chain, core/audit.h).
 * detail is a JSON object text (no secrets), or NULL. 0 or -1. */
int security_event(db *d, int64_t tenant_id, int64_t account_id, const char *kind, const char *ip, const char *detail,
		   int64_t now);
/* The same with detail as a JSON object (taken; NULL is an error) and no
 * address: the operator's and the service's own events. 0 or -1. */
int security_event_json(db *d, int64_t tenant_id, int64_t account_id, const char *kind, json_t *detail, int64_t now);
/* Record the service's own event kind (no tenant, no account) with detail
 * (a JSON object, taken) in a committed write of its own, through d (on
 * the group-commit writer when it runs; d not in a transaction). A failure
 * is logged, not fatal. */
void security_event_write(db *d, const char *kind, json_t *detail);

#endif
