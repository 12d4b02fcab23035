/*
 * db.h — the one database interface all domain code uses.
 *
 * SQL is written once, with numbered parameters $1, $2, ... (the PostgreSQL
 * spelling; the SQLite backend maps them to ?1, ?2).  Values are bound by a
 * type string, never pasted into SQL:
 *     'i' int64_t   't' const char * (NULL binds NULL)
 *     'b' const void *, size_t (blob)   'd' double   'n' nothing (binds NULL)
 * Portable types only: INTEGER ids, integer UTC milliseconds for times,
 * TEXT, BLOB.
 *
 * A db is one connection, used by one thread at a time; each worker thread
 * has its own (db_thread()).  Statements are prepared once per connection
 * and cached by SQL text.
 *
 *     db_stmt *st = db_query(db, "SELECT title FROM rallies WHERE slug = $1", "t", slug);
 *     while (db_row(st) == DB_ROW) use(db_text(st, 0));
 *     db_done(st);
 */
#ifndef SR_DB_H
#define SR_DB_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"

typedef struct db db;
typedef struct db_stmt db_stmt;

enum { DB_DONE = 0, DB_ROW = 1, DB_ERROR = -1, DB_CONSTRAINT = -2, DB_BUSY = -3 };

/* Global settings for every connection the process opens. The backend is
 * PostgreSQL when url is set, else SQLite. */
struct db_options {
	const char *path;     /* SQLite file */
	const char *url;      /* PostgreSQL: postgres://... or key=value connection string */
	const char *owner_url; /* PostgreSQL: the role owning the tables (migrations); NULL: url's */
	const char *password; /* PostgreSQL: the password, when not in url or the environment */
	int statement_timeout_ms; /* PostgreSQL: statement_timeout and idle_in_transaction_session_timeout */
	int durability_full;  /* 1: synchronous=FULL; 0: NORMAL (survives a killed process) */
	int busy_timeout_ms;
	int manual_checkpoint; /* 1: connections never checkpoint; db_checkpoint() does (serve) */
};

/* Remember the options for db_thread(); call once at start. */
void db_configure(const struct db_options *o);
/* Open a new connection with the configured options; NULL on error (logged). */
db *db_open(void);
/* A connection as the tables' owner (owner_url), for migrations; the same
 * as db_open when there is no owner_url. NULL on error (logged). */
db *db_open_owner(void);
/* PostgreSQL: a connection as the owner to conninfo, another database on
 * the same server (a backup being scrubbed), with the configured password.
 * NULL on error (logged). */
db *db_open_owner_at(const char *conninfo);
/* PostgreSQL: the owner's connection string (owner_url, else url) and the
 * configured password (may be NULL), for pg_dump and pg_restore. Both
 * borrowed from the options. */
void db_owner_target(const char **url, const char **password);
/* The calling thread's connection, opened on first use; NULL on error. */
db *db_thread(void);
/* Close the calling thread's connection (a no-op when there is none). */
void db_thread_close(void);
/* Close a connection and its cached statements. */
void db_close(db *d);

/* Prepare (or reuse) sql, bind the arguments described by types, and return
 * the statement. NULL on error (logged with the SQL). The statement belongs
 * to the connection; hand it back with db_done(). */
db_stmt *db_query(db *d, const char *sql, const char *types, ...);
/* Step: DB_ROW, DB_DONE, DB_CONSTRAINT or DB_ERROR. */
int db_row(db_stmt *st);
/* Column getters for the current row; text and blob pointers are valid until
 * the next db_row() or db_done(). */
int64_t db_int(db_stmt *st, int col);
double db_double(db_stmt *st, int col);
const char *db_text(db_stmt *st, int col);     /* "" for NULL */
const void *db_blob(db_stmt *st, int col, size_t *len);
int db_is_null(db_stmt *st, int col);
/* Reset the statement and return it to the cache. NULL is fine. */
void db_done(db_stmt *st);

/* One-liners. db_exec runs a statement to completion and returns DB_DONE,
 * DB_CONSTRAINT or DB_ERROR. db_int1 returns the first column of the first
 * row, or dflt when there is none. db_changes: rows changed by the last
 * statement. db_text1 returns a heap copy (caller frees) or NULL. */
int db_exec(db *d, const char *sql, const char *types, ...);
int64_t db_int1(db *d, int64_t dflt, const char *sql, const char *types, ...);
char *db_text1(db *d, const char *sql, const char *types, ...);
/* The same as db_text1, copied into the arena a instead of the heap. */
const char *db_text1a(db *d, arena *a, const char *sql, const char *types, ...);
int64_t db_changes(db *d);

/* Write transactions, nestable: the outermost db_begin is BEGIN IMMEDIATE
 * (a write lock up front), inner ones are savepoints. Every db_begin is
 * matched by db_commit or db_rollback. Return 0 or DB_ERROR. */
int db_begin(db *d);
/* A read transaction (BEGIN DEFERRED): one consistent snapshot and one lock
 * for several reads. Ended by db_commit or db_rollback. A write inside it
 * (db_begin, or any statement that is not read-only) is a programming
 * error: it fails with DB_ERROR (logged) like any other failed statement. */
int db_begin_read(db *d);
/* True when a statement on d failed (prepare, bind, step: DB_ERROR or
 * DB_BUSY, not DB_CONSTRAINT) since the outermost db_begin/db_begin_read or
 * db_clear_failed: sticky, so the request's owner can answer 503 once
 * instead of every caller checking. */
int db_failed(db *d);
void db_clear_failed(db *d);
/* True when what failed (db_failed) was a conflict with another
 * transaction — a deadlock, a serialization failure, SQLite's busy —
 * so that the same work run again in a new transaction may succeed. */
int db_failed_conflict(db *d);
/* How many times a request whose work is only its database writes (a stamp
 * claim) is run when it meets a conflict. */
#define DB_ATTEMPTS 3
/* 1 when write transactions of several connections run at once and can
 * meet in a deadlock (PostgreSQL); 0 for SQLite's one writer. */
int db_concurrent_writers(void);
/* True when the calling thread holds a write transaction on any connection:
 * the process-wide write lock. Slow work (argon2id, calls to other
 * services) asserts it is not. */
int db_write_lock_held(void);
/* True inside a write transaction (db_begin). */
int db_in_write(db *d);
int db_commit(db *d);
int db_rollback(db *d);

/* Row-level security (PostgreSQL): until the transaction ends, the
 * tenant-scoped tables show and take only tenant_id's rows, whatever a
 * query says (migrations/postgres/0023). Nothing on SQLite. 0 or DB_ERROR. */
int db_scope_tenant(db *d, int64_t tenant_id);

/* Serialise with every other transaction that takes the same key, on any
 * node, until this write transaction ends (PostgreSQL's transaction
 * advisory lock). Nothing on SQLite, where a write transaction already
 * holds the one write lock. 0 or DB_ERROR. */
int db_lock_xact(db *d, int64_t key);
/* Whether this connection holds the session lock key, taking it when free
 * (PostgreSQL: pg_try_advisory_lock; held until the connection ends, so
 * another node takes over when this one dies). Always 1 on SQLite: one
 * process owns the file. 1, 0 (another holds it) or DB_ERROR. */
int db_hold_lock(db *d, int64_t key);
/* Keys of the advisory locks (any fixed numbers, one per purpose). */
#define DB_LOCK_AUDIT INT64_C(0x7372617564697401)   /* appending to the audit chain */
#define DB_LOCK_JOBS INT64_C(0x7372616a6f627301)    /* the node that runs the periodic jobs */
#define DB_LOCK_LOTTERY INT64_C(0x73726c6f00000000) /* + a tier's id: its entry numbers and draws */

/* From now on this connection's commits survive a power loss, not only a
 * killed process (SQLite synchronous=FULL; PostgreSQL synchronous_commit).
 * 0 or DB_ERROR. */
int db_sync_full(db *d);
/* Bytes the database takes (SQLite: its file's pages; PostgreSQL:
 * pg_database_size), or -1. */
int64_t db_size_bytes(db *d); /* d may be NULL: -1 */

/* Run a script of several statements (migrations only; no parameters). */
int db_exec_script(db *d, const char *sql);
/* The backend library's version text. */
const char *db_version(void);
/* The version of the library of backend "sqlite" or "postgres" (libpq). */
const char *db_version_of(const char *backend);
/* The backend's name: "sqlite" or "postgres". */
const char *db_backend(void);
/* Copy committed WAL pages into the database without blocking readers or
 * the writer (SQLite PASSIVE checkpoint). Returns the pages left in the
 * WAL, or -1. */
int db_checkpoint(db *d);
/* Copy every WAL page into the database and truncate the WAL to zero
 * bytes (SQLite TRUNCATE checkpoint; waits for readers up to the busy
 * timeout). 0 when done, -1 when busy or failed. */
int db_wal_truncate(db *d);
/* Rebuild the database file (VACUUM): every free page and every unused
 * byte of a page is gone from it. Takes the write lock for as long as it
 * copies: only where nothing else writes (a stopped service, a backup's
 * copy). PostgreSQL: VACUUM FULL of every table of schema public (d must
 * be the owner's), each locked while it is rewritten. 0 or -1. */
int db_vacuum(db *d);
/* Write a consistent copy of the committed database into path (a new
 * file; SQLite's online backup, every page in one read transaction):
 * readers and the writer go on meanwhile. d must not be in a transaction.
 * 0, or -1 (logged: disk full, ...). */
int db_copy_to(db *d, const char *path);
/* Open another SQLite database file (a backup's copy) by itself, without
 * the service's settings; read-only unless writable. NULL on error (logged). */
db *db_open_file(const char *path, int writable);
/* The database's own consistency check: 0 when it passes, else -1 and the
 * first complaint in msg. */
int db_integrity(db *d, char *msg, size_t n);
/* Call fn with each table's name and row count, in name order. Table names
 * come from the file's schema and must be plain identifiers ([a-z0-9_]);
 * 0, or -1 when one is not or a count fails. */
int db_table_counts(db *d, void (*fn)(const char *table, int64_t rows, void *ud), void *ud);
/* A name from the schema that is safe to put in SQL as a quoted
 * identifier ([a-z0-9_]{1,64}): identifiers cannot be bound parameters. */
int db_plain_identifier(const char *s);
/* Check that the database answers (for /readyz). 0 when healthy. */
int db_ping(db *d);

#endif
