/*
 * metrics.c — see metrics.h.
 */
#include "lib/metrics.h"

#include <stdatomic.h>

static _Atomic long counters[M_COUNT];

static const struct {
	const char *name, *labels, *help;
} info[M_COUNT] = {
	[M_REQUESTS_2XX] = {"stamprally_http_responses_total", "{class=\"2xx\"}", "HTTP responses by status class"},
	[M_REQUESTS_3XX] = {"stamprally_http_responses_total", "{class=\"3xx\"}", NULL},
	[M_REQUESTS_4XX] = {"stamprally_http_responses_total", "{class=\"4xx\"}", NULL},
	[M_REQUESTS_5XX] = {"stamprally_http_responses_total", "{class=\"5xx\"}", NULL},
	[M_STAMPS] = {"stamprally_stamps_total", "", "new stamps acknowledged"},
	[M_LOGIN_OK] = {"stamprally_logins_total", "{result=\"ok\"}", "console login attempts by result"},
	[M_LOGIN_FAILED] = {"stamprally_logins_total", "{result=\"failed\"}", NULL},
	[M_LOGIN_THROTTLED] = {"stamprally_logins_total", "{result=\"throttled\"}", NULL},
	[M_EXPORTS] = {"stamprally_exports_total", "", "CSV exports downloaded"},
	[M_JOINS] = {"stamprally_joins_total", "", "participants who joined a rally"},
	[M_HEAD_DEADLINE] = {"stamprally_head_deadline_total", "", "connections closed for not completing a request head in time"},
	[M_SECURITY_ALERTS] = {"stamprally_security_alerts_total", "", "brute-force alerts: a login, passcode or PIN throttle reached its lock"},
	[M_BACKUP_FAILURES] = {"stamprally_backup_failures_total", "", "backups that failed (see the log and the security events)"},
	[M_COPY_FAILURES] = {"stamprally_backup_copy_failures_total", "", "runs of backup.copy_command that failed"},
};

void metric_add(enum metric m, long n)
{
	atomic_fetch_add_explicit(&counters[m], n, memory_order_relaxed);
}

void metric_status(int status)
{
	if (status >= 200 && status < 600)
		metric_add((enum metric)(M_REQUESTS_2XX + (status / 100 - 2)), 1);
}

long metric_get(enum metric m)
{
	return atomic_load_explicit(&counters[m], memory_order_relaxed);
}

void metrics_write(buf *out)
{
	for (int m = 0; m < M_COUNT; m++) {
		if (info[m].help)
			buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", info[m].name, info[m].help, info[m].name);
		buf_printf(out, "%s%s %ld\n", info[m].name, info[m].labels, metric_get((enum metric)m));
	}
}
