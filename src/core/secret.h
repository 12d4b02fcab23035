/*
 * secret.h — the short shared secrets of a rally: a spot's staff PIN, the
 * desk PIN and a rally's passcode. Stored as argon2id (8 MiB: they guard an
 * event, not an account), and — like passwords — never hashed or checked
 * while a write lock is held: the web layer proves them before a request's
 * unit of work begins (web/prove.c) and the rules compare the stored hash
 * the secret was proven against (secret_same).
 */
#ifndef SR_SECRET_H
#define SR_SECRET_H

#define SECRET_HASH_BYTES 128

/* argon2id of secret into out ("" for NULL or ""). 0 or -1. */
int secret_hash(const char *secret, char out[SECRET_HASH_BYTES]);
/* True when secret (at most 256 bytes) matches the stored hash ("" never matches). */
int secret_matches(const char *hash, const char *secret);
/* True when a hash proven earlier is the one stored now (both non-empty):
 * the secret was right, and has not changed since. */
int secret_same(const char *proven, const char *stored);

#endif
