/*
 * db.c — db.h, written once over a backend (db_backend.h): SQLite by
 * default, PostgreSQL when the configuration names a database URL.
 *
 * Transactions are kept here: the outermost db_begin runs the backend's
 * write BEGIN (after the process-wide mutex for SQLite's one writer),
 * nested ones are savepoints; db_begin_read opens one snapshot for reads.
 */
#include "store/db_backend.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD(d) ((struct db_head *)(d))
#define OPS(d) (HEAD(d)->ops)
#define OWNER(s) (((struct db_stmt_head *)(s))->owner)

static struct db_options opts;
static const struct db_ops *backend = &db_sqlite_ops;
/* Whether this thread holds a write transaction (for SQLite also the
 * process-wide write mutex). */
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
	backend = o->url && *o->url ? &db_pg_ops : &db_sqlite_ops;
}

const char *db_version(void)
{
	return backend->version();
}

const char *db_version_of(const char *name)
{
	return (strcmp(name, "postgres") == 0 ? &db_pg_ops : &db_sqlite_ops)->version();
}

const char *db_backend(void)
{
	return backend->name;
}

void db_log_error(db *d, const char *what, const char *error, const char *sql)
{
	if (d)
		HEAD(d)->failed = 1;
	char e[300];
	size_t o = 0;
	/* The error text as a JSON string: quotes, backslashes and control
	 * characters (PostgreSQL's messages have newlines) left out. */
	for (const char *p = error ? error : "?"; *p && o + 1 < sizeof e; p++)
		if ((unsigned char)*p >= 0x20 && *p != '"' && *p != '\\')
			e[o++] = *p;
	e[o] = '\0';
	fprintf(stderr, "{\"level\":\"error\",\"msg\":\"db %s\",\"error\":\"%s\",\"sql\":\"%.120s\"}\n", what, e,
		sql ? sql : "");
}

int db_plain_identifier(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");
	return n > 0 && n <= 64 && s[n] == '\0';
}

db *db_open(void)
{
	return backend->open(&opts);
}

db *db_open_owner(void)
{
	struct db_options o = opts;
	if (o.owner_url && *o.owner_url)
		o.url = o.owner_url;
	return backend->open(&o);
}

db *db_open_owner_at(const char *conninfo)
{
	struct db_options o = opts;
	o.url = conninfo;
	return db_pg_ops.open(&o);
}

void db_owner_target(const char **url, const char **password)
{
	*url = opts.owner_url && *opts.owner_url ? opts.owner_url : opts.url;
	*password = opts.password && *opts.password ? opts.password : NULL;
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
	if (d)
		OPS(d)->close(d);
}

db *db_open_file(const char *path, int writable)
{
	return db_sqlite_open_file(path, writable);
}

db_stmt *db_query(db *d, const char *sql, const char *types, ...)
{
	if (!d)
		return NULL;
	va_list ap;
	va_start(ap, types);
	db_stmt *s = OPS(d)->query(d, sql, types, ap);
	va_end(ap);
	return s;
}

int db_row(db_stmt *s)
{
	return s ? OPS(OWNER(s))->row(s) : DB_ERROR;
}

int64_t db_int(db_stmt *s, int col)
{
	return OPS(OWNER(s))->col_int(s, col);
}

double db_double(db_stmt *s, int col)
{
	return OPS(OWNER(s))->col_double(s, col);
}

const char *db_text(db_stmt *s, int col)
{
	return OPS(OWNER(s))->col_text(s, col);
}

const void *db_blob(db_stmt *s, int col, size_t *len)
{
	return OPS(OWNER(s))->col_blob(s, col, len);
}

int db_is_null(db_stmt *s, int col)
{
	return OPS(OWNER(s))->col_null(s, col);
}

void db_done(db_stmt *s)
{
	if (s)
		OPS(OWNER(s))->done(s);
}

/* The statement for sql with the arguments of ap bound; NULL on error. */
static db_stmt *vquery(db *d, const char *sql, const char *types, va_list ap)
{
	return d ? OPS(d)->query(d, sql, types, ap) : NULL;
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
	return OPS(d)->changes(d);
}

int db_exec_script(db *d, const char *sql)
{
	return OPS(d)->exec_script(d, sql);
}

int db_begin_read(db *d)
{
	struct db_head *h = HEAD(d);
	if (h->depth > 0)
		return DB_ERROR;
	h->failed = h->conflict = 0;
	if (db_exec(d, h->ops->begin_read, NULL) != DB_DONE)
		return DB_ERROR;
	h->depth = 1;
	h->read_only = 1;
	return 0;
}

int db_write_lock_held(void)
{
	return write_held;
}

int db_failed(db *d)
{
	return d && HEAD(d)->failed;
}

void db_clear_failed(db *d)
{
	if (d)
		HEAD(d)->failed = HEAD(d)->conflict = 0;
}

int db_concurrent_writers(void)
{
	return !backend->one_writer;
}

int db_failed_conflict(db *d)
{
	return d && HEAD(d)->failed && HEAD(d)->conflict;
}

int db_in_write(db *d)
{
	return d && HEAD(d)->depth > 0 && !HEAD(d)->read_only;
}

int db_begin(db *d)
{
	struct db_head *h = HEAD(d);
	if (h->depth > 0 && h->read_only) {
		db_log_error(d, "write in a read transaction", "", "BEGIN");
		return DB_ERROR;
	}
	if (h->depth > 0) {
		if (db_exec(d, "SAVEPOINT sp", NULL) != DB_DONE)
			return DB_ERROR;
		h->depth++;
		return 0;
	}
	if (h->ops->one_writer)
		pthread_mutex_lock(&write_lock);
	h->failed = h->conflict = 0;
	if (db_exec(d, h->ops->begin_write, NULL) != DB_DONE) {
		if (h->ops->one_writer)
			pthread_mutex_unlock(&write_lock);
		return DB_ERROR;
	}
	h->depth = 1;
	write_held = 1;
	return 0;
}

/* The outermost transaction is over: give back what db_begin took. */
static void end_outermost(struct db_head *h)
{
	h->depth = 0;
	if (!h->read_only) {
		write_held = 0;
		if (h->ops->one_writer)
			pthread_mutex_unlock(&write_lock);
	}
	h->read_only = 0;
}

int db_commit(db *d)
{
	struct db_head *h = HEAD(d);
	if (h->depth > 1) {
		h->depth--;
		return db_exec(d, "RELEASE sp", NULL) == DB_DONE ? 0 : DB_ERROR;
	}
	int rc = db_exec(d, "COMMIT", NULL) == DB_DONE ? 0 : DB_ERROR;
	if (rc != 0)
		db_exec(d, "ROLLBACK", NULL);
	end_outermost(h);
	return rc;
}

int db_rollback(db *d)
{
	struct db_head *h = HEAD(d);
	if (h->depth > 1) {
		h->depth--;
		int rc = db_exec(d, "ROLLBACK TO sp", NULL);
		db_exec(d, "RELEASE sp", NULL);
		return rc == DB_DONE ? 0 : DB_ERROR;
	}
	int rc = db_exec(d, "ROLLBACK", NULL) == DB_DONE ? 0 : DB_ERROR;
	end_outermost(h);
	return rc;
}

int db_scope_tenant(db *d, int64_t tenant_id)
{
	const char *sql = OPS(d)->scope_tenant;
	if (!sql)
		return 0;
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)tenant_id);
	return db_exec(d, sql, "t", id) == DB_DONE ? 0 : DB_ERROR;
}

int db_lock_xact(db *d, int64_t key)
{
	const char *sql = OPS(d)->lock_xact;
	return !sql || db_exec(d, sql, "i", key) == DB_DONE ? 0 : DB_ERROR;
}

int db_hold_lock(db *d, int64_t key)
{
	struct db_head *h = HEAD(d);
	if (!h->ops->try_lock)
		return 1;
	if (h->held_key == key && h->held_epoch == h->epoch + 1)
		return 1; /* taken on this very connection, which has not broken since */
	int64_t got = db_int1(d, -1, h->ops->try_lock, "i", key);
	if (got < 0)
		return DB_ERROR;
	if (got == 1)
		h->held_key = key, h->held_epoch = h->epoch + 1;
	return (int)got;
}

int db_sync_full(db *d)
{
	return db_exec(d, OPS(d)->sync_full, NULL) == DB_DONE ? 0 : DB_ERROR;
}

int64_t db_size_bytes(db *d)
{
	return d ? db_int1(d, -1, OPS(d)->size_bytes, NULL) : -1; /* NULL: no connection (the database is down) */
}

int db_checkpoint(db *d)
{
	return OPS(d)->checkpoint(d);
}

int db_wal_truncate(db *d)
{
	return OPS(d)->wal_truncate(d);
}

int db_vacuum(db *d)
{
	return OPS(d)->vacuum(d);
}

int db_copy_to(db *d, const char *path)
{
	return OPS(d)->copy_to(d, path);
}

int db_integrity(db *d, char *msg, size_t n)
{
	return OPS(d)->integrity(d, msg, n);
}

int db_table_counts(db *d, void (*fn)(const char *, int64_t, void *), void *ud)
{
	return OPS(d)->table_counts(d, fn, ud);
}

int db_ping(db *d)
{
	return db_int1(d, -1, "SELECT 1", NULL) == 1 ? 0 : -1;
}
