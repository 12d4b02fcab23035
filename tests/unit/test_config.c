/* test_config.c — defaults, the INI file, environment overrides, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	strcpy(path, "/tmp/stamprally-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	return path;
}

static void defaults_need_nothing(void **s)
{
	(void)s;
	config c;
	config_defaults(&c);
	config_finish(&c);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_string_equal(c.public_url, "http://localhost:8080");
	assert_string_equal(c.data_dir, "./data");
	assert_string_equal(c.database, "./data/stamprally.db");
	assert_string_equal(c.secret_key_file, "./data/secret.key");
	assert_string_equal(c.durability, "normal");
	assert_int_equal(c.max_body, 65536);
	assert_int_equal(c.secure_cookies, 0);
}

static void file_sections_and_quotes(void **s)
{
	(void)s;
	config c;
	char err[256];
	config_defaults(&c);
	const char *p = write_tmp("# comment\n; other comment\n\n[server]\nlisten = 0.0.0.0:9000\npublic_url = \"https://stamp.example.jp/\"\n"
				  "[limits]\nmax_body=1024\n[store]\ndata_dir = /var/lib/stamprally\n");
	assert_int_equal(config_load_file(&c, p, err, sizeof err), 0);
	unlink(p);
	config_finish(&c);
	assert_string_equal(c.listen, "0.0.0.0:9000");
	assert_string_equal(c.public_url, "https://stamp.example.jp");
	assert_int_equal(c.max_body, 1024);
	assert_string_equal(c.database, "/var/lib/stamprally/stamprally.db");
	assert_int_equal(c.secure_cookies, 1);
}

static void environment_overrides_the_file(void **s)
{
	(void)s;
	config c;
	char err[256];
	config_defaults(&c);
	char *env[] = {"STAMPRALLY_SERVER_LISTEN=[::1]:7000", "STAMPRALLY_LIMITS_MAX_URL=100", "UNRELATED=1",
		       "STAMPRALLY_SERVER_ACCESS_LOG=off", NULL};
	assert_int_equal(config_load_env(&c, env, err, sizeof err), 0);
	config_finish(&c);
	assert_string_equal(c.listen, "[::1]:7000");
	assert_string_equal(c.public_url, "http://localhost:7000");
	assert_int_equal(c.max_url, 100);
	assert_int_equal(c.access_log, 0);
}

static void bad_values_are_reported_with_the_line(void **s)
{
	(void)s;
	config c;
	char err[256];
	config_defaults(&c);
	const char *p = write_tmp("[limits]\nmax_body = 10\n");
	assert_int_equal(config_load_file(&c, p, err, sizeof err), -1);
	assert_non_null(strstr(err, ":2: limits.max_body"));
	p = write_tmp("[nope]\nkey = 1\n");
	assert_int_equal(config_load_file(&c, p, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown configuration key 'nope.key'"));
	p = write_tmp("just text\n");
	assert_int_equal(config_load_file(&c, p, err, sizeof err), -1);
	assert_non_null(strstr(err, "expected key = value"));
	p = write_tmp("[unclosed\n");
	assert_int_equal(config_load_file(&c, p, err, sizeof err), -1);
	unlink(p);
	char *env[] = {"STAMPRALLY_SERVER_THREADS=many", NULL};
	assert_int_equal(config_load_env(&c, env, err, sizeof err), -1);
	assert_int_equal(config_load_file(&c, "/nonexistent/file.ini", err, sizeof err), -1);
}

static void too_long_strings_are_refused(void **s)
{
	(void)s;
	config c;
	char err[256], big[2000];
	config_defaults(&c);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(config_set(&c, "server.listen", big, err, sizeof err), -1);
	assert_string_equal(c.listen, "127.0.0.1:8080");
}

static int counted;
static void count(const char *k, const char *d, const char *doc, void *ud)
{
	(void)d, (void)ud;
	assert_true(strchr(k, '.') != NULL);
	assert_true(strlen(doc) > 10);
	counted++;
}

static void every_key_is_documented(void **s)
{
	(void)s;
	config_describe(count, NULL);
	assert_true(counted >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_need_nothing),
		cmocka_unit_test(file_sections_and_quotes),
		cmocka_unit_test(environment_overrides_the_file),
		cmocka_unit_test(bad_values_are_reported_with_the_line),
		cmocka_unit_test(too_long_strings_are_refused),
		cmocka_unit_test(every_key_is_documented),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
