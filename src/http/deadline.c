/*
 * deadline.c — see deadline.h.
 */
#include "http/deadline.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/metrics.h"

struct conn {
	int fd;
	long since;       /* ms (monotonic) the current wait for a head began */
	int waiting;      /* waiting for a request head */
	int reaped;
	struct conn *prev, *next;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t tick;
	struct conn *head;
	int open, running, stopping, busy_at;
	long head_ms, busy_ms;
	pthread_t thread;
} dl = {.mu = PTHREAD_MUTEX_INITIALIZER, .tick = PTHREAD_COND_INITIALIZER};

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Our record of conn, or NULL. */
static struct conn *record(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

void deadline_started(struct MHD_Connection *conn, void **socket_context)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct conn *c = ci ? calloc(1, sizeof *c) : NULL;
	*socket_context = c;
	if (!c)
		return;
	c->fd = ci->connect_fd;
	c->since = now_ms();
	c->waiting = 1;
	pthread_mutex_lock(&dl.mu);
	c->next = dl.head;
	if (dl.head)
		dl.head->prev = c;
	dl.head = c;
	dl.open++;
	pthread_mutex_unlock(&dl.mu);
}

void deadline_closed(void **socket_context)
{
	struct conn *c = *socket_context;
	if (!c)
		return;
	pthread_mutex_lock(&dl.mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		dl.head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	dl.open--;
	pthread_mutex_unlock(&dl.mu);
	free(c);
	*socket_context = NULL;
}

/* Set whether conn waits for a head (and since when). */
static void set_waiting(struct MHD_Connection *conn, int waiting)
{
	struct conn *c = record(conn);
	if (!c)
		return;
	pthread_mutex_lock(&dl.mu);
	c->waiting = waiting;
	c->since = now_ms();
	pthread_mutex_unlock(&dl.mu);
}

void deadline_head_done(struct MHD_Connection *conn)
{
	set_waiting(conn, 0);
}

void deadline_answered(struct MHD_Connection *conn)
{
	set_waiting(conn, 1);
}

/* Every quarter second: shut down the sockets past their deadline. The
 * mutex is held, and a record is removed under it before libmicrohttpd
 * closes its socket, so a file descriptor is never touched after it may
 * have been reused. */
static void *reaper(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&dl.mu);
	while (!dl.stopping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&dl.tick, &dl.mu, &until);
		long now = now_ms(), limit = dl.open > dl.busy_at ? dl.busy_ms : dl.head_ms;
		for (struct conn *c = dl.head; c; c = c->next)
			if (c->waiting && !c->reaped && now - c->since > limit) {
				shutdown(c->fd, SHUT_RDWR);
				c->reaped = 1;
				metric_add(M_HEAD_DEADLINE, 1);
			}
	}
	pthread_mutex_unlock(&dl.mu);
	return NULL;
}

int deadline_start(long head_ms, long busy_ms, int busy_at)
{
	dl.head_ms = head_ms;
	dl.busy_ms = busy_ms;
	dl.busy_at = busy_at;
	dl.stopping = 0;
	if (pthread_create(&dl.thread, NULL, reaper, NULL) != 0)
		return -1;
	dl.running = 1;
	return 0;
}

void deadline_stop(void)
{
	if (!dl.running)
		return;
	pthread_mutex_lock(&dl.mu);
	dl.stopping = 1;
	pthread_cond_signal(&dl.tick);
	pthread_mutex_unlock(&dl.mu);
	pthread_join(dl.thread, NULL);
	dl.running = 0;
}

int deadline_all_idle(void)
{
	long now = now_ms();
	int idle = 1;
	pthread_mutex_lock(&dl.mu);
	for (struct conn *c = dl.head; c && idle; c = c->next)
		idle = c->waiting && now - c->since >= 250;
	pthread_mutex_unlock(&dl.mu);
	return idle;
}
