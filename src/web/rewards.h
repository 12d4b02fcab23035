/*
 * rewards.h — the rewards view shared by the card page, the rally page, the
 * API card and the rally editor; the tier named in a URL.
 */
#ifndef SR_WEB_REWARDS_H
#define SR_WEB_REWARDS_H

#include <jansson.h>
#include <stdint.h>

#include "http/req.h"

struct rally;
/* The rally's tiers as a view: name, kind, condition (cond_count / cond_all
 * / cond_category), progress (have/need/left), earned, the participant's
 * reward code (participant_id 0: none), sold out, the lottery entry and
 * whether entries are still open (lottery_open) and until when. */
json_t *rewards_view(req *r, const struct rally *ra, int64_t participant_id);
/* Of a rewards_view list, the rewards the participant has earned and can
 * still take or enter now: [{"id", "name", "kind", "text"}] (text: what to
 * do, by kind). A new array; rewards is not changed. */
json_t *rewards_ready(req *r, json_t *rewards);

struct tier;
/* The tier of rally ra named by the URL's params[1] (of kind, an enum tier_kind, unless -1),
 * with participant_id's progress (0: none), into out; 404 and 0 when none. */
int web_tier(req *r, const struct rally *ra, int64_t participant_id, int kind, struct tier *out);
struct participant;
/* The URL's rally (params[0]) and tier (params[1], of kind unless -1) for
 * this browser's participant; 404 or 403 (not joined) and 0 when none. */
int web_own_tier(req *r, struct rally *ra, struct participant *p, int kind, struct tier *t);

#endif
