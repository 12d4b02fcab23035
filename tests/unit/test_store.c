/* test_store.c — the database interface (SQLite backend), migrations, and
 * the core rules that sit right on it: join, claim, card, import, time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/import.h"
#include "core/password.h"
#include "core/rally.h"
#include "core/secret.h"
#include "core/session.h"
#include "core/stamp.h"
#include "lib/timeutil.h"
#include "lib/token.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/writer.h"

/* stamp_claim inside its own write transaction, as the writer runs it. */
static void claim_in_tx(db *d, const struct rally *r, const struct participant *p, const struct spot *s, int64_t now,
			const char *method, struct claim *out)
{
	assert_int_equal(db_begin(d), 0);
	stamp_claim(d, r, p, s, now, method, out);
	assert_int_equal(db_commit(d), 0);
}

static char path[64];

static int setup(void **state)
{
	strcpy(path, "/tmp/stamprally-store-XXXXXX");
	int fd = mkstemp(path);
	close(fd);
	struct db_options o = {.path = path, .busy_timeout_ms = 2000};
	db_configure(&o);
	db *d = db_open();
	int n;
	assert_non_null(d);
	assert_int_equal(migrate_run(d, &n), 0);
	assert_true(n >= 1);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	char p[80];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
	return 0;
}

static void parameters_bind_by_number_and_type(void **state)
{
	db *d = *state;
	assert_int_equal(db_exec(d, "CREATE TABLE t(a INTEGER, b TEXT, c BLOB)", NULL), DB_DONE);
	assert_int_equal(db_exec(d, "INSERT INTO t VALUES ($1, $2, $3)", "itb", (int64_t)7, "it's \"$1\"", "\0x", (size_t)2), DB_DONE);
	assert_int_equal(db_exec(d, "INSERT INTO t VALUES ($2, $1, $3)", "tin", "second", (int64_t)8), DB_DONE);
	db_stmt *st = db_query(d, "SELECT a, b, c FROM t WHERE b = $1", "t", "it's \"$1\"");
	assert_int_equal(db_row(st), DB_ROW);
	assert_int_equal(db_int(st, 0), 7);
	assert_string_equal(db_text(st, 1), "it's \"$1\"");
	size_t n;
	const unsigned char *b = db_blob(st, 2, &n);
	assert_int_equal(n, 2);
	assert_int_equal(b[0], 0);
	assert_int_equal(db_row(st), DB_DONE);
	db_done(st);
	assert_int_equal(db_int1(d, -1, "SELECT a FROM t WHERE b = $1", "t", "second"), 8);
	assert_int_equal(db_int1(d, -1, "SELECT a FROM t WHERE b = $1", "t", "none"), -1);
	char *t = db_text1(d, "SELECT b FROM t WHERE a = $1", "i", (int64_t)8);
	assert_string_equal(t, "second");
	free(t);
	st = db_query(d, "SELECT c FROM t WHERE a = $1", "i", (int64_t)8);
	assert_int_equal(db_row(st), DB_ROW);
	assert_true(db_is_null(st, 0));
	db_done(st);
}

static void injection_attempts_are_just_data(void **state)
{
	db *d = *state;
	const char *evil = "x'); DROP TABLE tenants; --";
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ($1, $1, 0)", "t", evil), DB_DONE);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM tenants WHERE slug = $1", "t", evil), 1);
}

static void constraints_and_errors_are_reported(void **state)
{
	db *d = *state;
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('a', 'a', 0)", NULL), DB_DONE);
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('a', 'a', 0)", NULL), DB_CONSTRAINT);
	assert_null(db_query(d, "SELECT nonsense FROM nowhere", NULL));
	assert_int_equal(db_exec(d, "INSERT INTO rallies(tenant_id, slug, title, starts_at, ends_at, status, created_at, updated_at)"
				    " VALUES (999, 's', 't', 0, 1, 'published', 0, 0)", NULL), DB_CONSTRAINT);
}

static void nested_transactions_roll_back_inner_only(void **state)
{
	db *d = *state;
	assert_int_equal(db_begin(d), 0);
	db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('outer', 'o', 0)", NULL);
	assert_int_equal(db_begin(d), 0);
	db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('inner', 'i', 0)", NULL);
	assert_int_equal(db_rollback(d), 0);
	assert_int_equal(db_commit(d), 0);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM tenants WHERE slug = 'outer'", NULL), 1);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM tenants WHERE slug = 'inner'", NULL), 0);
	assert_int_equal(db_begin(d), 0);
	db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('gone', 'g', 0)", NULL);
	assert_int_equal(db_rollback(d), 0);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM tenants WHERE slug = 'gone'", NULL), 0);
}

static void migrations_are_recorded_once(void **state)
{
	db *d = *state;
	int n;
	int v = migrate_version(d);
	assert_true(v >= 1);
	assert_int_equal(migrate_run(d, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(migrate_version(d), v);
	assert_int_equal(db_int1(d, 0, "PRAGMA foreign_keys", NULL), 1);
	char *mode = db_text1(d, "PRAGMA journal_mode", NULL);
	assert_string_equal(mode, "wal");
	free(mode);
}

/* Import a rally open now with nspots spots; returns its slug's rally. */
static void make_rally(db *d, const char *slug, int nspots, struct rally *ra, arena *a)
{
	char starts[40], ends[40];
	time_format_iso_jst(time_now_ms() - 3600000, starts, sizeof starts);
	time_format_iso_jst(time_now_ms() + 3600000, ends, sizeof ends);
	json_t *spots = json_array();
	for (int i = 0; i < nspots; i++)
		json_array_append_new(spots, json_pack("{s:s+}", "name", "spot ", (char[]){(char)('A' + i), 0}));
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "tenant", "t1", "slug", slug, "title", "T",
				"description", "D", "starts_at", starts, "ends_at", ends, "status", "published", "spots", spots);
	json_t *out;
	char err[128];
	assert_int_equal(rally_import(d, doc, "http://x", time_now_ms(), &out, err, sizeof err), 0);
	json_decref(out);
	json_decref(doc);
	assert_int_equal(rally_by_slug(d, a, slug, ra), 1);
}

/* The per-thread spot list answers from memory only while the rally row's
 * spots_version is the one it was filled with: renaming, adding, moving and
 * deleting a spot each change the version, and the next read sees them. */
static void the_spot_cache_follows_every_spot_change(void **state)
{
	db *d = *state;
	arena a = {0};
	struct rally ra;
	struct spot *v;
	size_t n;
	make_rally(d, "cached", 2, &ra, &a);
	assert_int_equal(rally_spots(d, &a, &ra, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "spot A");
	/* a hit is a copy in the caller's arena: the next one is another copy */
	struct spot *again;
	assert_int_equal(rally_spots(d, &a, &ra, &again, &n), 0);
	assert_ptr_not_equal(again, v);
	assert_ptr_not_equal(again[0].name, v[0].name);
	assert_string_equal(again[1].qr_token, v[1].qr_token);

	int64_t before = ra.spots_version;
	assert_int_equal(db_exec(d, "UPDATE spots SET name = 'renamed' WHERE id = $1", "i", v[0].id), DB_DONE);
	assert_int_equal(rally_by_id(d, &a, ra.id, &ra), 1);
	assert_true(ra.spots_version != before);
	assert_int_equal(rally_spots(d, &a, &ra, &v, &n), 0);
	assert_string_equal(v[0].name, "renamed");

	assert_int_equal(db_exec(d, "INSERT INTO spots(rally_id, public_id, name, description, qr_token, position, created_at, updated_at)"
				    " VALUES ($1, 'p-new', 'added', '', 'qr-new', 0, 0, 0)", "i", ra.id), DB_DONE);
	assert_int_equal(rally_by_id(d, &a, ra.id, &ra), 1);
	assert_int_equal(rally_spots(d, &a, &ra, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "added");

	assert_int_equal(db_exec(d, "DELETE FROM spots WHERE public_id = 'p-new'", NULL), DB_DONE);
	assert_int_equal(rally_by_id(d, &a, ra.id, &ra), 1);
	assert_int_equal(rally_spots(d, &a, &ra, &v, &n), 0);
	assert_int_equal(n, 2);
	arena_free(&a);
}

static void claims_are_unique_and_complete_the_card(void **state)
{
	db *d = *state;
	arena a = {0};
	struct rally ra;
	make_rally(d, "claims", 2, &ra, &a);
	char tok[64];
	int64_t sid = session_create(d, time_now_ms(), 60000, tok, sizeof tok);
	assert_true(sid > 0);
	assert_int_equal(session_find(d, tok, time_now_ms()), sid);
	assert_int_equal(session_find(d, tok, time_now_ms() + 120000), 0);
	assert_int_equal(session_find(d, "not-a-session", time_now_ms()), 0);
	unsigned char h[32];
	token_hash(tok, h);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM sessions WHERE token_hash = $1", "b", h, sizeof h), 1);

	struct participant p;
	int created;
	enum rally_state st;
	assert_int_equal(participant_join(d, &a, sid, &ra, time_now_ms(), &p, &created, &st), 1);
	assert_true(created);
	assert_int_equal(participant_join(d, &a, sid, &ra, time_now_ms(), &p, &created, &st), 1);
	assert_false(created);

	struct spot *spots;
	size_t n;
	assert_int_equal(rally_spots(d, &a, &ra, &spots, &n), 0);
	assert_int_equal(n, 2);
	struct claim c;
	claim_in_tx(d, &ra, &p, &spots[0], time_now_ms(), "qr", &c);
	assert_int_equal(c.status, CLAIM_NEW);
	assert_int_equal(c.collected, 1);
	assert_false(c.completed);
	claim_in_tx(d, &ra, &p, &spots[0], time_now_ms(), "qr", &c);
	assert_int_equal(c.status, CLAIM_ALREADY);
	claim_in_tx(d, &ra, &p, &spots[1], time_now_ms(), "qr", &c);
	assert_int_equal(c.status, CLAIM_NEW);
	assert_true(c.completed);
	assert_true(c.just_completed);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM stamps WHERE participant_id = $1", "i", p.id), 2);
	assert_int_equal(db_exec(d, "INSERT INTO stamps(participant_id, spot_id, method, created_at) VALUES ($1, $2, 'qr', 0)",
				 "ii", p.id, spots[0].id), DB_CONSTRAINT);

	struct card card;
	assert_int_equal(card_load(d, &a, &ra, &p, &card), 0);
	assert_int_equal(card.collected, 2);
	assert_true(card.collected_at[0] > 0 && card.collected_at[1] > 0);

	/* After the end, claims are refused and nothing is written. */
	claim_in_tx(d, &ra, &p, &spots[0], ra.ends_at, "qr", &c);
	assert_int_equal(c.status, CLAIM_REFUSED);
	assert_int_equal(c.state, RALLY_ENDED);
	claim_in_tx(d, &ra, &p, &spots[0], ra.starts_at - 1, "qr", &c);
	assert_int_equal(c.state, RALLY_NOT_STARTED);
	arena_free(&a);
}

struct racer {
	int64_t pid, spot_id, rally_id;
	int result;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	db *d = db_open();
	arena a = {0};
	struct rally ra = {.id = r->rally_id, .status = STATUS_PUBLISHED, .starts_at = 0, .ends_at = INT64_MAX};
	struct participant p = {.id = r->pid, .rally_id = r->rally_id};
	struct spot s = {.id = r->spot_id, .open_from = -1, .open_until = -1};
	struct claim c;
	claim_in_tx(d, &ra, &p, &s, time_now_ms(), "qr", &c);
	r->result = c.status;
	db_close(d);
	arena_free(&a);
	return NULL;
}

static void concurrent_claims_on_separate_connections_write_one_stamp(void **state)
{
	db *d = *state;
	arena a = {0};
	struct rally ra;
	make_rally(d, "race", 1, &ra, &a);
	char tok[64];
	int64_t sid = session_create(d, time_now_ms(), 60000, tok, sizeof tok);
	struct participant p;
	int created;
	enum rally_state st;
	participant_join(d, &a, sid, &ra, time_now_ms(), &p, &created, &st);
	struct spot *spots;
	size_t n;
	rally_spots(d, &a, &ra, &spots, &n);
	enum { N = 8 };
	pthread_t th[N];
	struct racer rs[N];
	for (int i = 0; i < N; i++) {
		rs[i] = (struct racer){p.id, spots[0].id, ra.id, -1};
		pthread_create(&th[i], NULL, race, &rs[i]);
	}
	int news = 0;
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		news += rs[i].result == CLAIM_NEW;
		assert_true(rs[i].result == CLAIM_NEW || rs[i].result == CLAIM_ALREADY);
	}
	assert_int_equal(news, 1);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM stamps WHERE participant_id = $1", "i", p.id), 1);
	arena_free(&a);
}

/* Insert tenant arg; a name starting with "bad" fails after writing. */
static int write_tenant(db *d, void *arg)
{
	const char *slug = arg;
	if (db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ($1, $1, 0)", "t", slug) != DB_DONE)
		return DB_ERROR;
	return strncmp(slug, "bad", 3) == 0 ? -5 : 0;
}

static void *submit(void *arg)
{
	db *d = db_open();
	db_begin_read(d); /* as a request does: the write goes to the writer */
	intptr_t rc = db_write(d, write_tenant, arg);
	db_rollback(d);
	db_close(d);
	return (void *)rc;
}

static void group_commit_keeps_each_write_apart(void **state)
{
	db *d = *state;
	assert_int_equal(db_writer_start(), 0);
	enum { N = 24 };
	pthread_t th[N];
	char names[N][32];
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "%s-%d", i % 4 == 0 ? "bad" : "good", i);
		pthread_create(&th[i], NULL, submit, names[i]);
	}
	for (int i = 0; i < N; i++) {
		void *rc;
		pthread_join(th[i], &rc);
		assert_int_equal((intptr_t)rc, i % 4 == 0 ? -5 : 0);
	}
	db_writer_stop();
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM tenants WHERE slug LIKE 'good-%'", NULL), N - N / 4);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM tenants WHERE slug LIKE 'bad-%'", NULL), 0);
	/* Without a writer, db_write runs on the caller's connection. */
	assert_int_equal(db_write(d, write_tenant, "inline"), 0);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM tenants WHERE slug = 'inline'", NULL), 1);
}

/* What an async callback saw: its result, and whether a connection of its
 * own already found the row (so the batch was committed before it ran). */
struct seen {
	const char *slug;
	int rc, visible, calls;
};

static void after_commit(void *arg, int rc)
{
	struct seen *s = arg;
	db *other = db_open();
	s->rc = rc;
	s->visible = (int)db_int1(other, -1, "SELECT count(*) FROM tenants WHERE slug = $1", "t", s->slug);
	s->calls++;
	db_close(other);
}

static int write_seen(db *d, void *arg)
{
	return write_tenant(d, (void *)((struct seen *)arg)->slug);
}

/* db_write_async: the callback runs once per item, after the commit, with
 * the item's own result; a failed item is rolled back alone; work queued
 * before the writer stops is still done; with no writer nothing is queued. */
static void async_writes_call_back_after_their_commit(void **state)
{
	db *d = *state;
	assert_int_equal(db_writer_start(), 0);
	enum { N = 12 };
	struct seen s[N];
	char names[N][32];
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "%s-async-%d", i % 3 == 0 ? "bad" : "good", i);
		s[i] = (struct seen){names[i], 99, -1, 0};
		assert_int_equal(db_write_async(write_seen, &s[i], after_commit), 0);
	}
	db_writer_stop(); /* finishes the queue first */
	for (int i = 0; i < N; i++) {
		assert_int_equal(s[i].calls, 1);
		assert_int_equal(s[i].rc, i % 3 == 0 ? -5 : 0);
		assert_int_equal(s[i].visible, i % 3 == 0 ? 0 : 1);
	}
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM tenants WHERE slug LIKE '%-async-%'", NULL), N - N / 3);
	struct seen none = {"never", 99, -1, 0};
	assert_int_equal(db_write_async(write_seen, &none, after_commit), -1);
	assert_int_equal(none.calls, 0);
}

static void a_read_transaction_refuses_writes_and_says_so(void **state)
{
	db *d = *state;
	assert_int_equal(db_begin_read(d), 0);
	assert_false(db_failed(d));
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('x', 'x', 0)", NULL), DB_ERROR);
	assert_true(db_failed(d)); /* sticky: the dispatcher answers 503 */
	assert_int_equal(db_begin(d), DB_ERROR);
	assert_int_equal(db_rollback(d), 0);
	assert_true(db_failed(d));
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM tenants WHERE slug = 'x'", NULL), 0);
	/* The next transaction starts clean; a constraint is not a failure. */
	assert_int_equal(db_begin(d), 0);
	assert_false(db_failed(d));
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('y', 'y', 0)", NULL), DB_DONE);
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('y', 'y', 0)", NULL), DB_CONSTRAINT);
	assert_false(db_failed(d));
	assert_int_equal(db_rollback(d), 0);
}

/* Run slow(d) in a child that holds the write lock: it must abort (the
 * assertion that argon2id never runs under the write lock). */
static int aborts_under_write_lock(db *d, int which)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		char h[SECRET_HASH_BYTES];
		if (db_begin(d) != 0)
			_exit(2);
		int rc = which == 0 ? secret_hash("482913", h) : which == 1 ? password_hash("a long passphrase", h, sizeof h)
									 : secret_matches("x", "y");
		_exit(rc == 12345 ? 3 : 0); /* reached only when nothing stopped it */
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void argon2id_never_runs_under_the_write_lock(void **state)
{
	db *d = *state;
	char h[SECRET_HASH_BYTES];
	assert_false(db_write_lock_held());
	assert_int_equal(secret_hash("482913", h), 0); /* fine outside a transaction */
	assert_int_equal(db_begin_read(d), 0);
	assert_false(db_write_lock_held()); /* a read transaction holds no write lock */
	assert_true(secret_matches(h, "482913"));
	assert_int_equal(db_rollback(d), 0);
	for (int which = 0; which < 3; which++)
		assert_true(aborts_under_write_lock(d, which));
	assert_int_equal(db_begin(d), 0);
	assert_true(db_write_lock_held());
	assert_int_equal(db_commit(d), 0);
	assert_false(db_write_lock_held());
}

static void repeatable_spots_follow_the_jst_day_and_cooldowns(void **state)
{
	db *d = *state;
	arena a = {0};
	struct rally ra;
	make_rally(d, "repeat", 2, &ra, &a);
	ra.starts_at = 0;
	ra.ends_at = INT64_MAX;
	char tok[64];
	int64_t sid = session_create(d, time_now_ms(), 60000, tok, sizeof tok);
	struct participant p;
	int created;
	enum rally_state st;
	participant_join(d, &a, sid, &ra, time_now_ms(), &p, &created, &st);
	struct spot *spots;
	size_t n;
	rally_spots(d, &a, &ra, &spots, &n);
	struct claim c;
	/* Daily: 2026-04-01 23:59 JST, 00:00 and 00:01 the next day. */
	spots[0].repeat_mode = REPEAT_DAILY;
	int64_t day_end = 1775055540000LL; /* 2026-04-01T23:59:00+09:00 */
	claim_in_tx(d, &ra, &p, &spots[0], day_end, "qr", &c);
	assert_int_equal(c.status, CLAIM_NEW);
	claim_in_tx(d, &ra, &p, &spots[0], day_end + 59999, "qr", &c);
	assert_int_equal(c.status, CLAIM_ALREADY);
	claim_in_tx(d, &ra, &p, &spots[0], day_end + 60000, "qr", &c);
	assert_int_equal(c.status, CLAIM_NEW);
	claim_in_tx(d, &ra, &p, &spots[0], day_end + 120000, "qr", &c);
	assert_int_equal(c.status, CLAIM_ALREADY);
	assert_int_equal(c.collected, 1); /* a repeated spot counts once */
	/* Every 3 hours. */
	spots[1].repeat_mode = REPEAT_HOURS;
	spots[1].repeat_hours = 3;
	int64_t t0 = day_end;
	claim_in_tx(d, &ra, &p, &spots[1], t0, "qr", &c);
	assert_int_equal(c.status, CLAIM_NEW);
	assert_true(c.completed);
	claim_in_tx(d, &ra, &p, &spots[1], t0 + 3 * 3600000 - 1, "qr", &c);
	assert_int_equal(c.status, CLAIM_COOLDOWN);
	assert_int_equal(c.available_at, t0 + 3 * 3600000);
	claim_in_tx(d, &ra, &p, &spots[1], t0 + 3 * 3600000, "qr", &c);
	assert_int_equal(c.status, CLAIM_NEW);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM stamps WHERE participant_id = $1", "i", p.id), 4);
	struct card card;
	card_load(d, &a, &ra, &p, &card);
	assert_int_equal(card.collected, 2);
	assert_int_equal(card.collected_at[1], t0 + 3 * 3600000); /* the latest */
	arena_free(&a);
}

static void rally_states(void **state)
{
	(void)state;
	struct rally r = {.status = STATUS_PUBLISHED, .starts_at = 1000, .ends_at = 2000};
	assert_int_equal(rally_state(&r, 999), RALLY_NOT_STARTED);
	assert_int_equal(rally_state(&r, 1000), RALLY_OPEN);
	assert_int_equal(rally_state(&r, 1999), RALLY_OPEN);
	assert_int_equal(rally_state(&r, 2000), RALLY_ENDED);
	r.status = STATUS_DRAFT;
	assert_int_equal(rally_state(&r, 1500), RALLY_DRAFT);
	r.status = STATUS_CLOSED;
	assert_int_equal(rally_state(&r, 1500), RALLY_CLOSED);
	r.status = STATUS_ARCHIVED;
	assert_int_equal(rally_state(&r, 1500), RALLY_CLOSED);
	assert_true(rally_slug_valid("minato-walk-2026"));
	assert_false(rally_slug_valid("-x"));
	assert_false(rally_slug_valid("A"));
	assert_false(rally_slug_valid(""));
	assert_false(rally_slug_valid("a/b"));
}

static void iso_times_parse_with_offsets(void **state)
{
	(void)state;
	int64_t t;
	assert_int_equal(time_parse_iso("2026-04-01T10:00:00+09:00", &t), 0);
	assert_int_equal(t, 1775005200000LL);
	assert_int_equal(time_parse_iso("2026-04-01T01:00:00Z", &t), 0);
	assert_int_equal(t, 1775005200000LL);
	assert_int_equal(time_parse_iso("2026-04-01T01:00:00.250Z", &t), 0);
	assert_int_equal(t, 1775005200250LL);
	assert_int_equal(time_parse_iso("2026-03-31T20:00-05:00", &t), 0);
	assert_int_equal(t, 1775005200000LL);
	assert_int_equal(time_parse_iso("2024-02-29T00:00:00Z", &t), 0);
	const char *bad[] = {"2026-04-01T10:00:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-04-01",
			     "2026-04-01T24:00:00Z", "x", "", "2026-04-01T10:00:00+9:00", "2026-04-01T10:00:00Zjunk"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(time_parse_iso(bad[i], &t), -1);
	char out[40];
	time_format_iso_jst(1775005200000LL, out, sizeof out);
	assert_string_equal(out, "2026-04-01T10:00:00+09:00");
	time_format_jst(1775005200000LL - 36000000LL, "%Y-%m-%d %H:%M", out, sizeof out);
	assert_string_equal(out, "2026-04-01 00:00");
}

int main(void)
{
	assert_int_equal(token_init(), 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(parameters_bind_by_number_and_type, setup, teardown),
		cmocka_unit_test_setup_teardown(injection_attempts_are_just_data, setup, teardown),
		cmocka_unit_test_setup_teardown(constraints_and_errors_are_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(nested_transactions_roll_back_inner_only, setup, teardown),
		cmocka_unit_test_setup_teardown(migrations_are_recorded_once, setup, teardown),
		cmocka_unit_test_setup_teardown(claims_are_unique_and_complete_the_card, setup, teardown),
		cmocka_unit_test_setup_teardown(concurrent_claims_on_separate_connections_write_one_stamp, setup, teardown),
		cmocka_unit_test_setup_teardown(group_commit_keeps_each_write_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(async_writes_call_back_after_their_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(the_spot_cache_follows_every_spot_change, setup, teardown),
		cmocka_unit_test_setup_teardown(a_read_transaction_refuses_writes_and_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(argon2id_never_runs_under_the_write_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(repeatable_spots_follow_the_jst_day_and_cooldowns, setup, teardown),
		cmocka_unit_test(rally_states),
		cmocka_unit_test(iso_times_parse_with_offsets),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
