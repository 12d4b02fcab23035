/*
 * sys.c — operations endpoints and static files: /healthz (alive, no
 * database), /readyz (the database answers; degraded when backups are
 * late), /metrics, /static/{file}.
 */
#include <microhttpd.h>
#include <string.h>

#include "http/server.h"
#include "lib/assets.h"
#include "lib/metrics.h"
#include "lib/timeutil.h"
#include "ops/backup.h"
#include "store/db.h"
#include "web/page.h"
#include "web/web.h"

void sys_healthz(req *r)
{
	r->status = 200;
	buf_puts(&r->out, "ok\n");
}

/* Ready when the database answers: 503 otherwise (take this node out of
 * the pool). A backup older than backup.max_age_hours (or none since the
 * start, that long) still serves, but says "degraded" for monitoring. */
void sys_readyz(req *r)
{
	const config *c = &r->srv->cfg;
	if (db_ping(r->db) != 0) {
		r->status = 503;
		buf_puts(&r->out, "database unavailable\n");
		return;
	}
	r->status = 200;
	int64_t at = 0, now = time_now_ms(), limit = (int64_t)c->backup_max_age_hours * 3600000;
	long long size;
	int have = backup_last(c, &at, &size);
	if (strcmp(c->backup_time, "off") == 0 || now - (have ? at : r->srv->started_ms) <= limit) {
		buf_puts(&r->out, "ready\n");
		return;
	}
	char when[40];
	time_format_iso_jst(at, when, sizeof when);
	buf_printf(&r->out, "degraded: %s%s, more than %d hours ago\n", have ? "the last good backup is from " : "no backup since the start",
		   have ? when : "", c->backup_max_age_hours);
}

/* Prometheus text; only for scrapers on this machine (the operator's
 * monitoring reaches it through the host, not through the public side). */
void sys_metrics(req *r)
{
	const char *ip = req_client_ip(r);
	if (strncmp(ip, "127.", 4) != 0 && strcmp(ip, "::1") != 0) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	r->status = 200;
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	metrics_write(&r->out);
	int64_t at = 0;
	long long size = 0;
	backup_last(&r->srv->cfg, &at, &size);
	buf_printf(&r->out, "# HELP stamprally_backup_last_success_timestamp_seconds time of the newest good backup (0: none)\n"
			    "# TYPE stamprally_backup_last_success_timestamp_seconds gauge\n"
			    "stamprally_backup_last_success_timestamp_seconds %lld\n"
			    "# HELP stamprally_backup_last_size_bytes size of the newest good backup\n"
			    "# TYPE stamprally_backup_last_size_bytes gauge\n"
			    "stamprally_backup_last_size_bytes %lld\n",
		   (long long)(at / 1000), size);
}

static const char *mime(const char *name)
{
	const char *dot = strrchr(name, '.');
	static const char *types[][2] = {
		{".css", "text/css; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
		{".svg", "image/svg+xml"},           {".png", "image/png"},
		{".ico", "image/x-icon"},            {".txt", "text/plain; charset=utf-8"},
	};
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

void sys_static(req *r)
{
	const struct asset *a = asset_find(arena_printf(&r->a, "static/%s", r->params[0]));
	if (!a) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	if (req_cached(r, arena_printf(&r->a, "\"%s\"", page_asset_version()), "public, max-age=86400"))
		return;
	r->status = 200;
	r->content_type = mime(a->name);
	buf_append(&r->out, a->data, a->len);
}
