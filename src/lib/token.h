/*
 * token.h — random public identifiers and secrets (libsodium's RNG), their
 * hashes, and HMACs.  Tokens are base64url without padding, so they fit in
 * URLs and cookies unchanged.
 */
#ifndef SR_TOKEN_H
#define SR_TOKEN_H

#include <stddef.h>

/* Bytes of randomness behind each kind of token. */
#define TOKEN_QR_BYTES 16      /* 128 bits: QR tokens in printed posters */
#define TOKEN_PUBLIC_BYTES 16  /* 128 bits: public ids of spots, participants */
#define TOKEN_SESSION_BYTES 32 /* 256 bits: session cookies */
#define TOKEN_MAX_CHARS 64     /* longest token text accepted from a client */

/* Initialise libsodium; returns 0 on success. Call once before threads start. */
int token_init(void);
/* Write a fresh random token of nbytes randomness into out (needs
 * 4*nbytes/3+2 chars); returns out. */
char *token_new(char *out, size_t outsz, size_t nbytes);
/* True when s has the shape of a token: 1..TOKEN_MAX_CHARS base64url chars. */
int token_valid(const char *s);
/* SHA-256 of s into out[32] (for storing session tokens hashed). */
void token_hash(const char *s, unsigned char out[32]);
/* HMAC-SHA256(key, msg) as base64url text into out (needs 44 chars). */
void token_hmac(const unsigned char key[32], const char *msg, char *out, size_t outsz);
/* Constant-time comparison of two NUL-terminated strings. */
int token_equal(const char *a, const char *b);

#endif
