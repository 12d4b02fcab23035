/*
 * test_totp.c — TOTP (core/totp.c) against the RFC 6238 test vectors
 * (SHA-1, the 8-digit codes cut to the 6 digits apps show), the ±1 step
 * window, replay (a step not after the last one used), input that is not a
 * code, and new secrets (base32, 160 bits, all different).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/totp.h"

/* "12345678901234567890" in base32: RFC 6238's SHA-1 key. */
static const char *RFC_KEY = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

static void rfc6238_vectors(void **state)
{
	(void)state;
	static const struct { int64_t t; const char *code; } v[] = {
		{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"},
		{1234567890, "005924"}, {2000000000, "279037"}, {20000000000LL, "353130"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char out[7];
		assert_int_equal(totp_code(RFC_KEY, v[i].t / 30, out), 0);
		assert_string_equal(out, v[i].code);
	}
}

static void window_and_replay(void **state)
{
	(void)state;
	int64_t now = 1234567890LL * 1000, step = 1234567890 / 30;
	char before[7], at[7], after[7], far[7];
	totp_code(RFC_KEY, step - 1, before);
	totp_code(RFC_KEY, step, at);
	totp_code(RFC_KEY, step + 1, after);
	totp_code(RFC_KEY, step + 2, far);
	assert_int_equal(totp_match(RFC_KEY, at, now, 0), step);
	assert_int_equal(totp_match(RFC_KEY, before, now, 0), step - 1);
	assert_int_equal(totp_match(RFC_KEY, after, now, 0), step + 1);
	assert_int_equal(totp_match(RFC_KEY, far, now, 0), 0);           /* 60 s ahead: no */
	assert_int_equal(totp_match(RFC_KEY, at, now, step), 0);          /* used: no replay */
	assert_int_equal(totp_match(RFC_KEY, before, now, step - 1), 0); /* nor an older one */
	char spaced[8] = {at[0], at[1], at[2], ' ', at[3], at[4], at[5], 0};
	assert_int_equal(totp_match(RFC_KEY, spaced, now, 0), step);      /* as apps group it */
	assert_int_equal(totp_match(RFC_KEY, "12345", now, 0), 0);
	assert_int_equal(totp_match(RFC_KEY, "1234567", now, 0), 0);
	assert_int_equal(totp_match(RFC_KEY, "12a456", now, 0), 0);
	assert_int_equal(totp_match(RFC_KEY, "", now, 0), 0);
	assert_int_equal(totp_match(NULL, at, now, 0), 0);
	char out[7];
	assert_int_equal(totp_code("not base32!", 1, out), -1);
}

static void new_secrets(void **state)
{
	(void)state;
	char a[40], b[40];
	totp_secret_new(a);
	totp_secret_new(b);
	assert_int_equal(strlen(a), TOTP_SECRET_CHARS);
	assert_string_not_equal(a, b);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), TOTP_SECRET_CHARS);
	char out[7];
	assert_int_equal(totp_code(a, 1, out), 0);
	arena ar = {0};
	const char *uri = totp_uri(&ar, "stamprally", "ops taro", a);
	assert_non_null(strstr(uri, "otpauth://totp/stamprally:ops%20taro?secret="));
	assert_non_null(strstr(uri, "&issuer=stamprally&algorithm=SHA1&digits=6&period=30"));
	arena_free(&ar);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc6238_vectors),
		cmocka_unit_test(window_and_replay),
		cmocka_unit_test(new_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
