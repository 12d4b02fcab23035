/*
 * seal.c — see seal.h.  Format: base64url(nonce[24] || ciphertext+tag).
 */
#include "lib/seal.h"

#include <sodium.h>
#include <string.h>

static unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
static unsigned char old_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
static int have_old;

void seal_set_key(const unsigned char k[32])
{
	memcpy(key, k, sizeof key);
}

void seal_set_old_key(const unsigned char k[32])
{
	have_old = k != NULL;
	if (k)
		memcpy(old_key, k, sizeof old_key);
	else
		sodium_memzero(old_key, sizeof old_key);
}

const char *seal(arena *a, const char *text)
{
	size_t n = strlen(text), clen = n + crypto_aead_xchacha20poly1305_ietf_ABYTES;
	size_t raw_len = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + clen;
	unsigned char *raw = arena_alloc(a, raw_len);
	randombytes_buf(raw, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	unsigned long long got;
	crypto_aead_xchacha20poly1305_ietf_encrypt(raw + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &got,
						   (const unsigned char *)text, n, NULL, 0, NULL, raw, key);
	size_t b64 = sodium_base64_ENCODED_LEN(raw_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, b64);
	sodium_bin2base64(out, b64, raw, raw_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

const char *unseal(arena *a, const char *sealed)
{
	size_t slen = sealed ? strlen(sealed) : 0, raw_len;
	if (slen == 0 || slen > 1 << 20)
		return NULL;
	unsigned char *raw = arena_alloc(a, slen);
	if (sodium_base642bin(raw, slen, sealed, slen, NULL, &raw_len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    raw_len < crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
		return NULL;
	size_t clen = raw_len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	char *out = arena_alloc(a, clen + 1);
	unsigned long long n;
	const unsigned char *c = raw + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &n, NULL, c, clen, NULL, 0, raw, key) != 0 &&
	    (!have_old ||
	     crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &n, NULL, c, clen, NULL, 0, raw, old_key) != 0))
		return NULL;
	out[n] = '\0';
	return out;
}
