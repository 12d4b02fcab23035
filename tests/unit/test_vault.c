/*
 * test_vault.c — the backup file format (lib/vault.c): what goes in comes
 * out; another key, a flipped bit anywhere, a cut anywhere, bytes after the
 * end are each an error, never wrong data. Also the schedule arithmetic the
 * jobs thread uses (lib/timeutil.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "lib/timeutil.h"
#include "lib/vault.h"

static char path[64];
static unsigned char key[32], other[32];
static unsigned char *data;
static const size_t DATA_LEN = 300000; /* several chunks */

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	snprintf(path, sizeof path, "/tmp/test_vault_%d.srbk", (int)getpid());
	randombytes_buf(key, sizeof key);
	randombytes_buf(other, sizeof other);
	data = malloc(DATA_LEN);
	for (size_t i = 0; i < DATA_LEN; i++) /* compressible, not constant */
		data[i] = (unsigned char)(i % 251 < 200 ? 'a' + i % 7 : randombytes_uniform(256));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	free(data);
	return 0;
}

/* Write data into the vault at path in uneven pieces. */
static void write_vault(void)
{
	char err[200];
	vault *v = vault_create(path, key, err, sizeof err);
	assert_non_null(v);
	for (size_t off = 0; off < DATA_LEN;) {
		size_t n = off % 3 ? 1000 : 77777;
		if (n > DATA_LEN - off)
			n = DATA_LEN - off;
		assert_int_equal(vault_write(v, data + off, n), 0);
		off += n;
	}
	unsigned char sha[32];
	long long size;
	assert_int_equal(vault_finish(v, sha, &size, err, sizeof err), 0);
	assert_true(size > 40 && size < (long long)DATA_LEN);
}

/* Read the whole vault with k: 0 and the data, or -1 (message in err). */
static int read_vault(const unsigned char *k, unsigned char **out, size_t *len, char *err, size_t errsz)
{
	vault *v = vault_open(path, k, err, errsz);
	if (!v)
		return -1;
	size_t cap = DATA_LEN + 100000;
	*out = malloc(cap);
	*len = 0;
	ssize_t r;
	while ((r = vault_read(v, *out + *len, 4096)) > 0)
		*len += (size_t)r;
	if (r < 0)
		snprintf(err, errsz, "%s", vault_error(v));
	vault_close(v);
	return r < 0 ? -1 : 0;
}

static long file_size(void)
{
	FILE *f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fclose(f);
	return n;
}

static void round_trip(void **state)
{
	(void)state;
	write_vault();
	unsigned char *out;
	size_t len;
	char err[200];
	assert_int_equal(read_vault(key, &out, &len, err, sizeof err), 0);
	assert_int_equal(len, DATA_LEN);
	assert_memory_equal(out, data, DATA_LEN);
	free(out);
}

static void another_key_is_named(void **state)
{
	(void)state;
	write_vault();
	unsigned char *out = NULL;
	size_t len;
	char err[200];
	assert_int_equal(read_vault(other, &out, &len, err, sizeof err), -1);
	assert_non_null(strstr(err, "was made with backup key"));
	free(out);
}

/* Flip one bit at every 997th byte (header, key id, chunk lengths, ciphertext, tags). */
static void every_flipped_bit_is_caught(void **state)
{
	(void)state;
	write_vault();
	long n = file_size();
	for (long at = 0; at < n; at += at < 64 ? 1 : 997) {
		FILE *f = fopen(path, "r+b");
		fseek(f, at, SEEK_SET);
		int c = fgetc(f);
		fseek(f, at, SEEK_SET);
		fputc(c ^ 0x10, f);
		fclose(f);
		unsigned char *out = NULL;
		size_t len;
		char err[200];
		assert_int_equal(read_vault(key, &out, &len, err, sizeof err), -1);
		free(out);
		f = fopen(path, "r+b");
		fseek(f, at, SEEK_SET);
		fputc(c, f);
		fclose(f);
	}
}

static void every_cut_is_caught(void **state)
{
	(void)state;
	write_vault();
	long n = file_size();
	for (long keep = 0; keep < n; keep += keep < 64 ? 1 : 1013) {
		write_vault();
		assert_int_equal(truncate(path, keep), 0);
		unsigned char *out = NULL;
		size_t len;
		char err[200];
		assert_int_equal(read_vault(key, &out, &len, err, sizeof err), -1);
		free(out);
	}
}

static void bytes_after_the_end_are_caught(void **state)
{
	(void)state;
	write_vault();
	FILE *f = fopen(path, "ab");
	fputc('x', f);
	fclose(f);
	unsigned char *out = NULL;
	size_t len;
	char err[200];
	assert_int_equal(read_vault(key, &out, &len, err, sizeof err), -1);
	assert_non_null(strstr(err, "after the end"));
	free(out);
}

static void schedules_in_japan_time(void **state)
{
	(void)state;
	int64_t tod, t;
	assert_int_equal(time_parse_hhmm("03:30", &tod), 0);
	assert_int_equal(tod, (3 * 3600 + 30 * 60) * 1000LL);
	assert_int_equal(time_parse_hhmm("23:59:59", &tod), 0);
	assert_int_equal(tod, (23 * 3600 + 59 * 60 + 59) * 1000LL);
	const char *bad[] = {"", "3:30x", "24:00", "12:60", "12:00:60", "-1:00", "aa:bb", "12", "12:00:00:00"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(time_parse_hhmm(bad[i], &tod), -1);
	/* 2026-12-01T03:00+09:00: the next 03:30 is half an hour later, the next 02:00 tomorrow */
	assert_int_equal(time_parse_iso("2026-12-01T03:00+09:00", &t), 0);
	int64_t want;
	time_parse_iso("2026-12-01T03:30+09:00", &want);
	assert_int_equal(time_next_jst(t, 3 * 3600000LL + 30 * 60000LL), want);
	time_parse_iso("2026-12-02T02:00+09:00", &want);
	assert_int_equal(time_next_jst(t, 2 * 3600000LL), want);
	assert_int_equal(time_next_jst(t, 3 * 3600000LL), t + 86400000LL); /* exactly now: tomorrow */
	time_parse_iso("2026-12-01T00:00+09:00", &want);
	assert_int_equal(time_day_start_jst(t), want);
	assert_int_equal(time_day_start_jst(want - 1), want - 86400000LL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(another_key_is_named),
		cmocka_unit_test(every_flipped_bit_is_caught),
		cmocka_unit_test(every_cut_is_caught),
		cmocka_unit_test(bytes_after_the_end_are_caught),
		cmocka_unit_test(schedules_in_japan_time),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
