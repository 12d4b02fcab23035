/*
 * db_backend.h — what a database backend (db_sqlite.c, db_pg.c) gives db.c.
 *
 * db.c implements db.h once: the per-thread connections, the one-liners,
 * transactions and savepoints, the sticky failure flag. A backend only
 * opens connections, runs statements and answers for its own maintenance
 * (checkpoints, copies). Every backend's struct db starts with a struct
 * db_head and its struct db_stmt with a struct db_stmt_head, so db.c can
 * reach the common part of either.
 */
#ifndef SR_DB_BACKEND_H
#define SR_DB_BACKEND_H

#include <stdarg.h>

#include "store/db.h"

struct db_ops;

struct db_head {
	const struct db_ops *ops;
	int depth;     /* transaction nesting */
	int read_only; /* the outermost transaction is a read transaction */
	int failed;    /* a statement failed since the outermost begin (db_failed) */
	int conflict;  /* ... because of another transaction: a deadlock or serialization failure */
	unsigned epoch; /* counts the backend's reconnections: session locks are gone after one */
	unsigned held_epoch; /* db_hold_lock: the epoch in which held_key was taken */
	int64_t held_key;
};

struct db_stmt_head {
	db *owner;
};

struct db_ops {
	const char *name; /* "sqlite", "postgres": also the migrations' directory */
	/* The statements that open a write and a read transaction. */
	const char *begin_write, *begin_read;
	/* 1: write transactions of this process take one mutex first (SQLite
	 * has one writer; waiting on a mutex beats its busy handler). */
	int one_writer;
	/* Sets the transaction's tenant for row-level security ($1 its id as
	 * text); NULL where the backend has none. */
	const char *scope_tenant;
	/* Advisory locks ($1 the key): for the transaction, and tried for the
	 * session (one boolean column); NULL where one process owns the data. */
	const char *lock_xact, *try_lock;
	/* Makes the connection's commits survive power loss (db_sync_full). */
	const char *sync_full;
	/* One row, one column: the database's size in bytes. */
	const char *size_bytes;
	const char *(*version)(void);
	db *(*open)(const struct db_options *o);
	void (*close)(db *d);
	/* Prepare or reuse sql and bind the arguments; NULL on error (logged). */
	db_stmt *(*query)(db *d, const char *sql, const char *types, va_list ap);
	int (*row)(db_stmt *s);
	int64_t (*col_int)(db_stmt *s, int col);
	double (*col_double)(db_stmt *s, int col);
	const char *(*col_text)(db_stmt *s, int col);
	const void *(*col_blob)(db_stmt *s, int col, size_t *len);
	int (*col_null)(db_stmt *s, int col);
	void (*done)(db_stmt *s);
	int64_t (*changes)(db *d);
	int (*exec_script)(db *d, const char *sql);
	int (*checkpoint)(db *d);
	int (*wal_truncate)(db *d);
	int (*vacuum)(db *d);
	int (*copy_to)(db *d, const char *path);
	int (*integrity)(db *d, char *msg, size_t n);
	int (*table_counts)(db *d, void (*fn)(const char *, int64_t, void *), void *ud);
};

extern const struct db_ops db_sqlite_ops, db_pg_ops;

/* SQLite's own: a database file opened by itself (backups' copies). */
db *db_sqlite_open_file(const char *path, int writable);

/* Log a failure of a statement and make it sticky on d (db_failed). */
void db_log_error(db *d, const char *what, const char *error, const char *sql);

#endif
