/*
 * watchdog.c — see watchdog.h.
 */
#include "ops/watchdog.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "lib/ticker.h"
#include "lib/timeutil.h"
#include "store/db.h"
#include "store/writer.h"

static ticker dog;
static db *wd;
static uint64_t interval_us;

/* Healthy: the database answers and the writer is not stuck. A
 * PostgreSQL server that cannot be reached is not this process's fault and
 * a restart would not mend it (the process could not even start): the node
 * answers 503 and /readyz tells the balancer, and it recovers by itself
 * when the server is back; the watchdog keeps pinging meanwhile. */
static int healthy(db **d)
{
	int pg = strcmp(db_backend(), "postgres") == 0;
	if (!*d && pg)
		*d = db_open();
	if (!*d || db_ping(*d) != 0)
		return pg;
	struct writer_stats w;
	db_writer_stats(&w);
	return w.running && (w.queued == 0 || time_now_ms() - w.progress_ms < 5000);
}

static void open_db(void *arg)
{
	(void)arg;
	wd = db_open();
}

static void ping(void *arg)
{
	(void)arg;
	if (healthy(&wd))
		sd_notify(0, "WATCHDOG=1");
	db_clear_failed(wd);
}

static void close_db(void *arg)
{
	(void)arg;
	db_close(wd);
	wd = NULL;
}

int watchdog_start(void)
{
	if (sd_watchdog_enabled(0, &interval_us) <= 0 || interval_us == 0)
		return 0;
	dog = (ticker){.interval_ms = (long)(interval_us / 3000), .start = open_db, .tick = ping, .finish = close_db};
	if (ticker_start(&dog) != 0)
		return -1;
	fprintf(stderr, "{\"level\":\"info\",\"msg\":\"systemd watchdog\",\"interval_ms\":%llu}\n",
		(unsigned long long)(interval_us / 1000));
	return 0;
}

void watchdog_stop(void)
{
	ticker_stop(&dog);
}
