/*
 * test_kinds.c — every domain kind parses from its stored name and back,
 * and anything else is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/kinds.h"
#include "core/methods.h"

/* parse(name(v)) == v for every value; unknown spellings are -1. */
static void every_kind_round_trips_and_unknowns_are_refused(void **state)
{
	(void)state;
	for (int v = 0; v < STATUS_N; v++)
		assert_int_equal(rally_status_parse(rally_status_name((enum rally_status)v)), v);
	for (int v = 0; v < JOIN_N; v++)
		assert_int_equal(join_policy_parse(join_policy_name((enum join_policy)v)), v);
	for (int v = 0; v < REPEAT_N; v++)
		assert_int_equal(repeat_mode_parse(repeat_mode_name((enum repeat_mode)v)), v);
	for (int v = 0; v < TIER_N; v++)
		assert_int_equal(tier_kind_parse(tier_kind_name((enum tier_kind)v)), v);
	for (int v = 0; v < COND_N; v++)
		assert_int_equal(tier_condition_parse(tier_condition_name((enum tier_condition)v)), v);
	for (int m = SM_QR; m < SM_COUNT; m++)
		assert_int_equal(stamp_method_parse(stamp_method_name((enum stamp_method)m), -1), m);
	const char *bad[] = {NULL, "", "Published", "draft ", "coupons", "line-optional", "QR", "rotating"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(rally_status_parse(bad[i]), -1);
		assert_int_equal(join_policy_parse(bad[i]), -1);
		assert_int_equal(repeat_mode_parse(bad[i]), -1);
		assert_int_equal(tier_kind_parse(bad[i]), -1);
		assert_int_equal(tier_condition_parse(bad[i]), -1);
		assert_int_equal(stamp_method_parse(bad[i], -1), SM_NONE);
	}
	assert_string_equal(rally_status_name((enum rally_status)99), "");
	assert_string_equal(stamp_method_name(SM_NONE), "");
	/* a method list: every item known, no empty item */
	assert_int_equal(methods_mask("qr,gps"), (1u << SM_QR) | (1u << SM_GPS));
	assert_int_equal(methods_mask("qr,"), 0);
	assert_int_equal(methods_mask("qr,,gps"), 0);
	assert_int_equal(methods_mask("qr,bogus"), 0);
	assert_int_equal(methods_mask(""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_round_trips_and_unknowns_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
