/* test_router.c — path patterns, parameters, 404 and 405. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/router.h"

struct row {
	const char *method, *pattern;
	int id;
};

static const struct row rows[] = {
	{"GET", "/", 0},
	{"GET", "/r/{slug}", 1},
	{"POST", "/r/{slug}/join", 2},
	{"GET", "/r/{slug}/card", 3},
	{"POST", "/api/v1/stamps", 4},
	{"GET", "/a/{x}/b/{y}", 5},
	{"PUT", "/r/{slug}", 6},
};

static int match(const char *method, const char *path, const char **params, int *np, char *allow)
{
	static char scratch[512];
	return router_match(rows, sizeof rows / sizeof rows[0], sizeof rows[0], method, path, scratch, params, np,
			    allow, 64);
}

static void literal_and_parameter_routes_match(void **s)
{
	(void)s;
	const char *p[ROUTER_MAX_PARAMS];
	int np;
	char allow[64];
	assert_int_equal(match("GET", "/", p, &np, allow), 0);
	assert_int_equal(np, 0);
	assert_int_equal(match("GET", "/r/minato", p, &np, allow), 1);
	assert_int_equal(np, 1);
	assert_string_equal(p[0], "minato");
	assert_int_equal(match("POST", "/r/minato/join", p, &np, allow), 2);
	assert_string_equal(p[0], "minato");
	assert_int_equal(match("GET", "/a/one/b/two", p, &np, allow), 5);
	assert_int_equal(np, 2);
	assert_string_equal(p[0], "one");
	assert_string_equal(p[1], "two");
}

static void head_is_answered_by_get_routes(void **s)
{
	(void)s;
	const char *p[ROUTER_MAX_PARAMS];
	int np;
	char allow[64];
	assert_int_equal(match("HEAD", "/r/x/card", p, &np, allow), 3);
}

static void unknown_paths_are_not_found(void **s)
{
	(void)s;
	const char *p[ROUTER_MAX_PARAMS];
	int np;
	char allow[64];
	const char *paths[] = {"/r", "/r/", "/r/x/", "/r/x/card/extra", "//", "/R/x", "", "r/x", "/api/v1/stamps/", "/a//b/c"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		assert_int_equal(match("GET", paths[i], p, &np, allow), ROUTER_NOT_FOUND);
}

static void wrong_method_lists_the_allowed_ones(void **s)
{
	(void)s;
	const char *p[ROUTER_MAX_PARAMS];
	int np;
	char allow[64];
	assert_int_equal(match("DELETE", "/r/x", p, &np, allow), ROUTER_BAD_METHOD);
	assert_string_equal(allow, "GET, PUT");
	assert_int_equal(match("GET", "/api/v1/stamps", p, &np, allow), ROUTER_BAD_METHOD);
	assert_string_equal(allow, "POST");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_and_parameter_routes_match),
		cmocka_unit_test(head_is_answered_by_get_routes),
		cmocka_unit_test(unknown_paths_are_not_found),
		cmocka_unit_test(wrong_method_lists_the_allowed_ones),
	};
	return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
