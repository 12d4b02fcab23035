/*
 * jwt.c — see jwt.h.
 */
#include "lib/jwt.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define JWT_MAX 8192

/* Decode base64url [s, s+n) into a JSON object; NULL when not one. */
static json_t *part_json(const char *s, size_t n)
{
	unsigned char buf[JWT_MAX];
	size_t len;
	if (sodium_base642bin(buf, sizeof buf, s, n, NULL, &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	json_t *j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

enum jwt_result jwt_verify_hs256(const char *token, const char *secret, json_t **claims)
{
	*claims = NULL;
	size_t n = token ? strlen(token) : 0;
	const char *d1 = n && n < JWT_MAX ? strchr(token, '.') : NULL;
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (!d2 || strchr(d2 + 1, '.'))
		return JWT_MALFORMED;
	json_t *header = part_json(token, (size_t)(d1 - token));
	json_t *payload = part_json(d1 + 1, (size_t)(d2 - d1 - 1));
	enum jwt_result rc = JWT_OK;
	if (!header || !payload)
		rc = JWT_MALFORMED;
	else if (!json_is_string(json_object_get(header, "alg")) ||
		 strcmp(json_string_value(json_object_get(header, "alg")), "HS256") != 0)
		rc = JWT_BAD_ALG;
	if (rc == JWT_OK) {
		unsigned char mac[crypto_auth_hmacsha256_BYTES], sig[64];
		size_t siglen;
		crypto_auth_hmacsha256_state st;
		crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)token, (size_t)(d2 - token));
		crypto_auth_hmacsha256_final(&st, mac);
		if (sodium_base642bin(sig, sizeof sig, d2 + 1, strlen(d2 + 1), NULL, &siglen, NULL,
				      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
		    siglen != sizeof mac || sodium_memcmp(sig, mac, sizeof mac) != 0)
			rc = JWT_BAD_SIGNATURE;
	}
	json_decref(header);
	if (rc == JWT_OK)
		*claims = payload;
	else
		json_decref(payload);
	return rc;
}
