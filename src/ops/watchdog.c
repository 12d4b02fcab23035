/*
 * watchdog.c — see watchdog.h.
 */
#include "ops/watchdog.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "lib/timeutil.h"
#include "store/db.h"
#include "store/writer.h"

static pthread_t thread;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int running, stopping;
static uint64_t interval_us;

/* Healthy: the database answers and the writer is not stuck. */
static int healthy(db *d)
{
	struct writer_stats w;
	db_writer_stats(&w);
	return d && db_ping(d) == 0 && w.running && (w.queued == 0 || time_now_ms() - w.progress_ms < 5000);
}

static void *run(void *arg)
{
	(void)arg;
	db *d = db_open();
	pthread_mutex_lock(&mu);
	while (!stopping) {
		pthread_mutex_unlock(&mu);
		if (healthy(d))
			sd_notify(0, "WATCHDOG=1");
		db_clear_failed(d);
		pthread_mutex_lock(&mu);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t ns = (uint64_t)ts.tv_nsec + (interval_us / 3) * 1000;
		ts.tv_sec += (time_t)(ns / 1000000000u);
		ts.tv_nsec = (long)(ns % 1000000000u);
		if (!stopping)
			pthread_cond_timedwait(&cv, &mu, &ts);
	}
	pthread_mutex_unlock(&mu);
	db_close(d);
	return NULL;
}

int watchdog_start(void)
{
	if (sd_watchdog_enabled(0, &interval_us) <= 0 || interval_us == 0)
		return 0;
	stopping = 0;
	if (pthread_create(&thread, NULL, run, NULL) != 0)
		return -1;
	running = 1;
	fprintf(stderr, "{\"level\":\"info\",\"msg\":\"systemd watchdog\",\"interval_ms\":%llu}\n",
		(unsigned long long)(interval_us / 1000));
	return 0;
}

void watchdog_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
	running = 0;
}
