/*
 * rotating.h — rotating QR codes (TOTP-like): the desk screen
 * (web/desk.c) shows a QR code that changes every 30 seconds, so a photo of
 * it stops working within a minute. The claim is core/methods.h's
 * SM_ROTATING_QR with the code as its proof.
 */
#ifndef SR_ROTATING_H
#define SR_ROTATING_H

#include <stdint.h>

#include "lib/arena.h"
#include "store/db.h"

/* The code of 30-second window w is base64url(HMAC-SHA256(secret, "rot:"
 * spot ":" w)) cut to 22 characters; a claim is accepted with the current or
 * the previous window's code. */
#define ROTATING_WINDOW_MS 30000LL
void rotating_code(const unsigned char secret[32], const char *spot_public_id, int64_t window, char out[24]);
/* 1 when code is valid at time now (current or previous window). */
int rotating_check(const unsigned char secret[32], const char *spot_public_id, const char *code, int64_t now);
/* The spot's rotating secret (creating and storing it, sealed, if missing;
 * from any transaction, through the writer) into secret. 0 or -1. */
int spot_rotating_secret(db *d, arena *a, int64_t spot_id, unsigned char secret[32]);

#endif
