/*
 * password.h — staff passwords (NIST SP 800-63B): the rules a new one must
 * meet, Unicode normalisation (NFKC, so a password typed in another
 * composition form still matches), argon2id hashing, and the bound on how
 * many argon2id computations run at once.
 */
#ifndef SR_PASSWORD_H
#define SR_PASSWORD_H

#include <stddef.h>

#define PASSWORD_MIN_CHARS 8
#define PASSWORD_MAX_CHARS 128

/* Load the list of common passwords (one per line, '#!comment' lines
 * skipped). Returns the count, or -1 when the file cannot be read. */
int password_blocklist_load(const char *path);
/* Check a new password against the rules: NULL when acceptable, else the
 * catalog key of the reason — too short or long (in characters, after
 * NFKC), repetitive ("aaaaaaaa", "abcabcab") or sequential ("abcdefgh",
 * "87654321", "qwertyui"), in the common-password list, or containing one
 * of the context words (the service's name, the tenant's name and slug, the
 * login ID; words under 4 characters are ignored), case-insensitively. */
const char *password_policy(const char *password, const char *const *context, int ncontext);
/* The password in Unicode NFKC as a new heap string (caller frees), or NULL
 * when it is not valid UTF-8. */
char *password_normalise(const char *password);
/* argon2id hash of the normalised password into out (crypto_pwhash_STRBYTES). 0 or -1. */
int password_hash(const char *password, char *out, size_t outsz);
/* True when password (normalised; for hashes from before normalisation
 * also as typed) matches hash. */
int password_verify(const char *hash, const char *password);
/* argon2id is 64 MiB and tens of ms of CPU: it runs only on PASSWORD_SLOTS
 * threads of its own at the lowest priority (nice 19), never on a thread
 * that serves connections, so a flood of logins costs bounded memory and
 * leaves the CPU to stamp claims and pages. password_submit queues
 * fn(arg, expired) for one of them and returns at once: 0, or -1 when the
 * queue (PASSWORD_QUEUE_MAX) is full. A job that waited longer than
 * PASSWORD_WAIT_MS runs with expired set and must skip its argon2id (the
 * request answers 503 with Retry-After). */
#define PASSWORD_SLOTS 1
#define PASSWORD_QUEUE_MAX 64
#define PASSWORD_WAIT_MS 5000
int password_submit(void (*fn)(void *arg, int expired), void *arg);
/* A random strong password (20 characters, ~110 bits) into out (≥ 24 bytes). */
void password_random(char *out, size_t outsz);

#endif
