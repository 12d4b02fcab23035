/* test_db_pg.c — the PostgreSQL backend of db.h against a real server: a
 * throwaway cluster from scripts/pg-throwaway, whose socket directory is in
 * STAMPRALLY_TEST_PG (scripts/run-tests starts one). Each test gets a new
 * database. Type binding, NULLs, blobs, large text, nested savepoints, the
 * errors mapped to DB_CONSTRAINT / DB_BUSY / DB_ERROR, reconnection,
 * migrations under the advisory lock, and row-level security. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "store/migrate.h"

static const char *sockdir;
static char url[512];
static char owner_url[512];
static int serial;

/* Run sql on the cluster's postgres database as its superuser. */
static void admin(const char *sql)
{
	char conninfo[300];
	snprintf(conninfo, sizeof conninfo, "host=%s dbname=postgres user=postgres", sockdir);
	PGconn *c = PQconnectdb(conninfo);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* A new database owned by stamprally_owner; the service connects as
 * stamprally (granted by migrate_store), or as the owner with owner. */
static int setup(void **state)
{
	char sql[200], name[64];
	snprintf(name, sizeof name, "unit_%d_%d", (int)getpid(), serial++);
	snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER stamprally_owner", name);
	admin(sql);
	snprintf(url, sizeof url, "host=%s dbname=%s user=stamprally", sockdir, name);
	snprintf(owner_url, sizeof owner_url, "host=%s dbname=%s user=stamprally_owner", sockdir, name);
	struct db_options o = {.url = url, .owner_url = owner_url, .statement_timeout_ms = 500};
	db_configure(&o);
	db *d = db_open();
	assert_non_null(d);
	assert_string_equal(db_backend(), "postgres");
	int n = 0;
	assert_int_equal(migrate_store(d, &n), 0);
	assert_int_equal(n, migrate_latest());
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

static void types_bind_and_read_back(void **state)
{
	db *d = *state;
	db *o = db_open_owner();
	assert_int_equal(db_exec(o, "CREATE TABLE t(a BIGINT, b TEXT, c BYTEA, e DOUBLE PRECISION)", NULL), DB_DONE);
	assert_int_equal(db_exec(o, "GRANT ALL ON t TO stamprally", NULL), DB_DONE);
	db_close(o);
	const unsigned char bytes[] = {0, 1, 0xff, '\\', 'x', 0};
	assert_int_equal(db_exec(d, "INSERT INTO t VALUES ($1, $2, $3, $4)", "itbd", INT64_C(-9007199254740993),
				 "it's \"$1\" 日本", bytes, sizeof bytes, 35.4437), DB_DONE);
	assert_int_equal(db_changes(d), 1);
	assert_int_equal(db_exec(d, "INSERT INTO t VALUES ($2, $1, $3, NULL)", "tin", "second", INT64_C(8)), DB_DONE);
	db_stmt *st = db_query(d, "SELECT a, b, c, e, a > 0 FROM t WHERE b = $1", "t", "it's \"$1\" 日本");
	assert_int_equal(db_row(st), DB_ROW);
	assert_true(db_int(st, 0) == INT64_C(-9007199254740993));
	assert_string_equal(db_text(st, 1), "it's \"$1\" 日本");
	size_t n;
	const unsigned char *b = db_blob(st, 2, &n);
	assert_int_equal(n, sizeof bytes);
	assert_memory_equal(b, bytes, sizeof bytes);
	assert_true(db_double(st, 3) > 35.4436 && db_double(st, 3) < 35.4438);
	assert_int_equal(db_int(st, 4), 0); /* a boolean reads as 0 or 1, as in SQLite */
	assert_int_equal(db_row(st), DB_DONE);
	db_done(st);
	/* two blobs of one row stay valid together */
	st = db_query(d, "SELECT c, substr(c, 2, 2) FROM t WHERE a < 0", NULL);
	assert_int_equal(db_row(st), DB_ROW);
	size_t n1, n2;
	const unsigned char *b1 = db_blob(st, 0, &n1), *b2 = db_blob(st, 1, &n2);
	assert_int_equal(n1, sizeof bytes);
	assert_int_equal(n2, 2);
	assert_memory_equal(b1, bytes, sizeof bytes);
	assert_memory_equal(b2, bytes + 1, 2);
	db_done(st);
	/* NULLs: bound by 'n' and by a NULL 't'; read as "" and flagged */
	st = db_query(d, "SELECT b, c, e FROM t WHERE a = $1", "i", INT64_C(8));
	assert_int_equal(db_row(st), DB_ROW);
	assert_string_equal(db_text(st, 0), "second");
	assert_true(db_is_null(st, 1));
	assert_true(db_is_null(st, 2));
	assert_null(db_blob(st, 1, &n));
	db_done(st);
	assert_int_equal(db_exec(d, "UPDATE t SET b = $1 WHERE a = $2", "ti", NULL, INT64_C(8)), DB_DONE);
	assert_int_equal(db_int1(d, -1, "SELECT count(*) FROM t WHERE b IS NULL", NULL), 1);
	assert_int_equal(db_int1(d, -1, "SELECT a FROM t WHERE b = $1", "t", "none"), -1);
}

static void large_text_and_blobs_round_trip(void **state)
{
	db *d = *state;
	size_t big = 3 * 1024 * 1024;
	char *text = malloc(big + 1);
	unsigned char *blob = malloc(big);
	for (size_t i = 0; i < big; i++) {
		text[i] = (char)('a' + i % 26);
		blob[i] = (unsigned char)(i * 7);
	}
	text[big] = '\0';
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('big', $1, 0)", "t", text), DB_DONE);
	char *back = db_text1(d, "SELECT name FROM tenants WHERE slug = 'big'", NULL);
	assert_non_null(back);
	assert_int_equal(strlen(back), big);
	assert_memory_equal(back, text, big);
	free(back);
	int64_t tid = db_int1(d, 0, "SELECT id FROM tenants WHERE slug = 'big'", NULL);
	assert_int_equal(db_exec(d, "INSERT INTO images(public_id, tenant_id, content_type, width, height, bytes, created_at)"
				    " VALUES ('img', $1, 'image/png', 1, 1, $2, 0)", "ib", tid, blob, big), DB_DONE);
	db_stmt *st = db_query(d, "SELECT bytes, length(bytes) FROM images WHERE public_id = 'img'", NULL);
	assert_int_equal(db_row(st), DB_ROW);
	size_t n;
	const void *b = db_blob(st, 0, &n);
	assert_int_equal(n, big);
	assert_int_equal(db_int(st, 1), (int64_t)big);
	assert_memory_equal(b, blob, big);
	db_done(st);
	free(text);
	free(blob);
}

static void savepoints_nest_and_roll_back_inner_only(void **state)
{
	db *d = *state;
	assert_int_equal(db_begin(d), 0);
	assert_true(db_in_write(d) && db_write_lock_held());
	db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('outer', 'o', 0)", NULL);
	assert_int_equal(db_begin(d), 0);
	db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('inner', 'i', 0)", NULL);
	assert_int_equal(db_begin(d), 0);
	/* a constraint failing in the innermost savepoint spoils only it */
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('outer', 'x', 0)", NULL), DB_CONSTRAINT);
	assert_int_equal(db_rollback(d), 0);
	assert_int_equal(db_commit(d), 0);
	assert_int_equal(db_begin(d), 0);
	db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('undone', 'u', 0)", NULL);
	assert_int_equal(db_rollback(d), 0);
	assert_int_equal(db_commit(d), 0);
	assert_false(db_write_lock_held());
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM tenants WHERE slug IN ('outer', 'inner')", NULL), 2);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM tenants WHERE slug = 'undone'", NULL), 0);
	/* a read transaction is one snapshot and refuses writes */
	assert_int_equal(db_begin_read(d), 0);
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('ro', 'r', 0)", NULL), DB_ERROR);
	assert_true(db_failed(d));
	assert_int_equal(db_rollback(d), 0);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM tenants WHERE slug = 'ro'", NULL), 0);
}

static int outside_a_transaction(db *d);

/* The number of tenants with slug. */
static int64_t tenants_named(db *d, const char *slug)
{
	return db_int1(d, -1, "SELECT count(*) FROM tenants WHERE slug = $1", "t", slug);
}

static void tenant(db *d, const char *slug, int want)
{
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ($1, 'n', 0)", "t", slug), want);
}

/* SAVEPOINT and RELEASE wait for the next statement (or are never sent):
 * every combination still means what it says. */
static void held_savepoints_keep_their_meaning(void **state)
{
	db *d = *state;
	/* an empty savepoint, released or rolled back, between real work */
	assert_int_equal(db_begin(d), 0);
	tenant(d, "a", DB_DONE);
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(db_commit(d), 0);
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(db_rollback(d), 0);
	tenant(d, "b", DB_DONE);
	assert_int_equal(db_commit(d), 0);
	assert_int_equal(tenants_named(d, "a") + tenants_named(d, "b"), 2);
	/* a released savepoint's work goes with its transaction's rollback */
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(db_begin(d), 0);
	tenant(d, "c", DB_DONE);
	assert_int_equal(db_commit(d), 0);
	assert_int_equal(db_rollback(d), 0);
	assert_int_equal(tenants_named(d, "c"), 0);
	/* a RELEASE still held when the next savepoint fails: the first
	 * savepoint's work stays, the second's is undone */
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(db_begin(d), 0);
	tenant(d, "d", DB_DONE);
	assert_int_equal(db_commit(d), 0);
	assert_int_equal(db_begin(d), 0);
	tenant(d, "e", DB_DONE);
	tenant(d, "a", DB_CONSTRAINT);
	assert_int_equal(db_rollback(d), 0);
	db_clear_failed(d);
	tenant(d, "f", DB_DONE);
	assert_int_equal(db_commit(d), 0);
	assert_int_equal(tenants_named(d, "d") + tenants_named(d, "f"), 2);
	assert_int_equal(tenants_named(d, "e"), 0);
	/* an empty savepoint is never sent: not even into a transaction that a
	 * failed statement spoiled, where PostgreSQL would refuse it */
	assert_int_equal(db_begin(d), 0);
	tenant(d, "a", DB_CONSTRAINT);
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(db_commit(d), 0);
	assert_int_equal(db_rollback(d), 0);
	db_clear_failed(d);
	assert_int_equal(outside_a_transaction(d), 1);
}

/* 1 when statements on d run each in a transaction of its own: a setting
 * made for "the transaction" is gone at the next statement. */
static int outside_a_transaction(db *d)
{
	db_exec(d, "SELECT set_config('app.probe', 'inside', true)", NULL);
	char *v = db_text1(d, "SELECT coalesce(current_setting('app.probe', true), '')", NULL);
	int outside = v && strcmp(v, "inside") != 0;
	free(v);
	return outside;
}

static void begin_travels_with_the_first_statement_and_a_read_end_is_not_awaited(void **state)
{
	db *d = *state;
	/* nothing ran: no transaction was opened or is left open */
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(db_commit(d), 0);
	assert_int_equal(db_begin_read(d), 0);
	assert_int_equal(db_rollback(d), 0);
	assert_int_equal(outside_a_transaction(d), 1);
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(outside_a_transaction(d), 0); /* the probe tells */
	assert_int_equal(db_rollback(d), 0);
	/* a read transaction is one snapshot from its first statement on */
	db *other = db_open();
	assert_int_equal(db_begin_read(d), 0);
	assert_int_equal(db_int1(d, -1, "SELECT count(*) FROM tenants", NULL), 0);
	assert_int_equal(db_exec(other, "INSERT INTO tenants(slug, name, created_at) VALUES ('later', 'l', 0)", NULL), DB_DONE);
	assert_int_equal(db_int1(d, -1, "SELECT count(*) FROM tenants", NULL), 0);
	assert_int_equal(db_rollback(d), 0); /* sent, not awaited */
	assert_int_equal(db_int1(d, -1, "SELECT count(*) FROM tenants", NULL), 1);
	assert_int_equal(outside_a_transaction(d), 1);
	db_close(other);
	/* a first statement that fails leaves a transaction to roll back, then all is well */
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('later', 'l', 0)", NULL), DB_CONSTRAINT);
	assert_int_equal(db_rollback(d), 0);
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('kept', 'k', 0)", NULL), DB_DONE);
	assert_int_equal(db_commit(d), 0);
	assert_int_equal(db_int1(d, -1, "SELECT count(*) FROM tenants WHERE slug = 'kept'", NULL), 1);
	assert_int_equal(outside_a_transaction(d), 1);
}

static void errors_map_to_constraint_busy_and_error(void **state)
{
	db *d = *state;
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('a', 'a', 0)", NULL), DB_DONE);
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('a', 'a', 0)", NULL), DB_CONSTRAINT);
	assert_int_equal(db_exec(d, "INSERT INTO rallies(tenant_id, slug, title, starts_at, ends_at, status, created_at, updated_at)"
				    " VALUES (999, 's', 't', 0, 1, 'published', 0, 0)", NULL), DB_CONSTRAINT);
	assert_int_equal(db_exec(d, "INSERT INTO rallies(tenant_id, slug, title, starts_at, ends_at, status, created_at, updated_at)"
				    " SELECT id, 's', 't', 5, 1, 'published', 0, 0 FROM tenants", NULL), DB_CONSTRAINT);
	db_clear_failed(d);
	assert_null(db_query(d, "SELECT nonsense FROM nowhere", NULL));
	assert_true(db_failed(d));
	db_clear_failed(d);
	/* statement_timeout (500 ms here) */
	assert_int_equal(db_exec(d, "SELECT pg_sleep(2)", NULL), DB_BUSY);
	/* a row lock another connection holds, with a lock timeout */
	db *other = db_open();
	assert_int_equal(db_begin(other), 0);
	assert_int_equal(db_exec(other, "UPDATE tenants SET name = 'b' WHERE slug = 'a'", NULL), DB_DONE);
	assert_int_equal(db_exec_script(d, "SET lock_timeout = 100"), 0);
	assert_int_equal(db_exec(d, "UPDATE tenants SET name = 'c' WHERE slug = 'a'", NULL), DB_BUSY);
	assert_int_equal(db_rollback(other), 0);
	db_close(other);
	assert_int_equal(db_exec(d, "UPDATE tenants SET name = 'c' WHERE slug = 'a'", NULL), DB_DONE);
}

struct locker {
	int rc, conflict;
};

/* Another connection: the row 'b', then (after the main thread took 'a')
 * the row 'a'. */
static void *lock_b_then_a(void *arg)
{
	struct locker *l = arg;
	db *d = db_open();
	db_exec_script(d, "SET statement_timeout = 5000"); /* past deadlock_timeout (1 s) */
	db_begin(d);
	db_exec(d, "UPDATE tenants SET name = 'x' WHERE slug = 'b'", NULL);
	usleep(300 * 1000);
	l->rc = db_exec(d, "UPDATE tenants SET name = 'x' WHERE slug = 'a'", NULL);
	l->conflict = db_failed_conflict(d);
	db_rollback(d);
	db_close(d);
	return NULL;
}

static void a_deadlock_is_a_conflict_worth_another_try(void **state)
{
	db *d = *state;
	assert_true(db_concurrent_writers());
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('a', 'a', 0), ('b', 'b', 0)", NULL), DB_DONE);
	struct locker l = {0};
	pthread_t t;
	assert_int_equal(db_exec_script(d, "SET statement_timeout = 5000"), 0);
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(db_exec(d, "UPDATE tenants SET name = 'y' WHERE slug = 'a'", NULL), DB_DONE);
	pthread_create(&t, NULL, lock_b_then_a, &l);
	usleep(600 * 1000); /* the other connection holds 'b' and waits for 'a' */
	int rc = db_exec(d, "UPDATE tenants SET name = 'y' WHERE slug = 'b'", NULL);
	int conflict = db_failed_conflict(d);
	db_rollback(d);
	pthread_join(t, NULL);
	/* PostgreSQL aborts one of the two; it says so as a conflict */
	assert_true((rc == DB_BUSY && conflict && l.rc == DB_DONE) || (l.rc == DB_BUSY && l.conflict && rc == DB_DONE));
	/* a plain error is not one */
	db_clear_failed(d);
	assert_null(db_query(d, "SELECT nonsense FROM nowhere", NULL));
	assert_true(db_failed(d) && !db_failed_conflict(d));
}

static void a_broken_connection_fails_once_then_reconnects(void **state)
{
	db *d = *state;
	int64_t pid = db_int1(d, 0, "SELECT pg_backend_pid()", NULL);
	char sql[100];
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", (long long)pid);
	admin(sql);
	db_clear_failed(d);
	assert_int_equal(db_int1(d, -1, "SELECT count(*) FROM tenants", NULL), -1);
	assert_true(db_failed(d));
	db_clear_failed(d);
	assert_int_equal(db_int1(d, -1, "SELECT count(*) FROM tenants", NULL), 0);
	assert_true(db_int1(d, 0, "SELECT pg_backend_pid()", NULL) != pid);
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('after', 'a', 0)", NULL), DB_DONE);
	assert_int_equal(db_int1(d, -1, "SELECT current_setting('statement_timeout')::interval = '500ms'", NULL), 1);
	/* rows being read when the connection breaks and a nested query reconnects stay readable */
	assert_int_equal(db_exec(d, "INSERT INTO tenants(slug, name, created_at) VALUES ('b2', 'b', 0), ('c3', 'c', 0)", NULL), DB_DONE);
	static const char *const list = "SELECT slug FROM tenants ORDER BY slug";
	db_stmt *st = db_query(d, list, NULL);
	assert_int_equal(db_row(st), DB_ROW);
	assert_string_equal(db_text(st, 0), "after");
	snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", (long long)db_int1(d, 0, "SELECT pg_backend_pid()", NULL));
	admin(sql);
	assert_int_equal(db_int1(d, -1, "SELECT 1", NULL), -1); /* meets the break */
	assert_int_equal(db_int1(d, -1, "SELECT 2", NULL), 2);  /* reconnected */
	assert_int_equal(db_row(st), DB_ROW);
	assert_string_equal(db_text(st, 0), "b2");
	assert_int_equal(db_row(st), DB_ROW);
	assert_string_equal(db_text(st, 0), "c3");
	assert_int_equal(db_row(st), DB_DONE);
	db_done(st);
	char *first = db_text1(d, list, NULL); /* prepared again on the new connection */
	assert_string_equal(first, "after");
	free(first);
	db_clear_failed(d);
}

static void *migrate_thread(void *arg)
{
	db *d = db_open();
	int *applied = arg;
	*applied = d && migrate_store(d, applied) == 0 ? *applied : -1;
	db_close(d);
	return NULL;
}

static void nodes_starting_together_migrate_once(void **state)
{
	(void)state;
	char sql[200], name[64];
	snprintf(name, sizeof name, "unit_%d_race", (int)getpid());
	snprintf(sql, sizeof sql, "CREATE DATABASE %s OWNER stamprally_owner", name);
	admin(sql);
	snprintf(url, sizeof url, "host=%s dbname=%s user=stamprally", sockdir, name);
	snprintf(owner_url, sizeof owner_url, "host=%s dbname=%s user=stamprally_owner", sockdir, name);
	struct db_options o = {.url = url, .owner_url = owner_url};
	db_configure(&o);
	pthread_t t[4];
	int applied[4] = {0};
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, migrate_thread, &applied[i]);
	int total = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_true(applied[i] >= 0);
		total += applied[i];
	}
	assert_int_equal(total, migrate_latest());
	db *d = db_open();
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM schema_migrations", NULL), migrate_latest());
	db_close(d);
}

/* Two tenants, each with a rally, a spot, a participant with a stamp, an
 * account and its session; returns tenant one's id. */
static int64_t two_tenants(db *d)
{
	for (int i = 1; i <= 2; i++) {
		char t[16], r[16], sp[16], q[16], p[16], a[16];
		snprintf(t, sizeof t, "t%d", i), snprintf(r, sizeof r, "r%d", i), snprintf(sp, sizeof sp, "s%d", i);
		snprintf(q, sizeof q, "q%d", i), snprintf(p, sizeof p, "p%d", i), snprintf(a, sizeof a, "a%d", i);
		int64_t tid = db_int1(d, 0, "INSERT INTO tenants(slug, name, created_at) VALUES ($1, $1, 0) RETURNING id", "t", t);
		int64_t rid = db_int1(d, 0, "INSERT INTO rallies(tenant_id, slug, title, starts_at, ends_at, status, created_at, updated_at)"
					    " VALUES ($1, $2, $2, 0, 1, 'published', 0, 0) RETURNING id", "it", tid, r);
		int64_t sid = db_int1(d, 0, "INSERT INTO spots(rally_id, public_id, name, position, qr_token, created_at, updated_at)"
					    " VALUES ($1, $2, $2, 1, $3, 0, 0) RETURNING id", "itt", rid, sp, q);
		int64_t pid = db_int1(d, 0, "INSERT INTO participants(public_id, rally_id, created_at) VALUES ($1, $2, 0) RETURNING id",
				      "ti", p, rid);
		assert_int_equal(db_exec(d, "INSERT INTO stamps(participant_id, spot_id, method, created_at) VALUES ($1, $2, 'qr', 0)",
					 "ii", pid, sid), DB_DONE);
		assert_int_equal(db_exec(d, "INSERT INTO accounts(public_id, tenant_id, login, password_hash, role, created_at, updated_at)"
					    " VALUES ($1, $2, $1, 'x', 'owner', 0, 0)", "ti", a, tid), DB_DONE);
	}
	return db_int1(d, 0, "SELECT id FROM tenants WHERE slug = 't1'", NULL);
}

static void row_security_holds_a_wrong_query_to_its_tenant(void **state)
{
	db *d = *state;
	int64_t t1 = two_tenants(d);
	static const char *const everything[] = {
		"SELECT count(*) FROM tenants", "SELECT count(*) FROM rallies", "SELECT count(*) FROM spots",
		"SELECT count(*) FROM participants", "SELECT count(*) FROM stamps", "SELECT count(*) FROM accounts",
	};
	/* a console transaction: queries that forgot their tenant see one */
	assert_int_equal(db_begin_read(d), 0);
	assert_int_equal(db_scope_tenant(d, t1), 0);
	for (size_t i = 0; i < sizeof everything / sizeof *everything; i++)
		assert_int_equal(db_int1(d, -1, everything[i], NULL), 1);
	char *slug = db_text1(d, "SELECT slug FROM rallies", NULL);
	assert_string_equal(slug, "r1");
	free(slug);
	assert_int_equal(db_rollback(d), 0);
	/* nor can they write into another tenant's rows */
	assert_int_equal(db_begin(d), 0);
	assert_int_equal(db_scope_tenant(d, t1), 0);
	assert_int_equal(db_exec(d, "UPDATE rallies SET title = 'mine now'", NULL), DB_DONE);
	assert_int_equal(db_changes(d), 1);
	assert_int_equal(db_exec(d, "DELETE FROM stamps", NULL), DB_DONE);
	assert_int_equal(db_changes(d), 1);
	int64_t r2 = db_int1(d, 0, "SELECT count(*) FROM rallies WHERE slug = 'r2'", NULL);
	assert_int_equal(r2, 0);
	assert_int_equal(db_commit(d), 0);
	/* outside a console transaction (participants, /ops, jobs) all rows */
	for (size_t i = 0; i < sizeof everything / sizeof *everything; i++)
		assert_int_equal(db_int1(d, -1, everything[i], NULL), i == 4 ? 1 : 2);
	assert_int_equal(db_int1(d, 0, "SELECT count(*) FROM rallies WHERE title = 'mine now'", NULL), 1);
	/* the service's role neither owns the tables nor bypasses the policies */
	assert_int_equal(db_int1(d, -1, "SELECT count(*) FROM pg_tables WHERE tableowner = current_user", NULL), 0);
	assert_int_equal(db_int1(d, -1, "SELECT count(*) FROM pg_class WHERE relname = 'rallies' AND relforcerowsecurity", NULL), 1);
}

int main(void)
{
	sockdir = getenv("STAMPRALLY_TEST_PG");
	if (!sockdir || !*sockdir) {
		fprintf(stderr, "test_db_pg: set STAMPRALLY_TEST_PG to the socket directory of scripts/pg-throwaway\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(types_bind_and_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(large_text_and_blobs_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(savepoints_nest_and_roll_back_inner_only, setup, teardown),
		cmocka_unit_test_setup_teardown(held_savepoints_keep_their_meaning, setup, teardown),
		cmocka_unit_test_setup_teardown(begin_travels_with_the_first_statement_and_a_read_end_is_not_awaited, setup, teardown),
		cmocka_unit_test_setup_teardown(errors_map_to_constraint_busy_and_error, setup, teardown),
		cmocka_unit_test_setup_teardown(a_deadlock_is_a_conflict_worth_another_try, setup, teardown),
		cmocka_unit_test_setup_teardown(a_broken_connection_fails_once_then_reconnects, setup, teardown),
		cmocka_unit_test_setup_teardown(row_security_holds_a_wrong_query_to_its_tenant, setup, teardown),
		cmocka_unit_test(nodes_starting_together_migrate_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
