/* test_methods.c — GPS rule, keyword normalisation, method lists, recovery codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sodium.h>
#include <string.h>

#include "core/methods.h"
#include "core/recovery.h"
#include "core/rotating.h"
#include "core/rally.h"

static void haversine_matches_known_distances(void **s)
{
	(void)s;
	/* Tokyo Station → Yokohama Station ≈ 27.0 km. */
	double d = haversine_m(35.6812, 139.7671, 35.4658, 139.6223);
	assert_true(fabs(d - 27300) < 500);
	assert_true(haversine_m(35, 139, 35, 139) == 0);
}

static void gps_rule_boundaries(void **s)
{
	(void)s;
	double m = 6371008.8 * M_PI / 180, dist;
	assert_int_equal(gps_check(35, 139, 50, 35 + 49.9 / m, 139, 0, &dist), METHOD_OK);
	assert_int_equal(gps_check(35, 139, 50, 35 + 50.1 / m, 139, 0, &dist), METHOD_TOO_FAR);
	assert_int_equal(gps_check(35, 139, 50, 35 + 99.9 / m, 139, 80, &dist), METHOD_OK);
	assert_int_equal(gps_check(35, 139, 50, 35 + 100.1 / m, 139, 80, &dist), METHOD_TOO_FAR);
	assert_int_equal(gps_check(35, 139, 50, 35, 139, 200.1, &dist), METHOD_POOR_ACCURACY);
	assert_int_equal(gps_check(35, 139, 50, NAN, 139, 5, &dist), METHOD_NEED_GPS);
	assert_int_equal(gps_check(35, 139, 50, 95, 139, 5, &dist), METHOD_NEED_GPS);
}

static void keywords_fold_width_case_and_space(void **s)
{
	(void)s;
	char out[64];
	keyword_normalise("\xe3\x80\x80\xef\xbc\xad\xef\xbd\x89\xef\xbd\x8e\xef\xbc\x91 ", out, sizeof out); /* 　Ｍｉｎ１ */
	assert_string_equal(out, "min1");
	keyword_normalise("  Hello World\t", out, sizeof out);
	assert_string_equal(out, "helloworld");
	keyword_normalise("みなと", out, sizeof out);
	assert_string_equal(out, "ミナト");
	keyword_normalise("   ", out, sizeof out);
	assert_string_equal(out, "");
	/* Cut at a character boundary, never in the middle of one. */
	char small[8];
	keyword_normalise("ミナトミライ", small, sizeof small);
	assert_string_equal(small, "ミナ");
}

/* Pairs a visitor may type for the same keyword: each must hash alike, and
 * the last column says a pair that must not. */
static void keyword_pairs(void **s)
{
	(void)s;
	static const struct {
		const char *set, *typed;
		int same;
	} pairs[] = {
		{"ミナト", "ミナト", 1},
		{"ミナト", "みなと", 1},
		{"ミナト", "ﾐﾅﾄ", 1},          /* half-width katakana */
		{"みなと", "ﾐﾅﾄ", 1},
		{"ガンダム", "ｶﾞﾝﾀﾞﾑ", 1},    /* half-width voiced marks compose */
		{"ラーメン", "らーめん", 1},
		{"ラーメン", "ラ-メン", 1},     /* hyphen-minus for the long-vowel mark */
		{"ラーメン", "ラ－メン", 1},    /* full-width hyphen-minus */
		{"ラーメン", "ラ―メン", 1},    /* horizontal bar */
		{"ラーメン", "ラｰメン", 1},     /* half-width long-vowel mark */
		{"Minato Mirai", "minatomirai", 1},
		{"ＭＩＮＡＴＯ", "minato", 1},
		{"横浜 港", "横浜　港", 1},      /* ideographic space */
		{"横浜港", "横 浜 港", 1},
		{"Straße", "STRASSE", 1},      /* full case folding */
		{"①", "1", 1},                 /* NFKC compatibility forms */
		{"ミナト", "ミナド", 0},
		{"みなと", "みなど", 0},
		{"ミナト", "湊", 0},
		{"ミナト", "", 0},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
		char stored[KEYWORD_HASH_SIZE];
		keyword_hash(pairs[i].set, stored);
		assert_int_equal(strlen(stored), KEYWORD_HASH_SIZE - 1);
		if (keyword_matches(stored, pairs[i].typed) != pairs[i].same)
			fail_msg("%s / %s: expected %s", pairs[i].set, pairs[i].typed, pairs[i].same ? "a match" : "no match");
	}
}

/* Keywords stored under the first rule (64 hex digits, no prefix) keep
 * matching what they matched, and nothing more. */
static void keyword_legacy_hashes(void **s)
{
	(void)s;
	unsigned char d[32];
	char stored[65];
	crypto_hash_sha256(d, (const unsigned char *)"ミナト", strlen("ミナト"));
	sodium_bin2hex(stored, sizeof stored, d, sizeof d);
	assert_true(keyword_is_legacy(stored));
	assert_true(keyword_matches(stored, " ミナト "));
	assert_false(keyword_matches(stored, "みなと"));
	crypto_hash_sha256(d, (const unsigned char *)"abc", 3);
	sodium_bin2hex(stored, sizeof stored, d, sizeof d);
	assert_true(keyword_matches(stored, "ＡＢＣ"));
	assert_false(keyword_matches("", ""));
	char v2[KEYWORD_HASH_SIZE];
	keyword_hash("abc", v2);
	assert_false(keyword_is_legacy(v2));
}

static void method_lists(void **s)
{
	(void)s;
	assert_true(methods_valid("qr"));
	assert_true(methods_valid("qr,gps,keyword,pin,qr_gps"));
	assert_false(methods_valid(""));
	assert_false(methods_valid("qr,"));
	assert_false(methods_valid("qr,magic"));
	assert_true(methods_has("qr,qr_gps", "qr_gps"));
	assert_false(methods_has("qr_gps", "qr"));
	assert_false(methods_has("gps", "qr_gps"));
}

static void recovery_codes_round_trip_and_check_digit(void **s)
{
	(void)s;
	char code[20], canon[12];
	for (int i = 0; i < 200; i++) {
		recovery_new(code, sizeof code);
		assert_int_equal(strlen(code), 13);
		assert_int_equal(recovery_parse(code, canon, sizeof canon), 0);
		/* Any single changed symbol is caught by the check digit. */
		char typo[20];
		strcpy(typo, code);
		typo[0] = typo[0] == '2' ? '3' : '2';
		assert_int_equal(recovery_parse(typo, canon, sizeof canon), -1);
	}
	assert_int_equal(recovery_parse("", canon, sizeof canon), -1);
	assert_int_equal(recovery_parse("0000-0000-000", canon, sizeof canon), -1);
	assert_int_equal(recovery_parse("2222-2222-22222", canon, sizeof canon), -1);
}

static void opening_hours_in_jst_and_across_midnight(void **s)
{
	(void)s;
	/* 2026-04-01 10:30 JST = 01:30 UTC. */
	int64_t t = 1775007000000LL;
	struct spot sp = {.open_from = 10 * 60, .open_until = 11 * 60};
	assert_true(spot_open(&sp, t));
	sp.open_from = 10 * 60 + 31;
	assert_false(spot_open(&sp, t));
	sp.open_from = 22 * 60;
	sp.open_until = 11 * 60; /* 22:00–11:00 crosses midnight */
	assert_true(spot_open(&sp, t));
	sp.open_until = 10 * 60 + 30; /* the end is exclusive */
	assert_false(spot_open(&sp, t));
	sp.open_from = sp.open_until = -1;
	assert_true(spot_open(&sp, t));
}

static void rotating_codes_accept_two_windows_only(void **s)
{
	(void)s;
	unsigned char secret[32];
	randombytes_buf(secret, sizeof secret);
	char c0[24], c1[24], c2[24];
	int64_t w = 60000000; /* a window number */
	rotating_code(secret, "spotA", w, c0);
	rotating_code(secret, "spotA", w - 1, c1);
	rotating_code(secret, "spotA", w - 2, c2);
	int64_t start = w * ROTATING_WINDOW_MS, end = start + ROTATING_WINDOW_MS - 1;
	assert_true(rotating_check(secret, "spotA", c0, start));
	assert_true(rotating_check(secret, "spotA", c0, end));
	assert_true(rotating_check(secret, "spotA", c1, start));     /* previous window: accepted */
	assert_true(rotating_check(secret, "spotA", c1, end));
	assert_false(rotating_check(secret, "spotA", c1, end + 1));  /* two windows old */
	assert_false(rotating_check(secret, "spotA", c2, start));
	assert_false(rotating_check(secret, "spotA", c0, start - 1)); /* not yet valid */
	assert_false(rotating_check(secret, "spotB", c0, start));     /* bound to the spot */
	assert_false(rotating_check(secret, "spotA", "short", start));
}

int main(void)
{
	assert_true(sodium_init() >= 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(haversine_matches_known_distances),
		cmocka_unit_test(gps_rule_boundaries),
		cmocka_unit_test(keywords_fold_width_case_and_space),
		cmocka_unit_test(keyword_pairs),
		cmocka_unit_test(keyword_legacy_hashes),
		cmocka_unit_test(method_lists),
		cmocka_unit_test(recovery_codes_round_trip_and_check_digit),
		cmocka_unit_test(opening_hours_in_jst_and_across_midnight),
		cmocka_unit_test(rotating_codes_accept_two_windows_only),
	};
	return cmocka_run_group_tests_name("methods", tests, NULL, NULL);
}
