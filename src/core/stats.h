/*
 * stats.h — the dashboard's numbers, read from counters kept in the same
 * transaction as each join and stamp (rally_hourly, spot_totals), so they
 * cost the same at a million participants as at ten.
 */
#ifndef SR_STATS_H
#define SR_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "core/kinds.h"
#include "store/db.h"

struct rally_totals {
	int64_t participants, first_stamps, stamps, completions;
};

/* Sums over the rally's hours. 0 or -1. */
int stats_totals(db *d, int64_t rally_id, struct rally_totals *out);
/* Stamps and joins per hour for hours [from, from+n) (UTC hour numbers),
 * into arrays of n (zeros where nothing happened). 0 or -1. */
int stats_hours(db *d, int64_t rally_id, int64_t from, size_t n, int64_t *stamps, int64_t *joins);
/* Stamps per spot in spot order: names and counts into new arena arrays. */
int stats_spots(db *d, arena *a, int64_t rally_id, const char ***names, int64_t **counts, size_t *n);

/* One reward tier's numbers: rewards issued (lottery: entries), redeemed, stock left (-1: none). */
struct tier_stats {
	const char *name;
	enum tier_kind kind;
	int64_t issued, redeemed, stock;
};
/* The rally's tiers in order, into a new arena array; count or -1. These
 * are counted from the rewards and entries themselves (one index range per
 * tier), not from counters. */
int stats_tiers(db *d, arena *a, int64_t rally_id, struct tier_stats **out);
/* Participants with at least one lottery entry in the rally (the funnel's last step). */
int64_t stats_applied(db *d, int64_t rally_id);

#endif
