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
	[M_MAIL_SENT] = {"stamprally_mail_sent_total", "", "messages the SMTP relay accepted"},
	[M_MAIL_RETRIES] = {"stamprally_mail_retries_total", "", "attempts to send a message that failed and will be tried again"},
	[M_MAIL_FAILED] = {"stamprally_mail_failed_total", "", "messages given up after mail.give_up_hours"},
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

/* ---- request latency: a histogram per route group and status class ---- */

#define NBUCKETS 13
static const double BOUNDS[NBUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
static const char *const GROUPS[MG_COUNT] = {"other", "page", "card", "claim", "api", "console", "ops", "static"};
static const char *const CLASSES[4] = {"2xx", "3xx", "4xx", "5xx"};
static _Atomic long buckets[MG_COUNT][4][NBUCKETS + 1]; /* not cumulative; the last is +Inf */
static _Atomic long sum_us[MG_COUNT][4];
static _Atomic long in_flight;

void metrics_observe(int group, int status, int64_t micros)
{
	if (group < 0 || group >= MG_COUNT || status < 200 || status >= 600)
		return;
	int c = status / 100 - 2, b = 0;
	double s = (double)micros / 1e6;
	while (b < NBUCKETS && s > BOUNDS[b])
		b++;
	atomic_fetch_add_explicit(&buckets[group][c][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_us[group][c], (long)micros, memory_order_relaxed);
}

void metrics_in_flight(int delta)
{
	atomic_fetch_add_explicit(&in_flight, delta, memory_order_relaxed);
}

void metrics_write_requests(buf *out)
{
	buf_puts(out, "# HELP stamprally_http_request_duration_seconds time from the request's first byte to its answer, "
		      "by route group and status class\n# TYPE stamprally_http_request_duration_seconds histogram\n");
	for (int g = 0; g < MG_COUNT; g++)
		for (int c = 0; c < 4; c++) {
			long n = 0;
			for (int b = 0; b <= NBUCKETS; b++)
				n += atomic_load_explicit(&buckets[g][c][b], memory_order_relaxed);
			if (!n)
				continue;
			long cum = 0;
			for (int b = 0; b <= NBUCKETS; b++) {
				cum += atomic_load_explicit(&buckets[g][c][b], memory_order_relaxed);
				if (b < NBUCKETS)
					buf_printf(out, "stamprally_http_request_duration_seconds_bucket{group=\"%s\",class=\"%s\",le=\"%g\"} %ld\n",
						   GROUPS[g], CLASSES[c], BOUNDS[b], cum);
				else
					buf_printf(out, "stamprally_http_request_duration_seconds_bucket{group=\"%s\",class=\"%s\",le=\"+Inf\"} %ld\n",
						   GROUPS[g], CLASSES[c], cum);
			}
			buf_printf(out, "stamprally_http_request_duration_seconds_sum{group=\"%s\",class=\"%s\"} %.6f\n", GROUPS[g],
				   CLASSES[c], (double)atomic_load_explicit(&sum_us[g][c], memory_order_relaxed) / 1e6);
			buf_printf(out, "stamprally_http_request_duration_seconds_count{group=\"%s\",class=\"%s\"} %ld\n", GROUPS[g],
				   CLASSES[c], cum);
		}
	buf_printf(out, "# HELP stamprally_http_requests_in_flight requests received and not yet answered\n"
			"# TYPE stamprally_http_requests_in_flight gauge\nstamprally_http_requests_in_flight %ld\n",
		   atomic_load_explicit(&in_flight, memory_order_relaxed));
}
