/* test_lottery.c — the entry form's checks (postal code, phone, e-mail, kana,
 * required and length rules) and the draw: a known-answer test against the
 * ChaCha20 keystream of RFC 8439 (appendix A.1, test vector 1), and the
 * shuffle's properties. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "core/lottery.h"

static enum lottery_error check(enum lottery_field f, const char *in, int required, char *out)
{
	return lottery_check(f, in, required, out, 2048);
}

static void postal_codes(void **s)
{
	(void)s;
	char out[2048];
	assert_int_equal(check(LF_POSTAL, "\xe3\x80\x92\xef\xbc\x91\xef\xbc\x90\xef\xbc\x90\xef\xbc\x8d\xef\xbc\x90\xef\xbc\x90"
					  "\xef\xbc\x90\xef\xbc\x91", 1, out), LE_OK); /* 〒１００－０００１ */
	assert_string_equal(out, "100-0001");
	assert_int_equal(check(LF_POSTAL, " 1000001 ", 1, out), LE_OK);
	assert_string_equal(out, "100-0001");
	assert_int_equal(check(LF_POSTAL, "100-001", 1, out), LE_FORMAT);
	assert_int_equal(check(LF_POSTAL, "1000-001", 1, out), LE_FORMAT);
	assert_int_equal(check(LF_POSTAL, "100-00011", 1, out), LE_FORMAT);
	assert_int_equal(check(LF_POSTAL, "abc-defg", 1, out), LE_FORMAT);
	assert_int_equal(check(LF_POSTAL, "", 1, out), LE_REQUIRED);
	assert_int_equal(check(LF_POSTAL, NULL, 0, out), LE_OK);
}

static void phone_numbers(void **s)
{
	(void)s;
	char out[2048];
	assert_int_equal(check(LF_PHONE, "03-1234-5678", 1, out), LE_OK);
	assert_string_equal(out, "0312345678");
	assert_int_equal(check(LF_PHONE, "090 1234 5678", 1, out), LE_OK);
	assert_string_equal(out, "09012345678");
	assert_int_equal(check(LF_PHONE, "+81 3-1234-5678", 1, out), LE_OK);
	assert_string_equal(out, "0312345678");
	assert_int_equal(check(LF_PHONE, "+81 (0)90-1234-5678", 1, out), LE_OK);
	assert_string_equal(out, "09012345678");
	assert_int_equal(check(LF_PHONE, "\xef\xbc\x90\xef\xbc\x93\xe3\x83\xbc" "1234\xe2\x88\x92" "5678", 1, out), LE_OK); /* ０３ー1234−5678 */
	assert_string_equal(out, "0312345678");
	assert_int_equal(check(LF_PHONE, "12345", 1, out), LE_FORMAT);
	assert_int_equal(check(LF_PHONE, "3-1234-5678", 1, out), LE_FORMAT);
	assert_int_equal(check(LF_PHONE, "090-1234-56789", 1, out), LE_FORMAT);
	assert_int_equal(check(LF_PHONE, "03-1234-567x", 1, out), LE_FORMAT);
}

static void email_addresses(void **s)
{
	(void)s;
	char out[2048];
	assert_int_equal(check(LF_EMAIL, " a.b+c@mail.example.co.jp ", 1, out), LE_OK);
	assert_string_equal(out, "a.b+c@mail.example.co.jp");
	assert_int_equal(check(LF_EMAIL, "\xef\xbd\x81@example.jp", 1, out), LE_OK); /* ａ → a */
	assert_string_equal(out, "a@example.jp");
	static const char *bad[] = {"a@b", "a..b@x.jp", ".a@x.jp", "a.@x.jp", "a@-x.jp", "a@x-.jp", "a@x.j", "a@b@c.jp",
				    "a b@x.jp", "@x.jp", "a@", "a@x..jp", "a@x.123", "\xe5\xb1\xb1@x.jp"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(check(LF_EMAIL, bad[i], 1, out), LE_FORMAT);
	char longlocal[80];
	memset(longlocal, 'a', 65);
	strcpy(longlocal + 65, "@x.jp");
	assert_int_equal(check(LF_EMAIL, longlocal, 1, out), LE_FORMAT);
}

static void kana_names(void **s)
{
	(void)s;
	char out[2048];
	assert_int_equal(check(LF_KANA, "\xe3\x82\x84\xe3\x81\xbe\xe3\x81\xa0", 1, out), LE_OK); /* やまだ */
	assert_string_equal(out, "\xe3\x83\xa4\xe3\x83\x9e\xe3\x83\x80");                      /* ヤマダ */
	assert_int_equal(check(LF_KANA, "\xe3\x82\xb5\xe3\x83\x88\xe3\x82\xa6\xe3\x80\x80\xe3\x82\xa4\xe3\x83\x81\xe3\x83\xad"
					"\xe3\x82\xa6", 1, out), LE_OK); /* サトウ　イチロウ */
	assert_int_equal(check(LF_KANA, "\xe3\x83\xa6\xe3\x83\xbc\xe3\x82\xb6\xe3\x83\xbc", 1, out), LE_OK); /* ユーザー */
	assert_int_equal(check(LF_KANA, "\xef\xbe\x94\xef\xbe\x8f\xef\xbe\x80\xef\xbe\x9e", 1, out), LE_FORMAT); /* ﾔﾏﾀﾞ */
	assert_int_equal(check(LF_KANA, "\xe5\xb1\xb1\xe7\x94\xb0", 1, out), LE_FORMAT);                   /* 山田 */
	assert_int_equal(check(LF_KANA, "Yamada", 1, out), LE_FORMAT);
}

static void required_length_and_lines(void **s)
{
	(void)s;
	char out[2048], name[200];
	assert_int_equal(check(LF_NAME, "  ", 1, out), LE_REQUIRED);
	assert_int_equal(check(LF_NAME, "  ", 0, out), LE_OK);
	assert_string_equal(out, "");
	assert_int_equal(check(LF_NAME, "a\nb", 1, out), LE_FORMAT);
	assert_int_equal(check(LF_Q1, "line 1\nline 2", 1, out), LE_OK);
	assert_int_equal(check(LF_Q1, "bell\a", 1, out), LE_FORMAT);
	name[0] = '\0';
	for (int i = 0; i < 50; i++)
		strcat(name, "\xe5\xb1\xb1"); /* 山 × 50: the longest name */
	assert_int_equal(check(LF_NAME, name, 1, out), LE_OK);
	strcat(name, "\xe5\xb1\xb1");
	assert_int_equal(check(LF_NAME, name, 1, out), LE_TOO_LONG);
	assert_int_equal(check(LF_AGE, "30s", 1, out), LE_OK);
	assert_int_equal(check(LF_AGE, "31s", 1, out), LE_FORMAT);
}

static void form_round_trip(void **s)
{
	(void)s;
	arena a = {0};
	struct lottery_form f = {0}, g;
	f.asked[LF_NAME] = f.required[LF_NAME] = 1;
	f.asked[LF_Q2] = 1;
	f.label[LF_Q2] = "\"quoted\" <label>";
	assert_int_equal(lottery_form_parse(&a, lottery_form_json(&a, &f), &g), 0);
	assert_true(g.asked[LF_NAME] && g.required[LF_NAME] && g.asked[LF_Q2] && !g.required[LF_Q2] && !g.asked[LF_EMAIL]);
	assert_string_equal(g.label[LF_Q2], "\"quoted\" <label>");
	assert_int_equal(lottery_form_parse(&a, "[1]", &g), -1);
	arena_free(&a);
}

/* RFC 8439 A.1 vector 1: the all-zero key's keystream starts 76 b8 e0 ad,
 * a0 f1 3d 90, 40 5d 6a e5 — words 0xade0b876, 0x903df1a0, 0xe56a5d40. Over
 * ten candidates the picks are 0xade0b876 % 10 = 4, 1 + 0x903df1a0 % 9 = 4,
 * 2 + 0xe56a5d40 % 8 = 2. */
static void draw_known_answer(void **s)
{
	(void)s;
	unsigned char seed[32] = {0};
	int64_t c[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	lottery_shuffle(seed, c, 10, 3);
	assert_int_equal(c[0], 5);
	assert_int_equal(c[1], 1);
	assert_int_equal(c[2], 3);
}

static void draw_is_a_permutation_and_repeatable(void **s)
{
	(void)s;
	unsigned char seed[32];
	int64_t a[1000], b[1000], seen[1001] = {0};
	randombytes_buf(seed, sizeof seed);
	for (int i = 0; i < 1000; i++)
		a[i] = b[i] = i + 1;
	lottery_shuffle(seed, a, 1000, 1000);
	lottery_shuffle(seed, b, 1000, 1000);
	assert_memory_equal(a, b, sizeof a);
	for (int i = 0; i < 1000; i++)
		seen[a[i]]++;
	for (int i = 1; i <= 1000; i++)
		assert_int_equal(seen[i], 1);
	seed[0] ^= 1;
	for (int i = 0; i < 1000; i++)
		b[i] = i + 1;
	lottery_shuffle(seed, b, 1000, 1000);
	assert_memory_not_equal(a, b, sizeof a);
	int64_t one[1] = {42};
	lottery_shuffle(seed, one, 1, 5); /* more winners asked than candidates */
	assert_int_equal(one[0], 42);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(postal_codes),
		cmocka_unit_test(phone_numbers),
		cmocka_unit_test(email_addresses),
		cmocka_unit_test(kana_names),
		cmocka_unit_test(required_length_and_lines),
		cmocka_unit_test(form_round_trip),
		cmocka_unit_test(draw_known_answer),
		cmocka_unit_test(draw_is_a_permutation_and_repeatable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
