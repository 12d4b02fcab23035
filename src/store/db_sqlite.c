/*
 * db_sqlite.c — the SQLite backend of db.h (see db_backend.h).
 *
 * WAL journal, foreign keys on, a busy timeout, synchronous NORMAL (a commit
 * is in the WAL before we answer, so a killed process loses nothing) or FULL
 * (fsync per commit, survives power loss).  Write transactions inside this
 * process are serialised by a mutex before BEGIN IMMEDIATE (db.c), so worker
 * threads queue on a lock instead of spinning in SQLite's busy handler.
 */
#include "store/db_backend.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE 64

struct db_stmt {
	struct db_stmt_head h;
	sqlite3_stmt *st;
	const char *sql;   /* the caller's SQL text (static), the cache key */
	int busy;          /* handed out and not yet done */
};

struct db {
	struct db_head h;
	sqlite3 *h3;
	db_stmt cache[STMT_CACHE];
	int ncache;
};

static const char *version(void)
{
	return sqlite3_libversion();
}

/* Log a failure with SQLite's message and make it sticky (db_failed). */
static void log_err(db *d, const char *what, const char *sql)
{
	db_log_error(d, what, d && d->h3 ? sqlite3_errmsg(d->h3) : "?", sql);
}

static void sq_close(db *d);
static int exec_script(db *d, const char *sql);

/* A new connection with the service's settings; NULL on error (logged). */
static db *sq_open(const struct db_options *o)
{
	/* No global memory statistics: they take a process-wide mutex on every
	 * allocation of every connection. Only possible before the first open;
	 * later calls are refused by SQLite and change nothing. */
	static int configured;
	if (!configured++)
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	db *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->h.ops = &db_sqlite_ops;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(o->path, &d->h3, flags, NULL) != SQLITE_OK) {
		log_err(d, "open", o->path);
		sq_close(d);
		return NULL;
	}
	sqlite3_busy_timeout(d->h3, o->busy_timeout_ms);
	sqlite3_extended_result_codes(d->h3, 1);
	const char *pragmas = o->durability_full
		? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
		: "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;";
	if (exec_script(d, pragmas) != 0) {
		sq_close(d);
		return NULL;
	}
	/* With a background checkpointer, commits never pay for checkpoints
	 * (and their fsyncs) themselves. */
	if (o->manual_checkpoint)
		sqlite3_wal_autocheckpoint(d->h3, 0);
	return d;
}

static void sq_close(db *d)
{
	for (int i = 0; i < d->ncache; i++)
		sqlite3_finalize(d->cache[i].st);
	sqlite3_close(d->h3);
	free(d);
}

/* Rewrite $N parameters to ?N (outside quotes) into out. */
static void translate(const char *sql, char *out, size_t outsz)
{
	size_t o = 0;
	char quote = 0;
	for (const char *p = sql; *p && o + 1 < outsz; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
			out[o++] = '?';
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
}

/* Find or prepare the statement for sql; NULL on error. */
static db_stmt *prepare(db *d, const char *sql)
{
	for (int i = 0; i < d->ncache; i++)
		if (d->cache[i].sql == sql && !d->cache[i].busy)
			return &d->cache[i];
	char tsql[8192];
	translate(sql, tsql, sizeof tsql);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(d->h3, tsql, -1, &st, NULL) != SQLITE_OK) {
		log_err(d, "prepare", sql);
		return NULL;
	}
	int slot = d->ncache < STMT_CACHE ? d->ncache++ : -1;
	if (slot < 0) {
		/* Cache full: evict the first idle entry. */
		for (int i = 0; i < d->ncache && slot < 0; i++)
			if (!d->cache[i].busy)
				slot = i;
		if (slot < 0) {
			sqlite3_finalize(st);
			log_err(d, "statement cache exhausted", sql);
			return NULL;
		}
		sqlite3_finalize(d->cache[slot].st);
	}
	d->cache[slot] = (db_stmt){{d}, st, sql, 0};
	return &d->cache[slot];
}

/* Prepare or reuse sql and bind ap's arguments as types says. */
static db_stmt *sq_query(db *d, const char *sql, const char *types, va_list ap)
{
	db_stmt *s = prepare(d, sql);
	if (!s)
		return NULL;
	s->busy = 1;
	int rc = SQLITE_OK;
	for (int i = 0; types && types[i] && rc == SQLITE_OK; i++) {
		int idx = i + 1;
		switch (types[i]) {
		case 'i':
			rc = sqlite3_bind_int64(s->st, idx, va_arg(ap, int64_t));
			break;
		case 't': {
			const char *t = va_arg(ap, const char *);
			rc = t ? sqlite3_bind_text(s->st, idx, t, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s->st, idx);
			break;
		}
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			rc = sqlite3_bind_blob64(s->st, idx, p ? p : "", n, SQLITE_TRANSIENT);
			break;
		}
		case 'd':
			rc = sqlite3_bind_double(s->st, idx, va_arg(ap, double));
			break;
		case 'n':
			rc = sqlite3_bind_null(s->st, idx);
			break;
		default:
			rc = SQLITE_MISUSE;
		}
	}
	if (rc != SQLITE_OK) {
		log_err(d, "bind", sql);
		db_done(s);
		return NULL;
	}
	return s;
}

/* One step: DB_ROW, DB_DONE, DB_CONSTRAINT, DB_BUSY or DB_ERROR (logged). */
static int sq_row(db_stmt *s)
{
	db *d = s->h.owner;
	if (d->h.read_only && !sqlite3_stmt_readonly(s->st)) {
		log_err(d, "write in a read transaction", s->sql);
		return DB_ERROR;
	}
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return DB_CONSTRAINT;
	log_err(d, "step", s->sql);
	if ((rc & 0xff) == SQLITE_BUSY)
		d->h.conflict = 1;
	return (rc & 0xff) == SQLITE_BUSY ? DB_BUSY : DB_ERROR;
}

static int64_t col_int(db_stmt *s, int col)
{
	return sqlite3_column_int64(s->st, col);
}

static double col_double(db_stmt *s, int col)
{
	return sqlite3_column_double(s->st, col);
}

static const char *col_text(db_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s->st, col);
	return t ? (const char *)t : "";
}

static const void *col_blob(db_stmt *s, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(s->st, col);
	*len = (size_t)sqlite3_column_bytes(s->st, col);
	return p;
}

static int col_null(db_stmt *s, int col)
{
	return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

/* Reset the statement and give it back to the cache. */
static void sq_done(db_stmt *s)
{
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	s->busy = 0;
}

static int64_t changes(db *d)
{
	return sqlite3_changes64(d->h3);
}

static int exec_script(db *d, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(d->h3, sql, NULL, NULL, &msg) != SQLITE_OK) {
		db_log_error(NULL, "script", msg, "");
		sqlite3_free(msg);
		return DB_ERROR;
	}
	return 0;
}

/* Copy committed WAL pages into the database (PASSIVE); pages left, or -1. */
static int checkpoint(db *d)
{
	int logged = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(d->h3, NULL, SQLITE_CHECKPOINT_PASSIVE, &logged, &done);
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? logged - done : -1;
}

static int wal_truncate(db *d)
{
	int logged = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(d->h3, NULL, SQLITE_CHECKPOINT_TRUNCATE, &logged, &done);
	return rc == SQLITE_OK ? 0 : -1;
}

static int vacuum(db *d)
{
	return exec_script(d, "VACUUM") == 0 ? 0 : -1;
}

/* SQLite's online backup of every page in one step: one read transaction
 * on the source, so the copy is one consistent snapshot while the writer
 * goes on (WAL). */
static int copy_to(db *d, const char *path)
{
	sqlite3 *out = NULL;
	int rc = sqlite3_open_v2(path, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(out, "main", d->h3, "main") : NULL;
	if (b) {
		rc = sqlite3_backup_step(b, -1);
		sqlite3_backup_finish(b);
		rc = rc == SQLITE_DONE ? sqlite3_errcode(out) : rc;
	} else if (rc == SQLITE_OK) {
		rc = sqlite3_errcode(out);
	}
	if (rc != SQLITE_OK)
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"database copy failed\",\"error\":\"%s\"}\n",
			sqlite3_errstr(rc));
	sqlite3_close(out);
	return rc == SQLITE_OK ? 0 : -1;
}

db *db_sqlite_open_file(const char *path, int writable)
{
	db *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->h.ops = &db_sqlite_ops;
	int flags = (writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &d->h3, flags, NULL) != SQLITE_OK) {
		log_err(d, "open", path);
		sq_close(d);
		return NULL;
	}
	sqlite3_extended_result_codes(d->h3, 1);
	return d;
}

static int integrity(db *d, char *msg, size_t n)
{
	char *r = db_text1(d, "PRAGMA integrity_check(1)", NULL);
	int ok = r && strcmp(r, "ok") == 0;
	snprintf(msg, n, "%s", r ? r : sqlite3_errmsg(d->h3));
	free(r);
	return ok ? 0 : -1;
}

static int table_counts(db *d, void (*fn)(const char *, int64_t, void *), void *ud)
{
	db_stmt *st = db_query(d, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
				  " ORDER BY name", NULL);
	int rc = st ? 0 : -1;
	while (rc == 0 && db_row(st) == DB_ROW) {
		const char *name = db_text(st, 0);
		char sql[128];
		sqlite3_stmt *c = NULL;
		if (!db_plain_identifier(name)) {
			rc = -1;
			break;
		}
		/* SQL-IDENT: a table name from the schema, checked to be [a-z0-9_] and
		 * quoted; identifiers cannot be bound parameters. */
		snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", name);
		if (sqlite3_prepare_v2(d->h3, sql, -1, &c, NULL) == SQLITE_OK && sqlite3_step(c) == SQLITE_ROW)
			fn(name, sqlite3_column_int64(c, 0), ud);
		else
			rc = -1;
		sqlite3_finalize(c);
	}
	db_done(st);
	return rc;
}

const struct db_ops db_sqlite_ops = {
	.name = "sqlite",
	.begin_write = "BEGIN IMMEDIATE",
	.begin_read = "BEGIN",
	.one_writer = 1,
	.sync_full = "PRAGMA synchronous=FULL",
	.size_bytes = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
	.version = version,
	.open = sq_open,
	.close = sq_close,
	.query = sq_query,
	.row = sq_row,
	.col_int = col_int,
	.col_double = col_double,
	.col_text = col_text,
	.col_blob = col_blob,
	.col_null = col_null,
	.done = sq_done,
	.changes = changes,
	.exec_script = exec_script,
	.checkpoint = checkpoint,
	.wal_truncate = wal_truncate,
	.vacuum = vacuum,
	.copy_to = copy_to,
	.integrity = integrity,
	.table_counts = table_counts,
};
