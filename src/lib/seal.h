/*
 * seal.h — personal data and secrets encrypted at rest: XChaCha20-Poly1305
 * (libsodium) under the service's data key, as base64 text that fits a TEXT
 * column. A sealed value says nothing about its content; opening fails on
 * any change.
 */
#ifndef SR_SEAL_H
#define SR_SEAL_H

#include <stddef.h>

#include "lib/arena.h"

/* Set the 32-byte key (read once at start from a file or the environment). */
void seal_set_key(const unsigned char key[32]);
/* Also open values sealed under an earlier key (during and after an
 * unfinished key rotation); NULL forgets it. New values always use the key. */
void seal_set_old_key(const unsigned char key[32]);
/* Encrypt text into a new arena string (a fresh random nonce each time). */
const char *seal(arena *a, const char *text);
/* Decrypt (with the key, then the old key); a new arena string, or NULL
 * when the value is not ours or was changed. */
const char *unseal(arena *a, const char *sealed);

#endif
