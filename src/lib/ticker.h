/*
 * ticker.h — a thread that calls a function every interval until stopped
 * (the jobs thread, the watchdog): start runs once on the thread first,
 * tick every interval, finish once at the end.
 */
#ifndef SR_TICKER_H
#define SR_TICKER_H

#include <pthread.h>

typedef struct ticker {
	long interval_ms;
	void (*start)(void *arg), (*tick)(void *arg), (*finish)(void *arg); /* any may be NULL */
	void *arg;
	/* the ticker's own */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running, stopping;
} ticker;

/* Start t's thread (t filled in by the caller, and kept until ticker_stop). 0 or -1. */
int ticker_start(ticker *t);
/* Wake it, let it finish, join it. A ticker never started is fine. */
void ticker_stop(ticker *t);

#endif
