/* test_rewards.c — coupon codes as staff type them at the desk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/rewards.h"

static void desk_codes_fold_to_the_stored_form(void **s)
{
	(void)s;
	static const char *const same[] = {
		"WDR9-W34V", "WDR9W34V", "wdr9w34v", "wdr9-w34v", " WDR9 W34V ", "ＷＤＲ９－Ｗ３４Ｖ", "WDR9ーW34V", "WDR9\xe3\x80\x80W34V",
	};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
		char out[REWARD_CODE_SIZE] = "";
		if (reward_code_normalise(same[i], out) != 0)
			fail_msg("%s: refused", same[i]);
		assert_string_equal(out, "WDR9-W34V");
	}
	static const char *const bad[] = {"", "WDR9-W34", "WDR9-W34VX", "WDR9_W34V", "WDR9-W34V;", "ミナト", "WDR9-W34V\n", "--------"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char out[REWARD_CODE_SIZE];
		if (reward_code_normalise(bad[i], out) == 0)
			fail_msg("'%s' taken for %s", bad[i], out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(desk_codes_fold_to_the_stored_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
