/*
 * ticker.c — see ticker.h.
 */
#include "lib/ticker.h"

#include <time.h>

static void *run(void *arg)
{
	ticker *t = arg;
	if (t->start)
		t->start(t->arg);
	pthread_mutex_lock(&t->mu);
	while (!t->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		long ns = ts.tv_nsec + (t->interval_ms % 1000) * 1000000L;
		ts.tv_sec += t->interval_ms / 1000 + ns / 1000000000L;
		ts.tv_nsec = ns % 1000000000L;
		pthread_cond_timedwait(&t->cv, &t->mu, &ts);
		if (t->stopping)
			break;
		pthread_mutex_unlock(&t->mu);
		if (t->tick)
			t->tick(t->arg);
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	if (t->finish)
		t->finish(t->arg);
	return NULL;
}

int ticker_start(ticker *t)
{
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->stopping = 0;
	if (pthread_create(&t->thread, NULL, run, t) != 0)
		return -1;
	t->running = 1;
	return 0;
}

void ticker_stop(ticker *t)
{
	if (!t->running)
		return;
	pthread_mutex_lock(&t->mu);
	t->stopping = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	t->running = 0;
}
