/*
 * vault.h — a file that is compressed (zstd) and then encrypted (libsodium
 * secretstream, XChaCha20-Poly1305) as one stream, for backups.
 *
 * Layout: "SRVAULT1" ‖ key id (8 bytes) ‖ secretstream header (24 bytes) ‖
 * chunks, each a 4-byte big-endian length and that many bytes of ciphertext
 * (at most 64 KiB of plaintext). The first 16 bytes are additional data of
 * every chunk; the last chunk carries the FINAL tag, so a truncated file,
 * a flipped bit, a reordered chunk or another key is an error, never wrong
 * data. Without the key the file says nothing but its length and key id.
 */
#ifndef SR_VAULT_H
#define SR_VAULT_H

#include <stddef.h>
#include <sys/types.h>

#define VAULT_KEY_ID_LEN 8

typedef struct vault vault;

/* The key's public id (a BLAKE2b hash of it), to tell keys apart without
 * revealing them; hex (17 bytes) in hex_out when not NULL. */
void vault_key_id(const unsigned char key[32], unsigned char id[VAULT_KEY_ID_LEN], char *hex_out);

/* Create path (0600, truncated) for writing under key. NULL with a message
 * in err. */
vault *vault_create(const char *path, const unsigned char key[32], char *err, size_t errsz);
/* Compress and encrypt n bytes. 0, or -1 (vault_error says why). */
int vault_write(vault *v, const void *p, size_t n);
/* End the stream, sync and close the file; the SHA-256 of the whole file
 * into sha256 (32 bytes) and its size into *size. 0 or -1. Frees v. */
int vault_finish(vault *v, unsigned char sha256[32], long long *size, char *err, size_t errsz);

/* Open path for reading with key. NULL with a message in err: not a vault,
 * or made with another key (named by id). */
vault *vault_open(const char *path, const unsigned char key[32], char *err, size_t errsz);
/* Read up to n bytes of the original data. The count; 0 only at the end of
 * an intact stream; -1 on any damage (vault_error says which). */
ssize_t vault_read(vault *v, void *p, size_t n);

/* The last error's message. */
const char *vault_error(const vault *v);
/* Close without finishing (a writer's file is left incomplete: the caller
 * deletes it). NULL is fine. */
void vault_close(vault *v);

#endif
