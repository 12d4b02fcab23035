/*
 * throttle.h — one rule for everything a client may guess: console logins
 * and rally passcodes (per address), keywords, PINs, recovery codes and
 * rotating codes (per participant and per address); and for the mails a
 * participant may have sent (recovery codes, counted per send). Failures of a key are
 * counted in a window; at the rule's maximum the key is locked for a while.
 * Kept in the database (attempt_throttle), so every app node sees the same
 * counts. An account's own backoff after failed logins is core/account.c's.
 *
 * A success never resets a key: a login to one's own account must not
 * clear the failures an address has sprayed at others.
 */
#ifndef SR_THROTTLE_H
#define SR_THROTTLE_H

#include <stdint.h>

#include "store/db.h"

struct throttle_rule {
	const char *prefix;  /* the key's namespace, e.g. "login:" */
	int max;             /* failures in the window that lock the key */
	int64_t window_ms;   /* counting restarts after this long */
	int64_t lock_ms;     /* how long a locked key waits */
	int64_t cap_ms;      /* when set: the lock doubles with each failure past max, up to this */
	int alert;           /* reaching max records a security_alert (brute force), see throttle_failed */
};

extern const struct throttle_rule THROTTLE_LOGIN_IP;     /* 20 failed console logins / 15 min / address */
extern const struct throttle_rule THROTTLE_PASSCODE_IP;  /* 20 wrong rally passcodes / 15 min / address */
extern const struct throttle_rule THROTTLE_GUESS;        /* 5 wrong keywords, PINs, codes / 15 min / participant */
extern const struct throttle_rule THROTTLE_GUESS_IP;     /* 30 of them / 15 min / address */
extern const struct throttle_rule THROTTLE_COUPON;       /* 5 wrong desk PINs / 15 min / coupon */
extern const struct throttle_rule THROTTLE_DESK_RALLY;   /* 100 wrong desk PINs / 15 min / rally, from anywhere */
extern const struct throttle_rule THROTTLE_RECOVERY_MAIL;    /* 3 recovery-code mails / day / participant */
extern const struct throttle_rule THROTTLE_RECOVERY_MAIL_IP; /* 30 of them / hour / address (a venue's Wi-Fi is one) */
extern const struct throttle_rule THROTTLE_LOGIN_ID;     /* per login ID, whether it exists or not: from the
                                                          * 5th failure in a day 30 s, doubling up to 15 min */

/* 1 when rule's key for who may try at now; 0 when locked, *wait_s then
 * says for how long (seconds, rounded up). A database error counts as
 * allowed here and is sticky on d (db_failed). */
int throttle_allowed(db *d, const struct throttle_rule *rule, const char *who, int64_t now, int64_t *wait_s);
/* Count one failure of rule's key for who (inside a write transaction);
 * locks it at the rule's maximum, and then, for a rule with alert, records
 * one security_alert event and counts it in stamprally_security_alerts_total.
 * 0 or -1. */
int throttle_failed(db *d, const struct throttle_rule *rule, const char *who, int64_t now);
/* Forget rule's key for who (a login succeeded, a password was reset). 0 or -1. */
int throttle_clear(db *d, const struct throttle_rule *rule, const char *who);

#endif
