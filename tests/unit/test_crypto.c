/* test_crypto.c — HS256 ID token verification and sealing at rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "lib/jwt.h"
#include "lib/seal.h"

/* Build header.payload.signature with HMAC-SHA256 under key. */
static void make_jwt(const char *header, const char *payload, const char *key, char *out, size_t n)
{
	char h[256], p[512], s[64];
	unsigned char mac[32];
	sodium_bin2base64(h, sizeof h, (const unsigned char *)header, strlen(header), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(p, sizeof p, (const unsigned char *)payload, strlen(payload), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char signing[800];
	snprintf(signing, sizeof signing, "%s.%s", h, p);
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)signing, strlen(signing));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(s, sizeof s, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(out, n, "%s.%s", signing, s);
}

static void hs256_round_trip_and_refusals(void **state)
{
	(void)state;
	char t[1024];
	json_t *claims;
	make_jwt("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"sub\":\"U1\",\"aud\":\"123\"}", "secret", t, sizeof t);
	assert_int_equal(jwt_verify_hs256(t, "secret", &claims), JWT_OK);
	assert_string_equal(json_string_value(json_object_get(claims, "sub")), "U1");
	json_decref(claims);
	assert_int_equal(jwt_verify_hs256(t, "other", &claims), JWT_BAD_SIGNATURE);
	assert_null(claims);
	t[strlen(t) - 2] ^= 1;
	assert_int_equal(jwt_verify_hs256(t, "secret", &claims), JWT_BAD_SIGNATURE);
	make_jwt("{\"alg\":\"none\"}", "{\"sub\":\"U1\"}", "secret", t, sizeof t);
	assert_int_equal(jwt_verify_hs256(t, "secret", &claims), JWT_BAD_ALG);
	make_jwt("{\"alg\":\"ES256\"}", "{\"sub\":\"U1\"}", "secret", t, sizeof t);
	assert_int_equal(jwt_verify_hs256(t, "secret", &claims), JWT_BAD_ALG);
	make_jwt("{\"alg\":\"hs256\"}", "{\"sub\":\"U1\"}", "secret", t, sizeof t);
	assert_int_equal(jwt_verify_hs256(t, "secret", &claims), JWT_BAD_ALG);
	const char *bad[] = {"", "a.b", "a.b.c.d", "!!!.???.***", "e30.e30", NULL};
	for (int i = 0; bad[i]; i++)
		assert_int_equal(jwt_verify_hs256(bad[i], "secret", &claims), JWT_MALFORMED);
	assert_int_equal(jwt_verify_hs256(NULL, "secret", &claims), JWT_MALFORMED);
}

static void sealed_values_open_only_unchanged(void **state)
{
	(void)state;
	unsigned char key[32];
	randombytes_buf(key, sizeof key);
	seal_set_key(key);
	arena a = {0};
	const char *s1 = seal(&a, "山田 花子"), *s2 = seal(&a, "山田 花子");
	assert_string_not_equal(s1, s2); /* fresh nonce each time */
	assert_null(strstr(s1, "山田"));
	assert_string_equal(unseal(&a, s1), "山田 花子");
	char *tampered = arena_strdup(&a, s1);
	tampered[30] = tampered[30] == 'A' ? 'B' : 'A';
	assert_null(unseal(&a, tampered));
	assert_null(unseal(&a, "not-sealed"));
	assert_null(unseal(&a, ""));
	key[0] ^= 1;
	seal_set_key(key);
	assert_null(unseal(&a, s1));
	arena_free(&a);
}

int main(void)
{
	assert_true(sodium_init() >= 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hs256_round_trip_and_refusals),
		cmocka_unit_test(sealed_values_open_only_unchanged),
	};
	return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}
