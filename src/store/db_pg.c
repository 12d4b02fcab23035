/*
 * db_pg.c — the PostgreSQL backend of db.h (libpq; see db_backend.h).
 *
 * One connection per worker thread (db_thread), READ COMMITTED for writes
 * and a REPEATABLE READ READ ONLY snapshot for db_begin_read. Each SQL text
 * is prepared once per connection under a name of its own (PQprepare) and
 * found again by the address of the caller's static SQL, like the SQLite
 * cache. Parameters go as text (blobs as binary) with the types the type
 * string gives: int8, float8, bytea, text; a NULL is left for PostgreSQL to
 * infer. Results come back whole (PQexecPrepared), so a statement's rows
 * can be read while other statements run on the same connection.
 *
 * A connection that broke (the server restarted, the network went away) is
 * reset before the next statement outside a transaction: the request that
 * saw the break fails (503 from the dispatcher, never a wrong answer), the
 * next one runs on a fresh connection with an empty statement cache.
 */
#include "store/db_backend.h"

#include <libpq-fe.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE 128
#define HELD 4 /* control statements waiting for the next one */
#define MAX_PARAMS 32
#define MAX_BLOBS 8 /* blob columns read from one row */
/* PostgreSQL's type OIDs (pg_type.h is a server header). */
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_FLOAT8 701
#define OID_TEXT 25

struct db_stmt {
	struct db_stmt_head h;
	const char *sql;      /* the caller's SQL text (static), the cache key */
	char name[16];        /* the prepared statement's name on the connection */
	PGresult *res;        /* the rows of the last execution */
	int row, nrows;       /* the current row (-1 before the first) */
	unsigned char *blobs[MAX_BLOBS]; /* the current row's unescaped bytea values (PQfreemem) */
	int nblobs;
	int busy;             /* handed out and not yet done */
	int empty;            /* answers DB_DONE without a result: a BEGIN or an end held back */
};

struct db {
	struct db_head h;
	PGconn *c;
	db_stmt cache[STMT_CACHE];
	int ncache;
	unsigned next_name;
	int64_t changes;      /* rows changed by the last statement */
	int timeout_ms;       /* statement_timeout of the session */
	/* Round trips saved: a BEGIN, SAVEPOINT or RELEASE waits for the next
	 * statement and goes with it (libpq's pipeline mode); a savepoint
	 * released with nothing in it, or a RELEASE before the COMMIT, is never
	 * sent; a read transaction's ROLLBACK is sent without waiting, its
	 * answer read before the next statement. */
	const char *held[HELD];
	int nheld;
	int rollback_sent;
	db_stmt none;         /* what a held-back BEGIN, COMMIT or ROLLBACK hands out */
};

static const char *version(void)
{
	static char v[16];
	int n = PQlibVersion();
	snprintf(v, sizeof v, "%d.%d", n / 10000, n % 10000);
	return v;
}

static void pg_close(db *d);

/* Free the unescaped blobs of the current row. */
static void free_blobs(db_stmt *s)
{
	for (int i = 0; i < s->nblobs; i++)
		PQfreemem(s->blobs[i]);
	s->nblobs = 0;
}

/* Session settings of every new connection: UTC, time limits, and no
 * notices on stderr. 0 or -1 (logged). */
static int session_setup(db *d)
{
	char sql[256];
	int ms = d->timeout_ms;
	snprintf(sql, sizeof sql,
		 "SET TIME ZONE 'UTC'; SET statement_timeout = %d; SET idle_in_transaction_session_timeout = %d;"
		 " SET client_min_messages = warning",
		 ms, ms * 2);
	PGresult *r = PQexec(d->c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		db_log_error(d, "session setup", PQerrorMessage(d->c), "SET");
	PQclear(r);
	return ok ? 0 : -1;
}

/* A new connection to o->url; NULL on error (logged without the password). */
static db *pg_open(const struct db_options *o)
{
	db *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->h.ops = &db_pg_ops;
	d->timeout_ms = o->statement_timeout_ms > 0 ? o->statement_timeout_ms : 30000;
	/* expand_dbname: dbname holds the whole URL or key=value string; a
	 * password not given here is libpq's to find (PGPASSWORD, ~/.pgpass). */
	const char *keys[] = {"dbname", "application_name", "password", NULL};
	const char *vals[] = {o->url, "stamprally", o->password && *o->password ? o->password : NULL, NULL};
	d->c = PQconnectdbParams(keys, vals, 1);
	if (!d->c || PQstatus(d->c) != CONNECTION_OK) {
		db_log_error(d, "connect", d->c ? PQerrorMessage(d->c) : "out of memory", "");
		pg_close(d);
		return NULL;
	}
	if (session_setup(d) != 0) {
		pg_close(d);
		return NULL;
	}
	return d;
}

/* Forget every prepared statement of the connection (after a reset the
 * server has none): no SQL finds them again. A statement still handed out
 * (a caller reading its rows) keeps its result until db_done. */
static void forget_prepared(db *d)
{
	for (int i = 0; i < d->ncache; i++) {
		db_stmt *s = &d->cache[i];
		s->sql = NULL, s->name[0] = '\0';
		if (!s->busy) {
			PQclear(s->res);
			free_blobs(s);
			s->res = NULL;
		}
	}
}

static void pg_close(db *d)
{
	for (int i = 0; i < d->ncache; i++) {
		PQclear(d->cache[i].res);
		free_blobs(&d->cache[i]);
	}
	PQfinish(d->c);
	free(d);
}

/* Read the answer of a ROLLBACK sent without waiting. */
static void drain(db *d)
{
	if (!d->rollback_sent)
		return;
	d->rollback_sent = 0;
	PGresult *r;
	while ((r = PQgetResult(d->c)))
		PQclear(r);
}

/* Reconnect a broken connection when no transaction is open. 0 when the
 * connection can be used. */
static int usable(db *d, const char *sql)
{
	drain(d);
	if (PQstatus(d->c) == CONNECTION_OK)
		return 0;
	if (d->h.depth > 0) {
		db_log_error(d, "connection lost in a transaction", PQerrorMessage(d->c), sql);
		return -1;
	}
	forget_prepared(d);
	d->h.epoch++; /* the server forgot this session's advisory locks */
	d->nheld = 0;
	PQreset(d->c);
	if (PQstatus(d->c) != CONNECTION_OK) {
		db_log_error(d, "reconnect", PQerrorMessage(d->c), sql);
		return -1;
	}
	return session_setup(d);
}

/* The OID to declare for a parameter of type letter t: text is text (so
 * "$1 IS NULL" has a type); a NULL ('n') is left for PostgreSQL to infer. */
static Oid param_type(char t)
{
	return t == 'i' ? OID_INT8 : t == 'd' ? OID_FLOAT8 : t == 'b' ? OID_BYTEA : t == 't' ? OID_TEXT : 0;
}

/* Find an idle cached statement for sql or prepare one under a new name
 * with the parameter types of types; NULL on error (logged). */
static db_stmt *prepare(db *d, const char *sql, const char *types)
{
	for (int i = 0; i < d->ncache; i++)
		if (d->cache[i].sql == sql && !d->cache[i].busy)
			return &d->cache[i];
	int slot = -1;
	for (int i = 0; i < d->ncache && slot < 0; i++) /* a slot a reconnection emptied */
		if (!d->cache[i].sql && !d->cache[i].busy)
			slot = i;
	if (slot < 0 && d->ncache < STMT_CACHE)
		slot = d->ncache++;
	for (int i = 0; i < d->ncache && slot < 0; i++) /* full: evict the first idle one */
		if (!d->cache[i].busy)
			slot = i;
	if (slot < 0) {
		db_log_error(d, "statement cache exhausted", "", sql);
		return NULL;
	}
	db_stmt *s = &d->cache[slot];
	if (s->name[0]) { /* evicted: its name is free again on the server */
		char dealloc[40];
		snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", s->name);
		PQclear(PQexec(d->c, dealloc));
		PQclear(s->res);
		free_blobs(s);
	}
	*s = (db_stmt){.h = {d}, .sql = sql, .row = -1};
	snprintf(s->name, sizeof s->name, "s%u", d->next_name++);
	Oid oids[MAX_PARAMS];
	int n = types ? (int)strlen(types) : 0;
	for (int i = 0; i < n && i < MAX_PARAMS; i++)
		oids[i] = param_type(types[i]);
	PGresult *r = PQprepare(d->c, s->name, sql, n, n ? oids : NULL);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		db_log_error(d, "prepare", PQresultErrorMessage(r), sql);
	PQclear(r);
	if (!ok) {
		s->sql = NULL, s->name[0] = '\0';
		return NULL;
	}
	return s;
}

/* DB_CONSTRAINT for integrity violations (SQLSTATE class 23), DB_BUSY for
 * serialization failures, deadlocks, lock and statement timeouts, else
 * DB_ERROR. */
static int map_error(const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (!state)
		return DB_ERROR;
	if (strncmp(state, "23", 2) == 0)
		return DB_CONSTRAINT;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") || !strcmp(state, "57014"))
		return DB_BUSY;
	return DB_ERROR;
}

/* The statement that answers DB_DONE at once. */
static db_stmt *nothing(db *d)
{
	d->none = (db_stmt){.h = {d}, .empty = 1};
	return &d->none;
}

static int is_begin(const char *sql)
{
	return sql == db_pg_ops.begin_write || sql == db_pg_ops.begin_read;
}

/* A control statement that need not wait for the server (BEGIN,
 * SAVEPOINT, RELEASE, a COMMIT or ROLLBACK of nothing, a read
 * transaction's end, ROLLBACK TO an empty savepoint): the statement that
 * stands for it, or NULL when sql must run now (after what is held). */
static db_stmt *held_back(db *d, const char *sql)
{
	const char *last = d->nheld ? d->held[d->nheld - 1] : "";
	if (is_begin(sql)) {
		d->held[0] = sql, d->nheld = 1; /* sent with the first statement */
		return nothing(d);
	}
	if (!strcmp(sql, "SAVEPOINT sp") && d->nheld < HELD) {
		d->held[d->nheld++] = sql;
		return nothing(d);
	}
	if (!strcmp(sql, "RELEASE sp") && !strcmp(last, "SAVEPOINT sp")) {
		d->nheld--; /* nothing ran in it: it never needs to exist */
		return nothing(d);
	}
	if (!strcmp(sql, "RELEASE sp") && d->nheld < HELD) {
		d->held[d->nheld++] = sql;
		return nothing(d);
	}
	if (!strcmp(sql, "ROLLBACK TO sp") && !strcmp(last, "SAVEPOINT sp"))
		return nothing(d); /* nothing ran since it: nothing to undo */
	int end = !strcmp(sql, "COMMIT") || !strcmp(sql, "ROLLBACK");
	if (end && d->nheld && is_begin(d->held[0])) { /* nothing ran: no transaction to end */
		d->nheld = 0;
		return nothing(d);
	}
	if (end)
		d->nheld = 0; /* the end releases every savepoint */
	/* A read transaction changed nothing: its end is not waited for. */
	if (end && d->h.read_only && d->h.depth == 1 && PQsendQuery(d->c, "ROLLBACK")) {
		d->rollback_sent = 1;
		return nothing(d);
	}
	return NULL;
}

/* Run the prepared statement s after the held control statements, in one
 * round trip (pipeline mode). Its result, or the first failed held
 * statement's. */
static PGresult *with_held(db *d, db_stmt *s, int n, const char *const *vals, const int *lens, const int *fmts)
{
	const char *held[HELD];
	int nh = d->nheld;
	memcpy(held, d->held, sizeof held);
	d->nheld = 0;
	if (!PQenterPipelineMode(d->c)) { /* cannot pipeline: one after the other */
		for (int i = 0; i < nh; i++) {
			PGresult *b = PQexec(d->c, held[i]);
			if (PQresultStatus(b) != PGRES_COMMAND_OK)
				return b;
			PQclear(b);
		}
		return PQexecPrepared(d->c, s->name, n, vals, lens, fmts, 0);
	}
	PGresult *bad = NULL, *res = NULL;
	int sent = 1;
	for (int i = 0; i < nh && sent; i++)
		sent = PQsendQueryParams(d->c, held[i], 0, NULL, NULL, NULL, NULL, 0);
	if (sent && PQsendQueryPrepared(d->c, s->name, n, vals, lens, fmts, 0) && PQpipelineSync(d->c)) {
		/* each statement's result and a NULL, then the sync (bounded: a
		 * broken connection answers NULL for ever) */
		for (int i = 0; i < nh; i++) {
			PGresult *r = PQgetResult(d->c);
			if (!bad && r && PQresultStatus(r) != PGRES_COMMAND_OK)
				bad = r;
			else
				PQclear(r);
			PQclear(PQgetResult(d->c));
		}
		res = PQgetResult(d->c);
		for (int i = 0; i < 4; i++) {
			PGresult *r = PQgetResult(d->c);
			int sync = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
			PQclear(r);
			if (sync)
				break;
		}
	}
	PQexitPipelineMode(d->c);
	if (bad) {
		PQclear(res);
		return bad;
	}
	return res;
}

/* Bind ap's arguments as types says and run the statement; its rows wait
 * in s->res for pg_row. */
static db_stmt *pg_query(db *d, const char *sql, const char *types, va_list ap)
{
	if (usable(d, sql) != 0)
		return NULL;
	db_stmt *held = held_back(d, sql);
	if (held)
		return held;
	if (d->h.depth == 0)
		d->nheld = 0; /* a transaction that ended without reaching the server */
	int n = types ? (int)strlen(types) : 0;
	if (n > MAX_PARAMS) {
		db_log_error(d, "too many parameters", "", sql);
		return NULL;
	}
	db_stmt *s = prepare(d, sql, types);
	if (!s)
		return NULL;
	char nums[MAX_PARAMS][32];
	const char *vals[MAX_PARAMS];
	int lens[MAX_PARAMS], fmts[MAX_PARAMS];
	for (int i = 0; i < n; i++) {
		lens[i] = 0, fmts[i] = 0, vals[i] = NULL;
		switch (types[i]) {
		case 'i':
			snprintf(nums[i], sizeof nums[i], "%" PRId64, va_arg(ap, int64_t));
			vals[i] = nums[i];
			break;
		case 'd':
			snprintf(nums[i], sizeof nums[i], "%.17g", va_arg(ap, double));
			vals[i] = nums[i];
			break;
		case 't':
			vals[i] = va_arg(ap, const char *);
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t len = va_arg(ap, size_t);
			vals[i] = p ? p : "", lens[i] = (int)len, fmts[i] = 1;
			break;
		}
		case 'n':
			break;
		default:
			db_log_error(d, "bind", "unknown parameter type", sql);
			return NULL;
		}
	}
	s->busy = 1;
	s->res = d->nheld ? with_held(d, s, n, vals, lens, fmts) : PQexecPrepared(d->c, s->name, n, vals, lens, fmts, 0);
	s->row = -1;
	s->nrows = 0;
	return s;
}

/* The next row: DB_ROW, DB_DONE, or the statement's error (logged unless
 * it is a constraint). */
static int pg_row(db_stmt *s)
{
	db *d = s->h.owner;
	if (s->empty)
		return DB_DONE;
	ExecStatusType st = PQresultStatus(s->res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		if (s->row < 0) {
			s->nrows = PQntuples(s->res);
			/* Rows changed, as SQLite counts them: by INSERT, UPDATE and
			 * DELETE (with RETURNING too), not by SELECT. */
			const char *cmd = PQcmdStatus(s->res);
			if (!strncmp(cmd, "INSERT", 6) || !strncmp(cmd, "UPDATE", 6) || !strncmp(cmd, "DELETE", 6))
				d->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
		}
		free_blobs(s);
		return ++s->row < s->nrows ? DB_ROW : DB_DONE;
	}
	int rc = map_error(s->res);
	if (rc != DB_CONSTRAINT)
		db_log_error(d, "step", s->res ? PQresultErrorMessage(s->res) : PQerrorMessage(d->c), s->sql);
	const char *state = s->res ? PQresultErrorField(s->res, PG_DIAG_SQLSTATE) : NULL;
	if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01")))
		d->h.conflict = 1; /* a deadlock or serialization failure: worth another try */
	return rc;
}

static int64_t col_int(db_stmt *s, int col)
{
	const char *v = PQgetvalue(s->res, s->row, col);
	/* Booleans (comparisons in a select list) read as 1 and 0, as in SQLite. */
	return v[0] == 't' && !v[1] ? 1 : strtoll(v, NULL, 10);
}

static double col_double(db_stmt *s, int col)
{
	return strtod(PQgetvalue(s->res, s->row, col), NULL);
}

static const char *col_text(db_stmt *s, int col)
{
	return PQgetvalue(s->res, s->row, col); /* "" for NULL */
}

static const void *col_blob(db_stmt *s, int col, size_t *len)
{
	*len = 0;
	if (PQgetisnull(s->res, s->row, col))
		return NULL;
	if (PQftype(s->res, col) != OID_BYTEA) { /* text read as bytes */
		*len = (size_t)PQgetlength(s->res, s->row, col);
		return PQgetvalue(s->res, s->row, col);
	}
	if (s->nblobs == MAX_BLOBS) {
		db_log_error(s->h.owner, "too many blob columns", "", s->sql);
		return NULL;
	}
	unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, col), len);
	s->blobs[s->nblobs++] = b;
	return b;
}

static int col_null(db_stmt *s, int col)
{
	return PQgetisnull(s->res, s->row, col);
}

/* Free the rows and give the statement back to the cache. */
static void pg_done(db_stmt *s)
{
	if (s->empty)
		return;
	PQclear(s->res);
	free_blobs(s);
	s->res = NULL, s->busy = 0;
}

static int64_t changes(db *d)
{
	return d->changes;
}

/* Several statements without parameters (migrations), in one round trip. */
static int exec_script(db *d, const char *sql)
{
	if (usable(d, "script") != 0)
		return DB_ERROR;
	for (int i = 0; i < d->nheld; i++) /* a script inside a transaction: what is held first */
		PQclear(PQexec(d->c, d->held[i]));
	d->nheld = 0;
	PGresult *r = PQexec(d->c, sql);
	ExecStatusType st = PQresultStatus(r);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		db_log_error(d, "script", PQresultErrorMessage(r), "");
	PQclear(r);
	return ok ? 0 : DB_ERROR;
}

/* VACUUM FULL of every table in schema public: each is written anew and
 * its old files deleted. The names come from the catalog (an identifier
 * cannot be a parameter), each checked to be a plain one. */
static int vacuum_full(db *d)
{
	if (usable(d, "vacuum") != 0)
		return -1;
	PGresult *r = PQexec(d->c, "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY 1");
	int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	for (int i = 0; ok && i < PQntuples(r); i++) {
		char sql[128];
		const char *t = PQgetvalue(r, i, 0);
		if (!db_plain_identifier(t))
			continue;
		snprintf(sql, sizeof sql, "VACUUM FULL public.%s", t);
		ok = exec_script(d, sql) == 0;
	}
	PQclear(r);
	return ok ? 0 : -1;
}

/* PostgreSQL checkpoints and manages its WAL by itself. */
static int nothing_to_do(db *d)
{
	(void)d;
	return 0;
}

static int copy_to(db *d, const char *path)
{
	(void)path;
	db_log_error(d, "copy", "a PostgreSQL database is backed up with pg_dump", "");
	return -1;
}

/* The connection answers and the schema has its tables. */
static int integrity(db *d, char *msg, size_t n)
{
	int64_t tables = db_int1(d, -1, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()", NULL);
	snprintf(msg, n, tables > 0 ? "ok" : "no tables");
	return tables > 0 ? 0 : -1;
}

static int table_counts(db *d, void (*fn)(const char *, int64_t, void *), void *ud)
{
	db_stmt *st = db_query(d, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
			       NULL);
	int rc = st ? 0 : -1;
	while (rc == 0 && db_row(st) == DB_ROW) {
		const char *name = db_text(st, 0);
		char sql[128];
		if (!db_plain_identifier(name)) {
			rc = -1;
			break;
		}
		/* SQL-IDENT: a table name from the catalog, checked to be [a-z0-9_]
		 * and quoted; identifiers cannot be bound parameters. */
		snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", name);
		PGresult *r = PQexec(d->c, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			fn(name, strtoll(PQgetvalue(r, 0, 0), NULL, 10), ud);
		else
			rc = -1;
		PQclear(r);
	}
	db_done(st);
	return rc;
}

const struct db_ops db_pg_ops = {
	.name = "postgres",
	.begin_write = "BEGIN ISOLATION LEVEL READ COMMITTED",
	.begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	.one_writer = 0,
	.scope_tenant = "SELECT set_config('app.tenant_id', $1, true)",
	.lock_xact = "SELECT pg_advisory_xact_lock($1)",
	.try_lock = "SELECT pg_try_advisory_lock($1)",
	.sync_full = "SET synchronous_commit = on",
	.size_bytes = "SELECT pg_database_size(current_database())",
	.version = version,
	.open = pg_open,
	.close = pg_close,
	.query = pg_query,
	.row = pg_row,
	.col_int = col_int,
	.col_double = col_double,
	.col_text = col_text,
	.col_blob = col_blob,
	.col_null = col_null,
	.done = pg_done,
	.changes = changes,
	.exec_script = exec_script,
	.checkpoint = nothing_to_do,
	.wal_truncate = nothing_to_do,
	.vacuum = vacuum_full,
	.copy_to = copy_to,
	.integrity = integrity,
	.table_counts = table_counts,
};
