/*
 * mailer.c — see mailer.h.
 */
#include "ops/mailer.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/mail.h"
#include "lib/arena.h"
#include "lib/metrics.h"
#include "lib/seal.h"
#include "lib/ticker.h"
#include "lib/timeutil.h"
#include "store/writer.h"

#define LEASE_MS 120000
#define BATCH 20

static ticker mt;
static _Atomic int quitting; /* a stop is waiting: send no further message */
static db *md;
static const config *mcfg;

/* The message being uploaded to the relay. */
struct upload {
	const char *p;
	size_t left;
};

static size_t read_cb(char *out, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t k = size * n < u->left ? size * n : u->left;
	memcpy(out, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

/* The address inside "Name <addr>" (or the whole), into out. */
static void bare_address(const char *from, char *out, size_t n)
{
	const char *lt = strchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt)
		snprintf(out, n, "<%.*s>", (int)(gt - lt - 1), lt + 1);
	else
		snprintf(out, n, "<%s>", from);
}

/* Hand one message to the relay. 0, or -1 with the reason in err. */
static int smtp_send(const config *c, const char *rcpt, const char *msg, char *err, size_t errsz)
{
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(err, errsz, "curl_easy_init failed");
		return -1;
	}
	char from[300], to[300], cerr[CURL_ERROR_SIZE] = "";
	bare_address(c->mail_from, from, sizeof from);
	snprintf(to, sizeof to, "<%s>", rcpt);
	struct curl_slist *rcpts = curl_slist_append(NULL, to);
	struct upload u = {msg, strlen(msg)};
	curl_easy_setopt(h, CURLOPT_URL, c->mail_smtp_url);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &u);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u.left);
	curl_easy_setopt(h, CURLOPT_USE_SSL, strcmp(c->mail_tls, "none") == 0 ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	if (c->mail_username[0]) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->mail_username);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->mail_password);
	}
	CURLcode rc = curl_easy_perform(h);
	if (rc != CURLE_OK)
		snprintf(err, errsz, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(h);
	return rc == CURLE_OK ? 0 : -1;
}

/* One outbox row, leased to this sender. */
struct item {
	int64_t id, created_at, attempts;
	char *rcpt, *msg; /* unsealed, heap */
	int sent;
	char err[300];
};

/* The outcome of sending items, in one write. */
struct outcome {
	struct item *v;
	int n;
	int64_t now, retry_ms, give_up_ms;
};

static int record(db *d, void *arg)
{
	struct outcome *o = arg;
	for (int i = 0; i < o->n; i++) {
		struct item *it = &o->v[i];
		int64_t wait = o->retry_ms;
		for (int64_t k = 0; k < it->attempts && wait < 3600000; k++)
			wait *= 2;
		wait = wait < 3600000 ? wait : 3600000;
		int give_up = !it->sent && o->now - it->created_at >= o->give_up_ms;
		int rc = it->sent ? db_exec(d, "UPDATE mail_outbox SET sent_at = $1, attempts = attempts + 1, last_error = ''"
					      " WHERE id = $2", "ii", o->now, it->id)
			 : give_up ? db_exec(d, "UPDATE mail_outbox SET failed_at = $1, attempts = attempts + 1, last_error = $2"
						" WHERE id = $3", "iti", o->now, it->err, it->id)
				   : db_exec(d, "UPDATE mail_outbox SET next_attempt_at = $1, attempts = attempts + 1, lease_until = 0,"
						" last_error = $2 WHERE id = $3", "iti", o->now + wait, it->err, it->id);
		if (rc != DB_DONE)
			return DB_ERROR;
		/* a participant's recovery code: its address and text are kept only until delivered or given up */
		if ((it->sent || give_up) && db_exec(d, "UPDATE mail_outbox SET rcpt_sealed = '', message_sealed = '' WHERE id = $1"
							" AND kind = 'recovery'", "i", it->id) != DB_DONE)
			return DB_ERROR;
		if (give_up && security_event_json(d, 0, 0, "mail_failed", json_pack("{s:I, s:s}", "outbox", (json_int_t)it->id,
										       "error", it->err), o->now) != 0)
			return DB_ERROR;
		metric_add(it->sent ? M_MAIL_SENT : give_up ? M_MAIL_FAILED : M_MAIL_RETRIES, 1);
	}
	return 0;
}

/* Lease up to BATCH due rows to this sender (the id list into ids). */
struct lease {
	int64_t now, ids[BATCH];
	int n;
};

static int take_lease(db *d, void *arg)
{
	struct lease *l = arg;
	l->n = 0;
	db_stmt *st = db_query(d, "SELECT id FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1"
				  " AND lease_until < $1 ORDER BY next_attempt_at, id LIMIT $2", "ii", l->now, (int64_t)BATCH);
	while (st && db_row(st) == DB_ROW && l->n < BATCH)
		l->ids[l->n++] = db_int(st, 0);
	db_done(st);
	/* Another node's sender may have leased a row since the SELECT: the
	 * UPDATE checks again (under PostgreSQL's READ COMMITTED it waits for
	 * that sender's commit and then finds the lease taken). */
	int kept = 0;
	for (int i = 0; i < l->n; i++) {
		if (db_exec(d, "UPDATE mail_outbox SET lease_until = $1 WHERE id = $2 AND lease_until < $3", "iii",
			    l->now + LEASE_MS, l->ids[i], l->now) != DB_DONE)
			return DB_ERROR;
		if (db_changes(d) == 1)
			l->ids[kept++] = l->ids[i];
	}
	l->n = kept;
	return 0;
}

/* Unseal the leased rows into v. The count. */
static int load_items(db *d, const struct lease *l, struct item *v)
{
	int n = 0;
	for (int i = 0; i < l->n; i++) {
		db_stmt *st = db_query(d, "SELECT rcpt_sealed, message_sealed, created_at, attempts FROM mail_outbox WHERE id = $1",
				       "i", l->ids[i]);
		if (st && db_row(st) == DB_ROW) {
			arena a = {0};
			const char *r = unseal(&a, db_text(st, 0)), *m = unseal(&a, db_text(st, 1));
			v[n] = (struct item){l->ids[i], db_int(st, 2), db_int(st, 3), r ? strdup(r) : NULL, m ? strdup(m) : NULL, 0, ""};
			if (!v[n].rcpt || !v[n].msg)
				snprintf(v[n].err, sizeof v[n].err, "cannot open the sealed message (another data key?)");
			n++;
			arena_free(&a);
		}
		db_done(st);
	}
	return n;
}

int mailer_run(const config *c, db *d, int64_t now)
{
	if (!c->mail_smtp_url[0])
		return 0;
	if (mail_reminders_due(d, now) < 0)
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"cannot queue the maintenance reminders\"}\n");
	struct lease l = {.now = now};
	if (db_write(d, take_lease, &l) != 0)
		return -1;
	if (!l.n)
		return 0;
	struct item v[BATCH];
	int n = load_items(d, &l, v), sent = 0;
	for (int i = 0; i < n; i++) {
		if (atomic_load(&quitting)) {
			snprintf(v[i].err, sizeof v[i].err, "not tried: the service stopped");
			continue;
		}
		if (v[i].rcpt && v[i].msg)
			v[i].sent = smtp_send(c, v[i].rcpt, v[i].msg, v[i].err, sizeof v[i].err) == 0;
		sent += v[i].sent;
		if (!v[i].sent)
			fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"mail not sent, tried again later\",\"outbox\":%lld}\n",
				(long long)v[i].id);
	}
	struct outcome o = {v, n, time_now_ms(), (int64_t)c->mail_retry_seconds * 1000, (int64_t)c->mail_give_up_hours * 3600000};
	int rc = db_write(d, record, &o);
	for (int i = 0; i < n; i++) {
		if (v[i].msg)
			sodium_memzero(v[i].msg, strlen(v[i].msg));
		free(v[i].rcpt);
		free(v[i].msg);
	}
	return rc == 0 ? sent : -1;
}

static void begin(void *arg)
{
	(void)arg;
	if (!(md = db_open()))
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"the mailer cannot open the database: no e-mail until a restart\"}\n");
}

static void tick(void *arg)
{
	(void)arg;
	if (md) {
		mailer_run(mcfg, md, time_now_ms());
		db_clear_failed(md);
	}
}

static void finish(void *arg)
{
	(void)arg;
	db_close(md);
	md = NULL;
}

int mailer_start(const config *c)
{
	mcfg = c;
	if (!c->mail_smtp_url[0])
		return 0;
	mt = (ticker){.interval_ms = 2000, .start = begin, .tick = tick, .finish = finish};
	return ticker_start(&mt);
}

void mailer_stop(void)
{
	atomic_store(&quitting, 1);
	ticker_stop(&mt);
}
