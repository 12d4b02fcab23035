/*
 * guess.c — throttling what a participant may guess (keywords, PINs,
 * recovery codes, rotating codes), per participant and per address, with
 * the one rule of core/throttle.c. A failure is counted through the writer
 * (web_write), so it is kept whatever the request's unit of work, and
 * although the answer is an error.
 */
#include "core/throttle.h"
#include "lib/timeutil.h"
#include "web/common.h"
#include "web/page.h"

/* The participant's throttle key (THROTTLE_GUESS): its row id. */
const char *web_who_participant(req *r, int64_t participant_id)
{
	return arena_printf(&r->a, "%lld", (long long)participant_id);
}

int web_guess_allowed(req *r, const struct guess_keys *g)
{
	int64_t now = time_now_ms(), most = 0;
	int ok = 1;
	for (int i = 0; i < g->n; i++) {
		int64_t w = 0;
		if (!throttle_allowed(r->db, g->rule[i], g->who[i], now, &w)) {
			ok = 0;
			most = w > most ? w : most;
		}
	}
	if (!ok)
		web_error(r, 429, "too_many_attempts", "error.too_many_attempts", json_pack("{s:I}", "seconds", (json_int_t)most));
	return ok;
}

static int count_failures(db *d, void *arg)
{
	const struct guess_keys *g = arg;
	int64_t now = time_now_ms();
	for (int i = 0; i < g->n; i++)
		if (throttle_failed(d, g->rule[i], g->who[i], now) != 0)
			return DB_ERROR;
	return 0;
}

void web_guess_failed(req *r, const struct guess_keys *g)
{
	r->keep_changes = 1; /* kept although the answer is an error */
	web_write(r, count_failures, (void *)g);
}

/* The keys of a participant's guess: the participant (when known) and the address. */
static struct guess_keys participant_keys(req *r, const struct participant *p)
{
	struct guess_keys g = {{&THROTTLE_GUESS_IP}, {req_client_ip(r)}, 1};
	if (p)
		guess_key(&g, &THROTTLE_GUESS, web_who_participant(r, p->id));
	return g;
}

int web_not_locked(req *r, const struct participant *p)
{
	struct guess_keys g = participant_keys(r, p);
	return web_guess_allowed(r, &g);
}

void web_failed_attempt(req *r, const struct participant *p)
{
	struct guess_keys g = participant_keys(r, p);
	web_guess_failed(r, &g);
}

void guess_key(struct guess_keys *g, const struct throttle_rule *rule, const char *who)
{
	if (g->n < GUESS_KEYS_MAX) {
		g->rule[g->n] = rule;
		g->who[g->n++] = who;
	}
}
