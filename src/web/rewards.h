/*
 * rewards.h — the rewards view shared by the card page and the rally editor.
 */
#ifndef SR_WEB_REWARDS_H
#define SR_WEB_REWARDS_H

#include <jansson.h>
#include <stdint.h>

#include "http/req.h"

/* The rally's tiers as a view: name, kind, condition (cond_count / cond_all
 * / cond_category), progress (have/need/left), earned, the participant's
 * reward code (participant_id 0: none), sold out, the lottery entry. */
json_t *rewards_view(req *r, int64_t rally_id, int64_t participant_id);

#endif
