/*
 * stamp.h — participants, stamps and the stamp card: joining a rally,
 * claiming a spot's stamp, and what the card shows.  The rules (the rally's
 * state, one stamp per spot, completion) are decided here, never in a
 * handler.
 */
#ifndef SR_STAMP_H
#define SR_STAMP_H

#include <stddef.h>
#include <stdint.h>

#include "core/rally.h"
#include "lib/arena.h"
#include "store/db.h"

struct participant {
	int64_t id, rally_id, created_at, completed_at; /* completed_at 0 when not */
	const char *public_id;
	int preview;                                    /* joined in an organizer's preview: test data */
};

/* When participant_id collected spot_id (its latest stamp there), or 0. */
int64_t stamp_collected_at(db *d, int64_t participant_id, int64_t spot_id);
/* Find the participant of rally_id for this session. 1/0/-1. */
int participant_find(db *d, arena *a, int64_t session_id, int64_t rally_id, struct participant *out);
/* Join: find or create the session's participant in the rally. *created
 * says which. Refuses (returns 0, *state set) when the rally does not take
 * participants now: draft, closed, ended. Returns 1 on success, -1 on error. */
int participant_join(db *d, arena *a, int64_t session_id, const struct rally *r, int64_t now,
		     struct participant *out, int *created, enum rally_state *state);

enum claim_status {
	CLAIM_NEW,      /* the stamp was written */
	CLAIM_ALREADY,  /* it was there before; nothing written */
	CLAIM_REFUSED,  /* the rally does not take stamps now; see state */
	CLAIM_SPOT_CLOSED, /* outside the spot's opening hours */
	CLAIM_COOLDOWN, /* a repeatable spot, stamped less than its cool-down ago */
	CLAIM_ERROR,
};

struct claim {
	enum claim_status status;
	enum rally_state state;  /* why, when refused */
	int64_t collected_at;    /* the stamp's time */
	int64_t available_at;    /* CLAIM_COOLDOWN: when the spot gives a stamp again */
	int64_t collected, total;
	int completed;           /* every spot collected */
	int just_completed;      /* this claim completed the card */
};

/* Claim the spot's stamp for participant p at time now with method ("qr").
 * Must run inside a write transaction (db_begin; the claim routes run on
 * the group-commit writer). Concurrent identical claims write exactly one
 * stamp. out->status says what happened (CLAIM_ERROR: the database failed). */
void stamp_claim(db *d, const struct rally *r, const struct participant *p, const struct spot *s,
		 int64_t now, const char *method, struct claim *out);

struct card {
	struct spot *spots;
	int64_t *collected_at;   /* per spot; 0 when not collected */
	size_t n;
	int64_t collected;
	int64_t completed_at;    /* when the participant completed; kept when spots are added later */
};

/* Load the rally's spots with participant p's stamps (NULL: none). 0 or -1. */
int card_load(db *d, arena *a, const struct rally *r, const struct participant *p, struct card *out);

#endif
