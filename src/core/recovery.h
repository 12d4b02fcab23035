/*
 * recovery.h — recovery codes: a short code on every card that restores it
 * in another browser (after cleared cookies, private mode, an in-app QR
 * reader's own browser). Sealed to show again, hashed to find. Guessing is
 * throttled by the caller (core/throttle.h).
 */
#ifndef SR_RECOVERY_H
#define SR_RECOVERY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "store/db.h"

/* Recovery codes: "XXXX-XXXX-XXC" from 23456789ABCDEFGHJKMNPQRSTUVWXYZ, the
 * last character a check digit. recovery_new writes one into out (≥ 16). */
void recovery_new(char *out, size_t outsz);
/* Normalise what a person typed (case, spaces, hyphens, O→0 … as the
 * alphabet has no such letters) and check the check digit; 0 and the
 * canonical 11 characters in out (≥ 12) when valid. */
int recovery_parse(const char *typed, char *out, size_t outsz);
/* Give a participant a new recovery code (written into code, ≥ 16 bytes):
 * sealed to show again, hashed to find. 0 or -1. */
int participant_set_recovery(db *d, arena *a, int64_t participant_id, char *code, size_t codesz);
/* The participant's recovery code (arena string) or NULL. */
const char *participant_recovery(db *d, arena *a, int64_t participant_id);
/* Attach the participant with this (canonical) code to the session; its
 * rally into *rally_id. The session it leaves is remembered (moved_from,
 * migration 0020) for participant_moved_away. 1 found, 0 unknown code,
 * -1 error. */
int participant_recover(db *d, const char *canonical, int64_t session_id, int64_t *rally_id);
/* 1 when a card of rally_id was restored elsewhere away from this session
 * (which has none of that rally now), 0 when not, -1 on error. */
int participant_moved_away(db *d, int64_t session_id, int64_t rally_id);

#endif
