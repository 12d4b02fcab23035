/*
 * db_sqlite.c — the SQLite backend of db.h.
 *
 * WAL journal, foreign keys on, a busy timeout, synchronous NORMAL (a commit
 * is in the WAL before we answer, so a killed process loses nothing) or FULL
 * (fsync per commit, survives power loss).  Write transactions inside this
 * process are serialised by a mutex before BEGIN IMMEDIATE, so worker threads
 * queue on a lock instead of spinning in SQLite's busy handler.
 */
#include "db.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE 64

struct db_stmt {
	sqlite3_stmt *st;
	db *owner;
	const char *sql;   /* the caller's SQL text (static), the cache key */
	int busy;          /* handed out and not yet done */
};

struct db {
	sqlite3 *h;
	int depth;          /* transaction nesting */
	int read_only;      /* the outermost transaction is a read transaction */
	int failed;         /* a statement failed since the outermost begin (db_failed) */
	db_stmt cache[STMT_CACHE];
	int ncache;
};

static struct db_options opts;
/* Whether this thread holds the process-wide write lock (a write transaction). */
static _Thread_local int write_held;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
/* Each worker thread's connection; closed by the key's destructor when the
 * thread ends (libmicrohttpd's pool threads end in MHD_stop_daemon). */
static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void close_thread_db(void *d)
{
	db_close(d);
}

static void make_key(void)
{
	pthread_key_create(&thread_key, close_thread_db);
}

void db_configure(const struct db_options *o)
{
	opts = *o;
	/* No global memory statistics: they take a process-wide mutex on every
	 * allocation of every connection. Only possible before the first open;
	 * later calls are refused by SQLite and change nothing. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

const char *db_version(void)
{
	return sqlite3_libversion();
}

const char *db_backend(void)
{
	return "sqlite";
}

/* Log a failure and make it sticky on the connection (db_failed). */
static void log_err(db *d, const char *what, const char *sql)
{
	if (d)
		d->failed = 1;
	fprintf(stderr, "{\"level\":\"error\",\"msg\":\"db %s\",\"error\":\"%s\",\"sql\":\"%.120s\"}\n",
		what, d && d->h ? sqlite3_errmsg(d->h) : "?", sql ? sql : "");
}

db *db_open(void)
{
	db *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(opts.path, &d->h, flags, NULL) != SQLITE_OK) {
		log_err(d, "open", opts.path);
		db_close(d);
		return NULL;
	}
	sqlite3_busy_timeout(d->h, opts.busy_timeout_ms);
	sqlite3_extended_result_codes(d->h, 1);
	const char *pragmas = opts.durability_full
		? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
		: "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;";
	if (db_exec_script(d, pragmas) != 0) {
		db_close(d);
		return NULL;
	}
	/* With a background checkpointer, commits never pay for checkpoints
	 * (and their fsyncs) themselves. */
	if (opts.manual_checkpoint)
		sqlite3_wal_autocheckpoint(d->h, 0);
	return d;
}

db *db_thread(void)
{
	pthread_once(&thread_once, make_key);
	db *d = pthread_getspecific(thread_key);
	if (!d && (d = db_open()))
		pthread_setspecific(thread_key, d);
	return d;
}

void db_thread_close(void)
{
	pthread_once(&thread_once, make_key);
	db_close(pthread_getspecific(thread_key));
	pthread_setspecific(thread_key, NULL);
}

void db_close(db *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->ncache; i++)
		sqlite3_finalize(d->cache[i].st);
	sqlite3_close(d->h);
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
	if (sqlite3_prepare_v2(d->h, tsql, -1, &st, NULL) != SQLITE_OK) {
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
	d->cache[slot] = (db_stmt){st, d, sql, 0};
	return &d->cache[slot];
}

static db_stmt *vquery(db *d, const char *sql, const char *types, va_list ap)
{
	if (!d)
		return NULL;
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

db_stmt *db_query(db *d, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	db_stmt *s = vquery(d, sql, types, ap);
	va_end(ap);
	return s;
}

int db_row(db_stmt *s)
{
	if (!s)
		return DB_ERROR;
	if (s->owner->read_only && !sqlite3_stmt_readonly(s->st)) {
		log_err(s->owner, "write in a read transaction", s->sql);
		return DB_ERROR;
	}
	int rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return DB_CONSTRAINT;
	log_err(s->owner, "step", s->sql);
	return (rc & 0xff) == SQLITE_BUSY ? DB_BUSY : DB_ERROR;
}

int64_t db_int(db_stmt *s, int col)
{
	return sqlite3_column_int64(s->st, col);
}

double db_double(db_stmt *s, int col)
{
	return sqlite3_column_double(s->st, col);
}

const char *db_text(db_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s->st, col);
	return t ? (const char *)t : "";
}

const void *db_blob(db_stmt *s, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(s->st, col);
	*len = (size_t)sqlite3_column_bytes(s->st, col);
	return p;
}

int db_is_null(db_stmt *s, int col)
{
	return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

void db_done(db_stmt *s)
{
	if (!s)
		return;
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
	s->busy = 0;
}

int db_exec(db *d, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	db_stmt *s = vquery(d, sql, types, ap);
	va_end(ap);
	if (!s)
		return DB_ERROR;
	int rc;
	while ((rc = db_row(s)) == DB_ROW)
		;
	db_done(s);
	return rc;
}

int64_t db_int1(db *d, int64_t dflt, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	db_stmt *s = vquery(d, sql, types, ap);
	va_end(ap);
	int64_t v = dflt;
	if (s && db_row(s) == DB_ROW && !db_is_null(s, 0))
		v = db_int(s, 0);
	db_done(s);
	return v;
}

char *db_text1(db *d, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	db_stmt *s = vquery(d, sql, types, ap);
	va_end(ap);
	char *v = NULL;
	if (s && db_row(s) == DB_ROW && !db_is_null(s, 0))
		v = strdup(db_text(s, 0));
	db_done(s);
	return v;
}

const char *db_text1a(db *d, arena *a, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	db_stmt *s = vquery(d, sql, types, ap);
	va_end(ap);
	const char *v = NULL;
	if (s && db_row(s) == DB_ROW && !db_is_null(s, 0))
		v = arena_strdup(a, db_text(s, 0));
	db_done(s);
	return v;
}

int64_t db_changes(db *d)
{
	return sqlite3_changes64(d->h);
}

int db_exec_script(db *d, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(d->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"db script\",\"error\":\"%s\"}\n", msg ? msg : "?");
		sqlite3_free(msg);
		return DB_ERROR;
	}
	return 0;
}

int db_begin_read(db *d)
{
	if (d->depth > 0)
		return DB_ERROR;
	d->failed = 0;
	if (db_exec(d, "BEGIN", NULL) != DB_DONE)
		return DB_ERROR;
	d->depth = 1;
	d->read_only = 1;
	return 0;
}

int db_write_lock_held(void)
{
	return write_held;
}

int db_failed(db *d)
{
	return d && d->failed;
}

void db_clear_failed(db *d)
{
	if (d)
		d->failed = 0;
}

int db_in_write(db *d)
{
	return d && d->depth > 0 && !d->read_only;
}

int db_begin(db *d)
{
	if (d->depth > 0 && d->read_only) {
		log_err(d, "write in a read transaction", "BEGIN");
		return DB_ERROR;
	}
	if (d->depth > 0) {
		if (db_exec(d, "SAVEPOINT sp", NULL) != DB_DONE)
			return DB_ERROR;
		d->depth++;
		return 0;
	}
	pthread_mutex_lock(&write_lock);
	d->failed = 0;
	if (db_exec(d, "BEGIN IMMEDIATE", NULL) != DB_DONE) {
		pthread_mutex_unlock(&write_lock);
		return DB_ERROR;
	}
	d->depth = 1;
	write_held = 1;
	return 0;
}

int db_commit(db *d)
{
	if (d->depth > 1) {
		d->depth--;
		return db_exec(d, "RELEASE sp", NULL) == DB_DONE ? 0 : DB_ERROR;
	}
	int rc = db_exec(d, "COMMIT", NULL) == DB_DONE ? 0 : DB_ERROR;
	if (rc != 0)
		db_exec(d, "ROLLBACK", NULL);
	d->depth = 0;
	if (!d->read_only) {
		write_held = 0;
		pthread_mutex_unlock(&write_lock);
	}
	d->read_only = 0;
	return rc;
}

int db_rollback(db *d)
{
	if (d->depth > 1) {
		d->depth--;
		int rc = db_exec(d, "ROLLBACK TO sp", NULL);
		db_exec(d, "RELEASE sp", NULL);
		return rc == DB_DONE ? 0 : DB_ERROR;
	}
	int rc = db_exec(d, "ROLLBACK", NULL) == DB_DONE ? 0 : DB_ERROR;
	d->depth = 0;
	if (!d->read_only) {
		write_held = 0;
		pthread_mutex_unlock(&write_lock);
	}
	d->read_only = 0;
	return rc;
}

int db_checkpoint(db *d)
{
	int logged = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(d->h, NULL, SQLITE_CHECKPOINT_PASSIVE, &logged, &done);
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? logged - done : -1;
}

int db_wal_truncate(db *d)
{
	int logged = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(d->h, NULL, SQLITE_CHECKPOINT_TRUNCATE, &logged, &done);
	return rc == SQLITE_OK ? 0 : -1;
}

int db_vacuum(db *d)
{
	return db_exec_script(d, "VACUUM") == 0 ? 0 : -1;
}

int db_copy_to(db *d, const char *path)
{
	sqlite3 *out = NULL;
	int rc = sqlite3_open_v2(path, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(out, "main", d->h, "main") : NULL;
	if (b) {
		/* All pages in one step: one read transaction on the source, so the
		 * copy is one consistent snapshot while the writer goes on (WAL). */
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

db *db_open_file(const char *path, int writable)
{
	db *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	int flags = (writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &d->h, flags, NULL) != SQLITE_OK) {
		log_err(d, "open", path);
		db_close(d);
		return NULL;
	}
	sqlite3_extended_result_codes(d->h, 1);
	return d;
}

int db_integrity(db *d, char *msg, size_t n)
{
	char *r = db_text1(d, "PRAGMA integrity_check(1)", NULL);
	int ok = r && strcmp(r, "ok") == 0;
	snprintf(msg, n, "%s", r ? r : sqlite3_errmsg(d->h));
	free(r);
	return ok ? 0 : -1;
}

/* A table name safe to put in SQL as a quoted identifier. */
static int plain_identifier(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");
	return n > 0 && n <= 64 && s[n] == '\0';
}

int db_table_counts(db *d, void (*fn)(const char *, int64_t, void *), void *ud)
{
	db_stmt *st = db_query(d, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
				  " ORDER BY name", NULL);
	int rc = st ? 0 : -1;
	while (rc == 0 && db_row(st) == DB_ROW) {
		const char *name = db_text(st, 0);
		char sql[128];
		sqlite3_stmt *c = NULL;
		if (!plain_identifier(name)) {
			rc = -1;
			break;
		}
		/* SQL-IDENT: a table name from the schema, checked to be [a-z0-9_] and
		 * quoted; identifiers cannot be bound parameters. */
		snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", name);
		if (sqlite3_prepare_v2(d->h, sql, -1, &c, NULL) == SQLITE_OK && sqlite3_step(c) == SQLITE_ROW)
			fn(name, sqlite3_column_int64(c, 0), ud);
		else
			rc = -1;
		sqlite3_finalize(c);
	}
	db_done(st);
	return rc;
}

int db_ping(db *d)
{
	return db_int1(d, -1, "SELECT 1", NULL) == 1 ? 0 : -1;
}
