/*
 * jobs.c — see jobs.h.
 */
#include "ops/jobs.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/announce.h"
#include "core/audit.h"
#include "core/maintenance.h"
#include "lib/accesslog.h"
#include "lib/ticker.h"
#include "lib/timeutil.h"
#include "ops/backup.h"
#include "ops/erasure.h"
#include "ops/retention.h"
#include "store/db.h"

static ticker jobs;
static db *jd;
static int64_t next_backup = -1, next_retention = -1, next_purge;
static const config *cfg;
static const unsigned char *dkey;
static int64_t backup_tod = -1, retention_tod = -1; /* ms after midnight JST; -1 = off */

/* Parse a schedule: "off" is -1. 0, or -1 for bad text. */
static int schedule(const char *key, const char *text, int64_t *tod)
{
	if (strcmp(text, "off") == 0) {
		*tod = -1;
		return 0;
	}
	if (time_parse_hhmm(text, tod) == 0)
		return 0;
	fprintf(stderr, "stamprally: %s must be HH:MM (Japan time) or off, not '%s'\n", key, text);
	return -1;
}

/* On the thread, first: idle priority, a connection, the first schedule. */
static void begin(void *arg)
{
	(void)arg;
	/* Background work only takes CPU that requests leave (SCHED_IDLE): a
	 * backup's compression and encryption never slow the claims down much. */
	struct sched_param none = {0};
	if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &none) != 0)
		setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
	if (!(jd = db_open()))
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"the jobs thread cannot open the database: no checkpoints, "
				"backups or retention until a restart\"}\n");
	int64_t now = time_now_ms();
	next_backup = backup_tod >= 0 ? time_next_jst(now, backup_tod) : -1;
	next_retention = retention_tod >= 0 ? time_next_jst(now, retention_tod) : -1;
}

/* Every second: what is due. */
static void tick(void *arg)
{
	(void)arg;
	accesslog_flush();
	if (!jd)
		return;
	int64_t now = time_now_ms();
	maintenance_refresh(jd); /* this node's copies of what the operator set */
	announce_refresh(jd, now);
	/* The rest is the service's, not the node's: with several nodes on one
	 * PostgreSQL database, the one holding the jobs lock does it; when that
	 * node dies its session ends and another takes the lock. */
	if (db_hold_lock(jd, DB_LOCK_JOBS) != 1) {
		db_clear_failed(jd);
		return;
	}
	audit_checkpoint(jd, now, cfg->audit_every, cfg->audit_minutes, 0);
	if (next_backup >= 0 && now >= next_backup) {
		backup_run(cfg, jd, dkey, now, NULL, 0);
		next_backup = time_next_jst(time_now_ms(), backup_tod);
	}
	if (now >= next_purge && erasure_run_queued(cfg, jd) < 0)
		next_purge = time_now_ms() + 60000; /* a failed purge is tried again a minute later */
	if (next_retention >= 0 && now >= next_retention) {
		struct retention_result r;
		retention_run(cfg, jd, now, &r);
		next_retention = time_next_jst(time_now_ms(), retention_tod);
	}
	db_clear_failed(jd);
}

/* At the stop: sign the log's head one last time. */
static void finish(void *arg)
{
	(void)arg;
	if (jd && db_hold_lock(jd, DB_LOCK_JOBS) == 1 && audit_checkpoint(jd, time_now_ms(), 1, 0, 1) < 0)
		fprintf(stderr, "{\"level\":\"error\",\"msg\":\"cannot sign the audit log's head at stop\"}\n");
	db_close(jd);
	jd = NULL;
}

int jobs_start(const config *c, const unsigned char data_key[32])
{
	if (schedule("backup.time", c->backup_time, &backup_tod) != 0 ||
	    schedule("retention.time", c->retention_time, &retention_tod) != 0)
		return -1;
	cfg = c, dkey = data_key;
	jobs = (ticker){.interval_ms = 1000, .start = begin, .tick = tick, .finish = finish};
	return ticker_start(&jobs);
}

void jobs_stop(void)
{
	ticker_stop(&jobs);
}
