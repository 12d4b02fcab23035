/*
 * password.c — see password.h.
 */
#include "core/password.h"

#include <assert.h>
#include <ctype.h>
#include <pthread.h>
#include <sched.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <uninorm.h>
#include <unistr.h>

#include "lib/utf8.h"
#include "store/db.h"

static char **blocklist;
static size_t nblock;

static int cmp_str(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

int password_blocklist_load(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[256];
	size_t cap = 4096;
	char **list = malloc(cap * sizeof *list);
	size_t n = 0;
	while (list && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || strncmp(line, "#!comment", 9) == 0)
			continue;
		if (n == cap) {
			char **nl = realloc(list, 2 * cap * sizeof *list);
			if (!nl)
				break;
			list = nl;
			cap *= 2;
		}
		list[n++] = strdup(line);
	}
	fclose(f);
	if (!list)
		return -1;
	qsort(list, n, sizeof *list, cmp_str);
	blocklist = list;
	nblock = n;
	return (int)n;
}

/* True when s is one short unit repeated ("aaaaaaaa", "abcabcabc", "1212…"). */
static int repetitive(const char *s, size_t n)
{
	for (size_t unit = 1; unit <= n / 2; unit++) {
		if (n % unit)
			continue;
		size_t i = unit;
		while (i < n && s[i] == s[i - unit])
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

/* True when every byte is the one before plus or minus one ("abcdefgh",
 * "87654321"), or a run of the keyboard's top rows ("qwertyui"). */
static int sequential(const char *s, size_t n)
{
	static const char *rows[] = {"qwertyuiopasdfghjklzxcvbnm", "1234567890", "mnbvcxzlkjhgfdsapoiuytrewq"};
	int up = 1, down = 1;
	for (size_t i = 1; i < n; i++) {
		up &= (unsigned char)s[i] == (unsigned char)s[i - 1] + 1;
		down &= (unsigned char)s[i] + 1 == (unsigned char)s[i - 1];
	}
	for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
		if (strstr(rows[k], s))
			return 1;
	return up || down;
}

const char *password_policy(const char *pw, const char *const *context, int ncontext)
{
	char *norm = password_normalise(pw);
	if (!norm)
		return "password.invalid";
	const char *why = NULL;
	size_t n = utf8_chars(norm), len = strlen(norm);
	char *lower = strdup(norm);
	for (char *c = lower; c && *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (n < PASSWORD_MIN_CHARS)
		why = "password.too_short";
	else if (n > PASSWORD_MAX_CHARS)
		why = "password.too_long";
	else if (!lower)
		why = "password.invalid";
	else if (repetitive(lower, len) || sequential(lower, len))
		why = "password.too_simple";
	else if (nblock && bsearch(&norm, blocklist, nblock, sizeof *blocklist, cmp_str))
		why = "password.too_common";
	for (int i = 0; !why && i < ncontext; i++) {
		const char *w = context[i];
		char *wl = w && strlen(w) >= 4 ? strdup(w) : NULL;
		for (char *c = wl; c && *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (wl && strstr(lower, wl))
			why = "password.context";
		free(wl);
	}
	free(lower);
	free(norm);
	return why;
}

char *password_normalise(const char *pw)
{
	size_t n = 0;
	if (!pw || u8_check((const uint8_t *)pw, strlen(pw)) != NULL)
		return NULL;
	uint8_t *out = u8_normalize(UNINORM_NFKC, (const uint8_t *)pw, strlen(pw), NULL, &n);
	if (!out)
		return NULL;
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, out, n);
		s[n] = '\0';
	}
	free(out);
	return s;
}

int password_hash(const char *pw, char *out, size_t outsz)
{
	assert(!db_write_lock_held()); /* never argon2id under the write lock */
	char *norm = password_normalise(pw);
	if (outsz < crypto_pwhash_STRBYTES || !norm) {
		free(norm);
		return -1;
	}
	int rc = crypto_pwhash_str_alg(out, norm, strlen(norm), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				       crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
	sodium_memzero(norm, strlen(norm));
	free(norm);
	return rc;
}

int password_verify(const char *hash, const char *pw)
{
	assert(!db_write_lock_held());
	if (!hash || !*hash)
		return 0;
	char *norm = password_normalise(pw);
	int ok = norm && crypto_pwhash_str_verify(hash, norm, strlen(norm)) == 0;
	/* A hash made before passwords were normalised: try the bytes as typed,
	 * only when they differ (an ASCII password costs one argon2id). */
	if (!ok && norm && strcmp(norm, pw) != 0)
		ok = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
	if (norm) {
		sodium_memzero(norm, strlen(norm));
		free(norm);
	}
	return ok;
}

/* The argon2id threads: PASSWORD_SLOTS of them, started on first use, each
 * at nice 19, so under load the scheduler gives stamp claims and pages the
 * CPU first. Jobs wait in a bounded queue; one that waited too long is
 * handed back expired, without argon2id. */
struct job {
	void (*fn)(void *arg, int expired);
	void *arg;
	struct timespec queued;
	struct job *next;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t work;
	struct job *head, *tail;
	int queued, threads;
	pthread_once_t once;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, PTHREAD_ONCE_INIT};

/* Milliseconds since t (CLOCK_MONOTONIC). */
static long ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000L + (now.tv_nsec - t->tv_nsec) / 1000000L;
}

static void *pool_main(void *unused)
{
	(void)unused;
	/* Only when no other thread wants the CPU (SCHED_IDLE); nice 19 where
	 * that is refused. Lowering either is always allowed. */
	struct sched_param none = {0};
	if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &none) != 0)
		setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
	pthread_mutex_lock(&pool.mu);
	for (;;) {
		while (!pool.head)
			pthread_cond_wait(&pool.work, &pool.mu);
		struct job *j = pool.head;
		pool.head = j->next;
		if (!pool.head)
			pool.tail = NULL;
		pool.queued--;
		pthread_mutex_unlock(&pool.mu);
		j->fn(j->arg, ms_since(&j->queued) > PASSWORD_WAIT_MS);
		free(j);
		pthread_mutex_lock(&pool.mu);
	}
	return NULL;
}

static void pool_start(void)
{
	for (int i = 0; i < PASSWORD_SLOTS; i++) {
		pthread_t t;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &attr, pool_main, NULL) == 0)
			pool.threads++;
		pthread_attr_destroy(&attr);
	}
}

int password_submit(void (*fn)(void *arg, int expired), void *arg)
{
	pthread_once(&pool.once, pool_start);
	struct job *j = pool.threads ? malloc(sizeof *j) : NULL;
	if (!j)
		return -1;
	*j = (struct job){fn, arg, {0, 0}, NULL};
	clock_gettime(CLOCK_MONOTONIC, &j->queued);
	pthread_mutex_lock(&pool.mu);
	int ok = pool.queued < PASSWORD_QUEUE_MAX;
	if (ok) {
		if (pool.tail)
			pool.tail->next = j;
		else
			pool.head = j;
		pool.tail = j;
		pool.queued++;
		pthread_cond_signal(&pool.work);
	}
	pthread_mutex_unlock(&pool.mu);
	if (!ok)
		free(j);
	return ok ? 0 : -1;
}

void password_random(char *out, size_t outsz)
{
	/* No 0/O, 1/l/I: easy to read out and type. */
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	size_t n = outsz - 1 < 20 ? outsz - 1 : 20;
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	out[n] = '\0';
}

/* A hash of a random password, verified against when the login ID is
 * unknown so that both cases cost the same argon2id time. */
