/*
 * jobs.h — the server's periodic work, on one thread of its own (at idle
 * priority) with its own database connection: the access log's flush and
 * the refresh of maintenance mode and announcements every second, audit checkpoints (every few records or
 * minutes), the daily backup at backup.time and the daily retention run at
 * retention.time (both Japan time). One thread, so a backup never races a
 * checkpoint or a purge.
 */
#ifndef SR_JOBS_H
#define SR_JOBS_H

#include "lib/config.h"

/* Start the thread. c and data_key must outlive it. 0, or -1 with a
 * message (a bad backup.time or retention.time). */
int jobs_start(const config *c, const unsigned char data_key[32]);
/* Stop it, after signing the audit chain's head one last time. */
void jobs_stop(void);

#endif
