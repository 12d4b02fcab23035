/*
 * lottery.h — lottery tiers: the application form the organizer designs,
 * the checks on what participants type, their entries (the answers sealed
 * under the data key, one entry per participant), and the draw: a seed from
 * the libsodium RNG drives a ChaCha20 keystream that picks the winners, and
 * seed and candidates are stored so the draw can be recomputed later
 * (docs/lottery.md).
 */
#ifndef SR_LOTTERY_H
#define SR_LOTTERY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "store/db.h"

/* The fields a form may ask, in the order they appear. */
enum lottery_field { LF_NAME, LF_KANA, LF_POSTAL, LF_ADDRESS, LF_PHONE, LF_EMAIL, LF_AGE, LF_Q1, LF_Q2, LF_Q3, LF_COUNT };

#define LOTTERY_QUESTIONS 3
#define LOTTERY_LABEL_MAX 100    /* code points of a free question's label */
#define LOTTERY_DRAW_MAX 10000   /* winners in one draw */
/* Entries may stay open at most this long after the rally ends. */
#define LOTTERY_DEADLINE_AFTER_MS (366LL * 24 * 3600 * 1000)

struct lottery_form {
	int asked[LF_COUNT], required[LF_COUNT];
	const char *label[LF_COUNT]; /* free questions: the organizer's wording */
};

/* The field's key in forms, answers and exports ("name", "kana", … "q1"). */
const char *lottery_field_key(enum lottery_field f);
/* The age bands a participant chooses from (NULL-terminated codes). */
extern const char *const lottery_age_bands[];

/* Parse a tier's form (JSON text) into f; strings are arena copies. 0 or -1. */
int lottery_form_parse(arena *a, const char *json, struct lottery_form *f);
/* The form as JSON text in a new arena string. */
const char *lottery_form_json(arena *a, const struct lottery_form *f);

enum lottery_error { LE_OK, LE_REQUIRED, LE_TOO_LONG, LE_FORMAT };
/* Check and normalise one answer (in may be NULL). The normalised value is
 * written to out (outsz ≥ 1024): postal codes as 123-4567, phone numbers as
 * digits, kana in katakana, surrounding space removed. */
enum lottery_error lottery_check(enum lottery_field f, const char *in, int required, char *out, size_t outsz);

/* Record participant_id's entry in tier_id with the sealed answers. 1 new
 * (*number set), 0 already entered (*number and *when of that entry), -1
 * error. Must run in a write transaction. */
int lottery_enter(db *d, int64_t tier_id, int64_t participant_id, const char *sealed, int64_t now, int64_t *number,
		  int64_t *when);
/* Entries in tier_id, and how many of them may still win. */
int64_t lottery_entry_count(db *d, int64_t tier_id, int64_t *eligible);

/* The draw itself, pure: reorder cand[0..n) so its first k items are the
 * winners, in the order drawn, from a ChaCha20 keystream keyed by seed. */
void lottery_shuffle(const unsigned char seed[32], int64_t *cand, size_t n, size_t k);

struct draw {
	int64_t id, tier_id, created_at, ncandidates, nwinners;
	const char *public_id, *seed_hex, *candidates, *winners, *by;
};
/* Draw k winners among the entries of tier_id that have not won yet. The
 * id of the draw, 0 when there is nobody to draw, -1 on error. Must run in
 * a write transaction. */
int64_t lottery_draw(db *d, arena *a, int64_t tier_id, int64_t account_id, int64_t k, int64_t now);
/* Load a draw of tier by public id (or by id when public_id is NULL). 1/0/-1. */
int lottery_draw_load(db *d, arena *a, int64_t tier_id, const char *public_id, int64_t id, struct draw *out);
/* The tier's draws, newest first, into a new arena array; count or -1. */
int lottery_draws(db *d, arena *a, int64_t tier_id, struct draw **out);
/* Recompute a draw from its seed and candidates: 1 when the winners match. */
int lottery_verify(arena *a, const struct draw *dr);

/* 1 when s looks like a deliverable e-mail address (docs/lottery.md):
 * letters, digits and the few marks RFC 5322 allows before the @, DNS
 * labels after it; never a space, CR or LF. */
int email_address_ok(const char *s);

#endif
