/*
 * kinds.h — the domain's kinds as enums, parsed once at the edge (a form, a
 * JSON import, a database row) and named again only for storage, views and
 * logs. One table per kind in kinds.c; a strcmp on a kind in the middle of
 * a rule is a typo waiting to happen. (Stamp methods: core/methods.h.)
 */
#ifndef SR_KINDS_H
#define SR_KINDS_H

enum rally_status { STATUS_DRAFT, STATUS_PUBLISHED, STATUS_CLOSED, STATUS_ARCHIVED, STATUS_N };
enum join_policy { JOIN_ANONYMOUS, JOIN_LINE_OPTIONAL, JOIN_LINE_REQUIRED, JOIN_N };
enum repeat_mode { REPEAT_ONCE, REPEAT_DAILY, REPEAT_HOURS, REPEAT_N };
enum tier_kind { TIER_COUPON, TIER_FIRST_COME, TIER_LOTTERY, TIER_N };
enum tier_condition { COND_COUNT, COND_ALL, COND_CATEGORY, COND_N };

/* Each parse returns the kind named by s (its stored name, exactly), or -1
 * when s is NULL or names none; each name returns the stored name (a
 * static string; "" for a value out of range). */
int rally_status_parse(const char *s);
const char *rally_status_name(enum rally_status v);
int join_policy_parse(const char *s);
const char *join_policy_name(enum join_policy v);
int repeat_mode_parse(const char *s);
const char *repeat_mode_name(enum repeat_mode v);
int tier_kind_parse(const char *s);
const char *tier_kind_name(enum tier_kind v);
int tier_condition_parse(const char *s);
const char *tier_condition_name(enum tier_condition v);

#endif
