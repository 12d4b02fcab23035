/*
 * kinds.c — see kinds.h. The names are the values stored in the database
 * (migrations' CHECK constraints) and used in forms and the import format.
 */
#include "core/kinds.h"

#include <string.h>

static const char *const STATUS[STATUS_N] = {"draft", "published", "closed", "archived"};
static const char *const POLICY[JOIN_N] = {"anonymous", "line_optional", "line_required"};
static const char *const REPEAT[REPEAT_N] = {"once", "daily", "hours"};
static const char *const KIND[TIER_N] = {"coupon", "first_come", "lottery"};
static const char *const COND[COND_N] = {"count", "all", "category"};

/* The index of s in names[0..n), or -1. */
static int find(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* names[v] when v is in [0, n), else "". */
static const char *name(const char *const *names, int n, int v)
{
	return v >= 0 && v < n ? names[v] : "";
}

int rally_status_parse(const char *s) { return find(STATUS, STATUS_N, s); }
const char *rally_status_name(enum rally_status v) { return name(STATUS, STATUS_N, (int)v); }
int join_policy_parse(const char *s) { return find(POLICY, JOIN_N, s); }
const char *join_policy_name(enum join_policy v) { return name(POLICY, JOIN_N, (int)v); }
int repeat_mode_parse(const char *s) { return find(REPEAT, REPEAT_N, s); }
const char *repeat_mode_name(enum repeat_mode v) { return name(REPEAT, REPEAT_N, (int)v); }
int tier_kind_parse(const char *s) { return find(KIND, TIER_N, s); }
const char *tier_kind_name(enum tier_kind v) { return name(KIND, TIER_N, (int)v); }
int tier_condition_parse(const char *s) { return find(COND, COND_N, s); }
const char *tier_condition_name(enum tier_condition v) { return name(COND, COND_N, (int)v); }
