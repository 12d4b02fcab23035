/*
 * guess.c — throttling what a participant may guess (keywords, PINs,
 * recovery codes, rotating codes), per participant and per address, with
 * the one rule of core/throttle.c. A failure is counted through the writer
 * (web_write), so it is kept whatever the request's unit of work, and
 * although the answer is an error.
 */
#include <stdlib.h>
#include <string.h>

#include "core/methods.h"
#include "core/throttle.h"
#include "lib/timeutil.h"
#include "web/common.h"
#include "web/page.h"
#include "web/view.h"

/* The participant's throttle key (THROTTLE_GUESS): its row id. */
static const char *who_p(req *r, const struct participant *p)
{
	return arena_printf(&r->a, "%lld", (long long)p->id);
}

int web_not_locked(req *r, const struct participant *p)
{
	int64_t now = time_now_ms(), w1 = 0, w2 = 0;
	int ok1 = p ? throttle_allowed(r->db, &THROTTLE_GUESS, who_p(r, p), now, &w1) : 1;
	int ok2 = throttle_allowed(r->db, &THROTTLE_GUESS_IP, req_client_ip(r), now, &w2);
	if (ok1 && ok2)
		return 1;
	web_error(r, 429, "too_many_attempts", "error.too_many_attempts",
		  json_pack("{s:I}", "seconds", (json_int_t)(w1 > w2 ? w1 : w2)));
	return 0;
}

/* The failure counters of one wrong guess (participant key may be NULL). */
struct failed_job {
	const char *who_p, *ip; /* who_p NULL: no participant yet */
};

static int count_failure(db *d, void *arg)
{
	struct failed_job *j = arg;
	int64_t now = time_now_ms();
	int rc = j->who_p ? throttle_failed(d, &THROTTLE_GUESS, j->who_p, now) : 0;
	return rc == 0 && throttle_failed(d, &THROTTLE_GUESS_IP, j->ip, now) == 0 ? 0 : DB_ERROR;
}

void web_failed_attempt(req *r, const struct participant *p)
{
	struct failed_job j = {p ? who_p(r, p) : NULL, req_client_ip(r)};
	r->keep_changes = 1; /* kept although the answer is an error */
	web_write(r, count_failure, &j);
}

