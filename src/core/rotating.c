/*
 * rotating.c — see rotating.h.
 */
#include "core/rotating.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/seal.h"
#include "store/writer.h"


void rotating_code(const unsigned char secret[32], const char *spot, int64_t window, char out[24])
{
	char msg[128];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char b64[48];
	snprintf(msg, sizeof msg, "rot:%s:%lld", spot, (long long)window);
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg), secret);
	sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	memcpy(out, b64, 22);
	out[22] = '\0';
}

int rotating_check(const unsigned char secret[32], const char *spot, const char *code, int64_t now)
{
	int64_t w = now / ROTATING_WINDOW_MS;
	if (!code || strlen(code) != 22)
		return 0;
	for (int64_t k = w; k >= w - 1; k--) {
		char expect[24];
		rotating_code(secret, spot, k, expect);
		if (sodium_memcmp(expect, code, 22) == 0)
			return 1;
	}
	return 0;
}

/* The first rotating secret of a spot, written from any transaction (the
 * desk screen that needs it first is a read-only GET). */
struct new_secret {
	int64_t spot_id;
	const char *sealed;
	int stored;
	char *theirs; /* heap: the secret another request stored first */
};

static int store_secret(db *d, void *arg)
{
	struct new_secret *j = arg;
	if (db_exec(d, "UPDATE spots SET rotating_secret = $1 WHERE id = $2 AND rotating_secret = ''", "ti", j->sealed,
		    j->spot_id) != DB_DONE)
		return DB_ERROR;
	j->stored = db_changes(d) == 1;
	if (!j->stored) /* the write transaction sees the one stored first */
		j->theirs = db_text1(d, "SELECT rotating_secret FROM spots WHERE id = $1", "i", j->spot_id);
	return 0;
}

/* The 32 bytes of a sealed secret's base64; 0, or -1 when it is not one. */
static int open_secret(arena *a, const char *sealed, unsigned char secret[32])
{
	const char *opened = sealed && *sealed ? unseal(a, sealed) : NULL;
	size_t n = 0;
	return opened && sodium_base642bin(secret, 32, opened, strlen(opened), NULL, &n, NULL,
					   sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 && n == 32 ? 0 : -1;
}

int spot_rotating_secret(db *d, arena *a, int64_t spot_id, unsigned char secret[32])
{
	char *sealed = db_text1(d, "SELECT rotating_secret FROM spots WHERE id = $1", "i", spot_id);
	int rc = open_secret(a, sealed, secret);
	free(sealed);
	if (rc == 0)
		return 0;
	char b64[48];
	randombytes_buf(secret, 32);
	sodium_bin2base64(b64, sizeof b64, secret, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	struct new_secret job = {spot_id, seal(a, b64), 0, NULL};
	sodium_memzero(b64, sizeof b64);
	if (!job.sealed || db_write(d, store_secret, &job) < 0)
		return -1;
	/* 0 rows: another request stored one first (this request's snapshot may
	 * not show it); the write transaction read it, and every screen shows it. */
	rc = job.stored ? 0 : open_secret(a, job.theirs, secret);
	free(job.theirs);
	return rc;
}
