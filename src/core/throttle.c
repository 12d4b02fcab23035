/*
 * throttle.c — see throttle.h.
 */
#include "core/throttle.h"

#include <stdio.h>

#define MINUTES (60000LL)

const struct throttle_rule THROTTLE_LOGIN_IP = {"login:", 20, 15 * MINUTES, 15 * MINUTES};
const struct throttle_rule THROTTLE_PASSCODE_IP = {"passcode:", 20, 15 * MINUTES, 15 * MINUTES};
const struct throttle_rule THROTTLE_GUESS = {"p:", 5, 15 * MINUTES, 15 * MINUTES};
const struct throttle_rule THROTTLE_GUESS_IP = {"ip:", 30, 15 * MINUTES, 15 * MINUTES};

/* The key of rule for who into out: prefix ‖ who (cut to fit). */
static const char *key_of(const struct throttle_rule *rule, const char *who, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s%s", rule->prefix, who ? who : "");
	return out;
}

int throttle_allowed(db *d, const struct throttle_rule *rule, const char *who, int64_t now, int64_t *wait_s)
{
	char key[160];
	int64_t until = db_int1(d, 0, "SELECT locked_until FROM attempt_throttle WHERE key = $1", "t",
				key_of(rule, who, key, sizeof key));
	*wait_s = until > now ? (until - now + 999) / 1000 : 0;
	return until <= now;
}

int throttle_failed(db *d, const struct throttle_rule *rule, const char *who, int64_t now)
{
	char key[160];
	key_of(rule, who, key, sizeof key);
	int rc = db_exec(d, "INSERT INTO attempt_throttle(key, failures, window_start) VALUES ($1, 1, $2)"
			    " ON CONFLICT (key) DO UPDATE SET"
			    " failures = CASE WHEN window_start < $3 THEN 1 ELSE failures + 1 END,"
			    " window_start = CASE WHEN window_start < $3 THEN $2 ELSE window_start END",
			 "tii", key, now, now - rule->window_ms);
	if (rc == DB_DONE)
		rc = db_exec(d, "UPDATE attempt_throttle SET locked_until = $1 WHERE key = $2 AND failures >= $3", "iti",
			     now + rule->lock_ms, key, (int64_t)rule->max);
	return rc == DB_DONE ? 0 : -1;
}
