/*
 * totp.h — time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits,
 * 30-second steps) and single-use recovery codes, for operators (always)
 * and staff (by choice, or when the tenant's owner requires it).
 *
 * A code is accepted for the step before, the step of and the step after
 * now (clock skew of ±30 s), and only for a step later than the last one
 * accepted, so a code seen once cannot be replayed. The secret is stored
 * sealed (lib/seal.h); recovery codes are stored as SHA-256 hashes.
 */
#ifndef SR_TOTP_H
#define SR_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "store/db.h"

#define TOTP_SECRET_CHARS 32 /* base32 of 20 random bytes */
#define TOTP_RECOVERY_CODES 10
#define TOTP_RECOVERY_CHARS 19 /* xxxx-xxxx-xxxx-xxxx: 16 base32 characters, 80 bits */

/* Whose second factor: the realm's table (operators or accounts). */
enum totp_realm { TOTP_OPERATOR, TOTP_STAFF };

/* A new random secret, base32 without padding, into out (≥ 33 bytes). */
void totp_secret_new(char *out);
/* The 6-digit code of secret (base32) for time step (unix time / 30) into
 * out (≥ 7 bytes). 0, or -1 for a bad secret. */
int totp_code(const char *secret, int64_t step, char *out);
/* The step code matches (now ± one step, and after last_step), or 0. */
int64_t totp_match(const char *secret, const char *code, int64_t now_ms, int64_t last_step);
/* The otpauth:// URI an authenticator app scans (an arena string). */
const char *totp_uri(arena *a, const char *issuer, const char *login, const char *secret);

/* The second factor of one operator or staff account. */
struct totp_state {
	const char *secret;  /* unsealed; NULL when none is enabled */
	const char *pending; /* a new secret waiting for its first code; NULL when none */
	int64_t enabled_at;  /* 0 while none is enabled */
	int64_t last_step;
};
/* Load it. 1, 0 when there is no such account, -1 on error. */
int totp_load(db *d, arena *a, enum totp_realm realm, int64_t id, struct totp_state *out);
/* Start an enrolment (or a renewal): a new secret, stored sealed as
 * pending; the enabled one (if any) keeps working until the new one's
 * first code confirms it. Its base32 into secret (≥ 33 bytes). 0 or -1. */
int totp_begin(db *d, arena *a, enum totp_realm realm, int64_t id, char *secret);
/* The pending secret's first code (at step) was right: it becomes the
 * enabled one. 1, 0 when nothing was pending, -1 on error. */
int totp_confirm(db *d, enum totp_realm realm, int64_t id, int64_t step, int64_t now);
/* Record an accepted step of the enabled secret: only when step is later
 * than the stored one, so two requests cannot use one code. 1 taken, 0
 * already used, -1 error. */
int totp_take_step(db *d, enum totp_realm realm, int64_t id, int64_t step);
/* Remove the second factor (a reset by an owner, or an operator's reset). 0 or -1. */
int totp_clear(db *d, enum totp_realm realm, int64_t id);

/* Make TOTP_RECOVERY_CODES new codes (the old ones are gone) into codes
 * (each ≥ TOTP_RECOVERY_CHARS + 1 bytes), storing their hashes. 0 or -1. */
int totp_recovery_new(db *d, enum totp_realm realm, int64_t id, char codes[][TOTP_RECOVERY_CHARS + 1]);
/* Use a recovery code (case and dashes ignored). 1 used now, 0 not a
 * valid unused code, -1 error. */
int totp_recovery_use(db *d, enum totp_realm realm, int64_t id, const char *code, int64_t now);
/* How many unused recovery codes are left. */
int64_t totp_recovery_left(db *d, enum totp_realm realm, int64_t id);

#endif
