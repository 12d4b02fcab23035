/*
 * secret.c — see secret.h.
 */
#include "core/secret.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>

#include "store/db.h"

int secret_hash(const char *secret, char out[SECRET_HASH_BYTES])
{
	assert(!db_write_lock_held()); /* never argon2id under the write lock */
	out[0] = '\0';
	if (!secret || !*secret)
		return 0;
	return crypto_pwhash_str_alg(out, secret, strlen(secret), crypto_pwhash_OPSLIMIT_INTERACTIVE, 8u << 20,
				     crypto_pwhash_ALG_ARGON2ID13);
}

int secret_matches(const char *hash, const char *secret)
{
	assert(!db_write_lock_held());
	return hash && *hash && secret && strlen(secret) <= 256 &&
	       crypto_pwhash_str_verify(hash, secret, strlen(secret)) == 0;
}

int secret_same(const char *proven, const char *stored)
{
	return proven && stored && *proven && strcmp(proven, stored) == 0;
}
