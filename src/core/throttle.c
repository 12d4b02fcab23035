/*
 * throttle.c — see throttle.h.
 */
#include "core/throttle.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/account.h"
#include "lib/metrics.h"

#define MINUTES (60000LL)

const struct throttle_rule THROTTLE_LOGIN_IP = {"login:", 20, 15 * MINUTES, 15 * MINUTES, 0, 1};
const struct throttle_rule THROTTLE_PASSCODE_IP = {"passcode:", 20, 15 * MINUTES, 15 * MINUTES, 0, 1};
const struct throttle_rule THROTTLE_GUESS = {"p:", 5, 15 * MINUTES, 15 * MINUTES, 0, 0};
const struct throttle_rule THROTTLE_GUESS_IP = {"ip:", 30, 15 * MINUTES, 15 * MINUTES, 0, 1};
const struct throttle_rule THROTTLE_COUPON = {"coupon:", 5, 15 * MINUTES, 15 * MINUTES, 0, 0};
const struct throttle_rule THROTTLE_DESK_RALLY = {"desk:", 100, 15 * MINUTES, 15 * MINUTES, 0, 1};
const struct throttle_rule THROTTLE_RECOVERY_MAIL = {"mail:", 3, 24 * 60 * MINUTES, 24 * 60 * MINUTES, 0, 0};
const struct throttle_rule THROTTLE_RECOVERY_MAIL_IP = {"mail-ip:", 30, 60 * MINUTES, 60 * MINUTES, 0, 0};
const struct throttle_rule THROTTLE_LOGIN_ID = {"id:", 5, 24 * 60 * MINUTES, 30000, 15 * MINUTES, 1};

/* How long rule locks a key after its failures-th failure (failures >= max). */
static int64_t lock_for(const struct throttle_rule *rule, int64_t failures)
{
	if (!rule->cap_ms)
		return rule->lock_ms;
	int64_t shift = failures - rule->max, lock = rule->lock_ms;
	while (shift-- > 0 && lock < rule->cap_ms)
		lock *= 2;
	return lock < rule->cap_ms ? lock : rule->cap_ms;
}

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

/* A security_alert record (and metric) when rule's key for who has just
 * reached its lock: brute force against an account or from an address,
 * for monitoring to page someone. 0 or -1. */
static int raise_alert(db *d, const struct throttle_rule *rule, const char *who, int64_t failures, int64_t now)
{
	int rc = security_event_json(d, 0, 0, "security_alert",
				     json_pack("{s:s, s:s, s:I, s:I}", "rule", rule->prefix, "key", who ? who : "",
					       "failures", (json_int_t)failures, "window_s",
					       (json_int_t)(rule->window_ms / 1000)),
				     now);
	if (rc == 0)
		metric_add(M_SECURITY_ALERTS, 1);
	return rc;
}

int throttle_failed(db *d, const struct throttle_rule *rule, const char *who, int64_t now)
{
	char key[160];
	key_of(rule, who, key, sizeof key);
	int64_t failures = db_int1(d, -1, "INSERT INTO attempt_throttle(key, failures, window_start) VALUES ($1, 1, $2)"
					  " ON CONFLICT (key) DO UPDATE SET"
					  " failures = CASE WHEN attempt_throttle.window_start < $3 THEN 1 ELSE attempt_throttle.failures + 1 END,"
					  " window_start = CASE WHEN attempt_throttle.window_start < $3 THEN $2"
					  " ELSE attempt_throttle.window_start END"
					  " RETURNING failures",
				   "tii", key, now, now - rule->window_ms);
	if (failures < 0)
		return -1;
	if (failures < rule->max)
		return 0;
	if (failures == rule->max && rule->alert && raise_alert(d, rule, who, failures, now) != 0)
		return -1;
	return db_exec(d, "UPDATE attempt_throttle SET locked_until = $1 WHERE key = $2", "it",
		       now + lock_for(rule, failures), key) == DB_DONE ? 0 : -1;
}

int throttle_clear(db *d, const struct throttle_rule *rule, const char *who)
{
	char key[160];
	return db_exec(d, "DELETE FROM attempt_throttle WHERE key = $1", "t", key_of(rule, who, key, sizeof key)) ==
			       DB_DONE
		       ? 0
		       : -1;
}
