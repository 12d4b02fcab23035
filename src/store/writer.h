/*
 * writer.h — group commit: one writer thread applies the write work of many
 * concurrent requests in one transaction, and answers each request only
 * once that transaction is committed (so acknowledged still means durable).
 *
 * Each piece of work runs in its own savepoint, so one that fails does not
 * undo the others. Many small transactions cost one commit instead of many,
 * and request threads never queue on the database's write lock.
 */
#ifndef SR_WRITER_H
#define SR_WRITER_H

#include <stdint.h>

#include "store/db.h"

typedef int (*db_write_fn)(db *d, void *arg);

/* Start the writer thread with its own connection. 0 or -1. */
int db_writer_start(void);
/* Finish the queued work and stop the thread. */
void db_writer_stop(void);
/* Run fn(d, arg) in a committed write transaction and return its result.
 * A negative result rolls fn's changes back; so does a statement of fn that
 * failed (db_failed), and the result is then DB_ERROR. With a writer running and the
 * caller not itself inside a write transaction, fn runs on the writer's
 * connection in the next batch; otherwise on the caller's connection
 * (nested in its transaction, or in a new one). DB_ERROR when the batch
 * could not commit. */
int db_write(db *caller, db_write_fn fn, void *arg);
/* Queue fn(d, arg) for the writer's next batch and return at once; when that
 * batch is committed (or failed), done(arg, rc) runs on the writer thread
 * with rc as db_write would have returned it. 0, or -1 when no writer runs
 * (nothing queued: use db_write). */
int db_write_async(db_write_fn fn, void *arg, void (*done)(void *arg, int rc));

/* The writer's counters, for /metrics and /readyz. */
#define WRITER_SIZE_BUCKETS 10
struct writer_stats {
	int running;
	long queued;                          /* items waiting now */
	long batches, items;                  /* since the start */
	int64_t progress_ms;                  /* when the last batch ended (or the writer started) */
	int bound[WRITER_SIZE_BUCKETS];       /* batch-size bucket upper bounds */
	long sizes[WRITER_SIZE_BUCKETS + 1];  /* batches per size bucket (not cumulative; the last is larger) */
};
void db_writer_stats(struct writer_stats *out);

#endif
