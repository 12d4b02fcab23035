/*
 * rewards.h — reward tiers (N stamps, all stamps, all spots of a category)
 * and what participants get from them: coupons, single use, redeemed at the
 * desk; first-come prizes, whose stock is decremented atomically; lottery
 * entries (core/lottery.h).
 */
#ifndef SR_REWARDS_H
#define SR_REWARDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/kinds.h"
#include "core/rally.h"
#include "lib/arena.h"
#include "store/db.h"

struct tier {
	int64_t id, rally_id, threshold, stock; /* stock -1: unlimited (coupons) */
	const char *public_id, *name, *description, *category;
	enum tier_kind kind;
	enum tier_condition condition;
	/* for one participant */
	int64_t have, need;         /* stamps counted towards the condition, and needed */
	const char *reward_code;    /* the participant's reward, or NULL */
	int64_t earned_at, redeemed_at;
	int64_t entry_number, entry_at;    /* lottery: the participant's entry (0: none) */
	int64_t won_rank;                  /* lottery: the entry's place in a draw (0: not drawn) */
	int drawn;                         /* lottery: drawn at least once (entries closed) */
	int64_t entries_until;             /* lottery: entries close (UTC ms): as set, or the rally's end */
	int deadline_set;                  /* lottery: entries_until was set by the organizer */
	const char *form;                  /* lottery: the application form (JSON) */
};

/* The rally's tiers, with participant_id's progress (0: none), into a new
 * arena array. Count or -1. */
int tiers_load(db *d, arena *a, int64_t rally_id, int64_t participant_id, struct tier **out);
/* Add a tier (form: a lottery's JSON, or NULL; stock: a first-come prize's,
 * else -1). Returns the id or -1. */
int64_t tier_create(db *d, int64_t rally_id, const char *name, const char *description, enum tier_kind kind,
		    enum tier_condition condition, int64_t threshold, const char *category, int64_t stock, const char *form,
		    int64_t now);

/* Change a tier: its name; the number of stamps of a "count" condition;
 * the stock left of a first-come prize (-1: leave it); a lottery's form
 * (NULL: leave it), only while it has no entries. 0, 1 when the form could
 * not change because of entries (nothing changed), or -1. */
int tier_update(db *d, int64_t tier_id, const char *name, int64_t threshold, int64_t stock, const char *form);
/* Set when a lottery's entries close (UTC ms; 0: at the rally's end). 0 or -1. */
int tier_set_deadline(db *d, int64_t tier_id, int64_t until);
/* Whether lottery t of rally ra takes entries at now: not drawn yet, before
 * its deadline, and the rally published and started (its period may be over
 * when the deadline is later). */
int lottery_open(const struct tier *t, const struct rally *ra, int64_t now);
/* Delete a tier nobody has taken or entered yet: 1 deleted, 0 in use, -1 error. */
int tier_delete(db *d, int64_t tier_id);

/* A coupon code as staff type it at the desk (any case, with or without the
 * hyphen, spaces, full-width letters) into its stored form "XXXX-XXXX" in
 * out. 0, or -1 when it cannot be a code. */
#define REWARD_CODE_SIZE 10
int reward_code_normalise(const char *in, char out[REWARD_CODE_SIZE]);

enum take_result { TAKE_OK, TAKE_ALREADY, TAKE_NOT_EARNED, TAKE_SOLD_OUT, TAKE_ERROR };
/* Take tier's reward for participant (must be in a write transaction). For
 * a first-come prize one unit of stock goes, or none is left. The code of
 * the reward into code (≥ 16) on OK and ALREADY. */
enum take_result reward_take(db *d, const struct tier *t, int64_t participant_id, int64_t now, char *code, size_t codesz);

struct reward {
	int64_t id, participant_id, rally_id, earned_at, redeemed_at;
	const char *code, *tier_name, *rally_slug, *rally_title;
	enum tier_kind tier_kind;
};
/* Find a reward by its code. 1/0/-1. */
int reward_by_code(db *d, arena *a, const char *code, struct reward *out);
/* Redeem once: 1 redeemed now, 0 already redeemed (*when set), -1 error. */
int reward_redeem(db *d, int64_t reward_id, int64_t now, int64_t *when);

#endif
