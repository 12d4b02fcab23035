/*
 * writer.c — see writer.h.  A singly linked queue under one mutex; each
 * caller waits on its own item's condition variable, so a finished batch
 * wakes only the callers whose work it held (one shared variable woke every
 * waiting worker for every batch).
 */
#include "store/writer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/timeutil.h"

#define BATCH_MAX 256
#define CHECKPOINT_MS 500

struct item {
	db_write_fn fn;
	void *arg;
	int rc, done;
	pthread_cond_t cv;                /* a waiting caller's (db_write) */
	void (*then)(void *arg, int rc); /* or the callback (db_write_async), item malloc'd */
	struct item *next;
};

/* For /metrics and /readyz (db_writer_stats). */
static const int SIZE_BOUND[WRITER_SIZE_BUCKETS] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
static struct {
	_Atomic long queued, batches, items, sizes[WRITER_SIZE_BUCKETS + 1];
	_Atomic int64_t progress_ms; /* the end of the last batch, or the start */
} stats;

static struct {
	pthread_mutex_t mu;
	pthread_cond_t work, tick;
	struct item *head, *tail;
	int running, stopping;
	pthread_t thread, checkpointer;
	db *conn;
} w = {.mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER, .tick = PTHREAD_COND_INITIALIZER};

/* Run one item inside the batch transaction, in its own savepoint. */
static void run_item(struct item *it)
{
	if (db_exec(w.conn, "SAVEPOINT item", NULL) != DB_DONE) {
		it->rc = DB_ERROR;
		return;
	}
	db_clear_failed(w.conn);
	it->rc = it->fn(w.conn, it->arg);
	if (it->rc >= 0 && db_failed(w.conn))
		it->rc = DB_ERROR; /* a statement failed: the item does not count */
	if (it->rc < 0)
		db_exec(w.conn, "ROLLBACK TO item", NULL);
	db_exec(w.conn, "RELEASE item", NULL);
}

/* Apply a batch of items in one transaction. */
static void run_batch(struct item *batch)
{
	int ok = db_begin(w.conn) == 0;
	for (struct item *it = batch; it; it = it->next) {
		if (ok)
			run_item(it);
		else
			it->rc = DB_ERROR;
	}
	if (ok && db_commit(w.conn) != 0)
		for (struct item *it = batch; it; it = it->next)
			it->rc = DB_ERROR;
}

/* Count a batch of n items and note the progress. */
static void count_batch(long n)
{
	int b = 0;
	while (b < WRITER_SIZE_BUCKETS && n > SIZE_BOUND[b])
		b++;
	stats.sizes[b]++;
	stats.batches++;
	stats.items += n;
	stats.progress_ms = time_now_ms();
}

void db_writer_stats(struct writer_stats *out)
{
	out->running = w.running;
	out->queued = stats.queued;
	out->batches = stats.batches;
	out->items = stats.items;
	out->progress_ms = stats.progress_ms;
	for (int i = 0; i < WRITER_SIZE_BUCKETS; i++)
		out->bound[i] = SIZE_BOUND[i];
	for (int i = 0; i <= WRITER_SIZE_BUCKETS; i++)
		out->sizes[i] = stats.sizes[i];
}

static void *writer_main(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&w.mu);
	for (;;) {
		while (!w.head && !w.stopping)
			pthread_cond_wait(&w.work, &w.mu);
		if (!w.head)
			break;
		/* Take up to BATCH_MAX items off the queue. */
		struct item *batch = w.head, *last = batch;
		for (int n = 1; n < BATCH_MAX && last->next; n++)
			last = last->next;
		w.head = last->next;
		if (!w.head)
			w.tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w.mu);
		long n = 0;
		for (struct item *it = batch; it; it = it->next)
			n++;
		stats.queued -= n;
		run_batch(batch);
		count_batch(n);
		pthread_mutex_lock(&w.mu);
		struct item *later = NULL;
		for (struct item *it = batch, *next; it; it = next) {
			next = it->next; /* the caller may return once it has the mutex */
			if (it->then) {
				it->next = later;
				later = it;
				continue;
			}
			it->done = 1;
			pthread_cond_signal(&it->cv);
		}
		pthread_mutex_unlock(&w.mu);
		for (struct item *it = later, *next; it; it = next) {
			next = it->next;
			it->then(it->arg, it->rc);
			free(it);
		}
		pthread_mutex_lock(&w.mu);
	}
	pthread_mutex_unlock(&w.mu);
	return NULL;
}

/* Checkpoint on a timer with a connection of its own until told to stop. */
static void *checkpointer_main(void *unused)
{
	(void)unused;
	db *d = db_open();
	pthread_mutex_lock(&w.mu);
	while (!w.stopping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += CHECKPOINT_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&w.tick, &w.mu, &until);
		if (w.stopping)
			break;
		pthread_mutex_unlock(&w.mu);
		if (d)
			db_checkpoint(d);
		pthread_mutex_lock(&w.mu);
	}
	pthread_mutex_unlock(&w.mu);
	if (d)
		db_checkpoint(d);
	db_close(d);
	return NULL;
}

int db_writer_start(void)
{
	if (w.running)
		return 0;
	if (!(w.conn = db_open()))
		return -1;
	w.stopping = 0;
	stats.progress_ms = time_now_ms();
	if (pthread_create(&w.thread, NULL, writer_main, NULL) != 0) {
		db_close(w.conn);
		return -1;
	}
	if (pthread_create(&w.checkpointer, NULL, checkpointer_main, NULL) != 0) {
		db_writer_stop();
		return -1;
	}
	w.running = 1;
	return 0;
}

void db_writer_stop(void)
{
	if (!w.running)
		return;
	pthread_mutex_lock(&w.mu);
	w.stopping = 1;
	pthread_cond_signal(&w.work);
	pthread_cond_signal(&w.tick);
	pthread_mutex_unlock(&w.mu);
	pthread_join(w.thread, NULL);
	pthread_join(w.checkpointer, NULL);
	db_close(w.conn);
	w.conn = NULL;
	w.running = 0;
}

/* Run fn on the caller's own connection, in its own (possibly nested)
 * transaction. */
static int write_inline(db *d, db_write_fn fn, void *arg)
{
	if (db_begin(d) != 0)
		return DB_ERROR;
	int rc = fn(d, arg);
	if (rc >= 0 && db_failed(d))
		rc = DB_ERROR; /* a statement failed: as on the writer, the work does not count */
	if (rc < 0) {
		db_rollback(d);
		return rc;
	}
	return db_commit(d) == 0 ? rc : DB_ERROR;
}

/* Append it to the queue and wake the writer; the caller holds w.mu. */
static void enqueue(struct item *it)
{
	if (w.tail)
		w.tail->next = it;
	else
		w.head = it;
	w.tail = it;
	stats.queued++;
	pthread_cond_signal(&w.work);
}

int db_write_async(db_write_fn fn, void *arg, void (*done)(void *arg, int rc))
{
	struct item *it = w.running ? malloc(sizeof *it) : NULL;
	if (!it)
		return -1;
	*it = (struct item){fn, arg, 0, 0, PTHREAD_COND_INITIALIZER, done, NULL};
	pthread_mutex_lock(&w.mu);
	int ok = !w.stopping;
	if (ok)
		enqueue(it);
	pthread_mutex_unlock(&w.mu);
	if (!ok)
		free(it);
	return ok ? 0 : -1;
}

int db_write(db *caller, db_write_fn fn, void *arg)
{
	if (!w.running || db_in_write(caller))
		return write_inline(caller, fn, arg);
	struct item it = {fn, arg, 0, 0, PTHREAD_COND_INITIALIZER, NULL, NULL};
	pthread_mutex_lock(&w.mu);
	enqueue(&it);
	while (!it.done)
		pthread_cond_wait(&it.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	pthread_cond_destroy(&it.cv);
	return it.rc;
}
