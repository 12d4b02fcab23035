/*
 * test_password.c — the rules for new staff passwords (NIST SP 800-63B) and
 * Unicode normalisation before hashing and comparing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/password.h"

static const char *const CONTEXT[] = {"stamprally", "hanako", "minato-kanko", "みなと観光協会"};

/* The reason key for pw, or "ok". */
static const char *why(const char *pw)
{
	const char *k = password_policy(pw, CONTEXT, 4);
	return k ? k : "ok";
}

static void repetitive_sequential_and_context_words_are_refused(void **state)
{
	(void)state;
	const char *simple[] = {"aaaaaaaa", "abcdefgh", "ABCDEFGH", "12345678", "87654321", "abcabcabc", "1212121212",
				"qwertyui", "zyxwvuts", "hgfedcba"};
	for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
		assert_string_equal(why(simple[i]), "password.too_simple");
	const char *context[] = {"stamprally", "StampRally2026!", "my-hanako-pass", "minato-kanko-1", "みなと観光協会のパスワード"};
	for (size_t i = 0; i < sizeof context / sizeof context[0]; i++)
		assert_string_equal(why(context[i]), "password.context");
	assert_string_equal(why("short"), "password.too_short");
	assert_string_equal(why("ａｂｃｄｅｆｇｈ"), "password.too_simple"); /* full-width folds to abcdefgh */
	assert_string_equal(why("\xff\xfe not utf-8 at all"), "password.invalid");
	assert_string_equal(why("walking the harbour at dawn"), "ok");
	assert_string_equal(why("港の朝焼けを歩く"), "ok");
}

static void nfkc_forms_of_one_password_match(void **state)
{
	(void)state;
	char *n = password_normalise("ｐａｓｓ　ワード");
	assert_string_equal(n, "pass ワード");
	free(n);
	char hash[crypto_pwhash_STRBYTES];
	const char *nfc = "caf\xc3\xa9 au lait matin";   /* é precomposed */
	const char *nfd = "cafe\xcc\x81 au lait matin";  /* e + combining acute */
	assert_int_equal(password_hash(nfc, hash, sizeof hash), 0);
	assert_true(password_verify(hash, nfd));
	assert_true(password_verify(hash, nfc));
	assert_false(password_verify(hash, "cafe au lait matin"));
	/* a hash made from the bytes as typed before normalisation still opens */
	assert_int_equal(crypto_pwhash_str_alg(hash, nfd, strlen(nfd), crypto_pwhash_OPSLIMIT_INTERACTIVE,
					       crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13), 0);
	assert_true(password_verify(hash, nfd));
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(repetitive_sequential_and_context_words_are_refused),
		cmocka_unit_test(nfkc_forms_of_one_password_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
