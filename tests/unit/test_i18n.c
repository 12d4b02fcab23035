/* test_i18n.c — language choice and the catalogs' completeness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "lib/assets.h"
#include "lib/i18n.h"

static void japanese_is_the_default(void **s)
{
	(void)s;
	assert_int_equal(i18n_choose(NULL, NULL, NULL), LANG_JA);
	assert_int_equal(i18n_choose(NULL, NULL, ""), LANG_JA);
	assert_int_equal(i18n_choose(NULL, NULL, "fr-FR,de;q=0.5"), LANG_JA);
	assert_int_equal(i18n_choose("xx", "yy", "zz"), LANG_JA);
}

static void accept_language_by_q_value(void **s)
{
	(void)s;
	assert_int_equal(i18n_choose(NULL, NULL, "en-US,en;q=0.9"), LANG_EN);
	assert_int_equal(i18n_choose(NULL, NULL, "ja,en;q=0.8"), LANG_JA);
	assert_int_equal(i18n_choose(NULL, NULL, "en;q=0.3, ja;q=0.9"), LANG_JA);
	assert_int_equal(i18n_choose(NULL, NULL, "fr, en;q=0.2"), LANG_EN);
	assert_int_equal(i18n_choose(NULL, NULL, "ja-JP"), LANG_JA);
	assert_int_equal(i18n_choose(NULL, NULL, "EN"), LANG_EN);
	assert_int_equal(i18n_choose(NULL, NULL, "english"), LANG_JA);
	assert_int_equal(i18n_choose(NULL, NULL, ",,;q=,en;q=abc"), LANG_EN);
}

static void explicit_choice_then_cookie_win(void **s)
{
	(void)s;
	assert_int_equal(i18n_choose("en", "ja", "ja"), LANG_EN);
	assert_int_equal(i18n_choose(NULL, "en", "ja"), LANG_EN);
	assert_int_equal(i18n_choose("bogus", "en", "ja"), LANG_EN);
	assert_int_equal(i18n_choose(NULL, "ja", "en"), LANG_JA);
}

static void chinese_and_korean(void **s)
{
	(void)s;
	assert_int_equal(i18n_choose(NULL, NULL, "zh-CN,zh;q=0.9"), LANG_ZH_HANS);
	assert_int_equal(i18n_choose(NULL, NULL, "zh"), LANG_ZH_HANS);
	assert_int_equal(i18n_choose(NULL, NULL, "zh-Hans-CN"), LANG_ZH_HANS);
	assert_int_equal(i18n_choose(NULL, NULL, "zh-TW"), LANG_ZH_HANT);
	assert_int_equal(i18n_choose(NULL, NULL, "zh-Hant-HK"), LANG_ZH_HANT);
	assert_int_equal(i18n_choose(NULL, NULL, "zh_HK"), LANG_ZH_HANT);
	assert_int_equal(i18n_choose(NULL, NULL, "ko-KR,ko;q=0.9,en;q=0.5"), LANG_KO);
	assert_int_equal(i18n_choose(NULL, NULL, "zhx"), LANG_JA);
	assert_string_equal(i18n_code(LANG_ZH_HANT), "zh-Hant");
	assert_int_equal(i18n_init(), 0);
	/* Chinese and Korean cover the participant's pages; the console falls back to English */
	assert_string_equal(i18n_text(LANG_KO, "rally.join"), "참가하기");
	assert_string_equal(i18n_text(LANG_ZH_HANS, "console.rallies"), "Rallies");
}

static void both_catalogs_have_the_same_keys(void **s)
{
	(void)s;
	assert_int_equal(i18n_init(), 0);
	json_error_t e;
	const struct asset *ja = asset_find("i18n/ja.json"), *en = asset_find("i18n/en.json");
	json_t *j = json_loadb((const char *)ja->data, ja->len, 0, &e), *n = json_loadb((const char *)en->data, en->len, 0, &e);
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v) {
		if (!json_object_get(n, k))
			fail_msg("en.json lacks %s", k);
	}
	json_object_foreach(n, k, v) {
		if (!json_object_get(j, k))
			fail_msg("ja.json lacks %s", k);
	}
	assert_string_equal(i18n_text(LANG_EN, "rally.join"), "Join");
	assert_string_equal(i18n_text(LANG_JA, "rally.join"), "参加する");
	assert_null(i18n_text(LANG_EN, "no.such.key"));
	json_decref(j);
	json_decref(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(japanese_is_the_default),
		cmocka_unit_test(accept_language_by_q_value),
		cmocka_unit_test(explicit_choice_then_cookie_win),
		cmocka_unit_test(both_catalogs_have_the_same_keys),
		cmocka_unit_test(chinese_and_korean),
	};
	return cmocka_run_group_tests_name("i18n", tests, NULL, NULL);
}
