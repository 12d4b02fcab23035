/*
 * spotcache.h — each thread's copy of the spot lists it read last.
 *
 * A rally's spots are read on every card, rally page and claim, and change
 * rarely. An entry is keyed by the rally's id and its spots_version (changed
 * by triggers in the transaction of any spot change, see
 * 0008_spots_version.sql), so a lookup with the version just read from the
 * rally row can never return a list other than the one the database holds.
 * Nothing is shared between threads: no locks.
 */
#ifndef SR_SPOTCACHE_H
#define SR_SPOTCACHE_H

#include <stddef.h>

#include "core/rally.h"

/* When this thread holds the spots of (rally_id, version), copy them into a
 * new arena array (*out, *n; strings in the arena too) and return 1; else 0. */
int spotcache_get(int64_t rally_id, int64_t version, arena *a, struct spot **out, size_t *n);
/* Remember a copy of v[0..n) as the spots of (rally_id, version), replacing
 * this thread's oldest entry. Out of memory: remembers nothing. */
void spotcache_put(int64_t rally_id, int64_t version, const struct spot *v, size_t n);

#endif
