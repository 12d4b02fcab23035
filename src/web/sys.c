/*
 * sys.c — operations endpoints and static files: /healthz (alive, no
 * database), /readyz (the database answers), /static/{file}.
 */
#include <microhttpd.h>
#include <string.h>

#include "lib/assets.h"
#include "lib/metrics.h"
#include "store/db.h"
#include "web/page.h"
#include "web/web.h"

void sys_healthz(req *r)
{
	r->status = 200;
	buf_puts(&r->out, "ok\n");
}

void sys_readyz(req *r)
{
	int ok = db_ping(r->db) == 0;
	r->status = ok ? 200 : 503;
	buf_puts(&r->out, ok ? "ready\n" : "database unavailable\n");
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
