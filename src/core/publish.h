/*
 * publish.h — what must be right before a draft rally goes public.
 *
 * The check reads the rally, its spots and its reward tiers and lists
 * every problem an organizer has to fix; publishing is refused while the
 * list is not empty (web/console_rallies.c). Reopening a closed rally
 * runs the same check.
 */
#ifndef SR_PUBLISH_H
#define SR_PUBLISH_H

#include <jansson.h>
#include <stdint.h>

#include "core/rally.h"
#include "store/db.h"

/* The problems of rally ra at time now, as a new array of
 * {"key": catalog key, "names": "spot or reward names, "-separated"}
 * (names only where the problem is about particular spots or rewards).
 * The caller owns the array. NULL on a database error. */
json_t *rally_publish_problems(db *d, const struct rally *ra, int64_t now);

#endif
