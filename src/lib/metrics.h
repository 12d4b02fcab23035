/*
 * metrics.h — process-wide counters, exported at /metrics in the Prometheus
 * text format. Lock-free (atomic adds); one enum entry per counter.
 */
#ifndef SR_METRICS_H
#define SR_METRICS_H

#include <stdint.h>

#include "lib/buf.h"

enum metric {
	M_REQUESTS_2XX, M_REQUESTS_3XX, M_REQUESTS_4XX, M_REQUESTS_5XX,
	M_STAMPS,              /* new stamps acknowledged */
	M_LOGIN_OK, M_LOGIN_FAILED, M_LOGIN_THROTTLED,
	M_EXPORTS,
	M_JOINS,               /* participants who joined a rally (committed) */
	M_HEAD_DEADLINE,       /* connections closed for not completing a request head in time */
	M_SECURITY_ALERTS,     /* brute force: a login, passcode or PIN throttle reached its lock */
	M_BACKUP_FAILURES,     /* backups that failed (disk, key, integrity) */
	M_COPY_FAILURES,       /* backup.copy_command runs that failed */
	M_MAIL_SENT,           /* messages the SMTP relay accepted */
	M_MAIL_RETRIES,        /* attempts the relay refused or did not answer (tried again) */
	M_MAIL_FAILED,         /* messages given up */
	M_COUNT
};

/* Route groups for the latency histogram (web/routes.c assigns them). */
enum metric_group { MG_OTHER, MG_PAGE, MG_CARD, MG_CLAIM, MG_API, MG_CONSOLE, MG_OPS, MG_STATIC, MG_COUNT };

/* One answered request of group with status, taking micros. */
void metrics_observe(int group, int status, int64_t micros);
/* A request began (+1) or ended (-1). */
void metrics_in_flight(int delta);
/* Append the latency histogram and the in-flight gauge. */
void metrics_write_requests(buf *out);
/* Add n to a counter. */
void metric_add(enum metric m, long n);
/* Count a response by its status class. */
void metric_status(int status);
/* The current value. */
long metric_get(enum metric m);
/* Append every counter in the Prometheus text exposition format. */
void metrics_write(buf *out);

#endif
