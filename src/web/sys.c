/*
 * sys.c — operations endpoints and static files: /healthz (alive, no
 * database), /readyz (each component as JSON), /metrics (Prometheus text,
 * behind a bearer token or on its own listener), /static/{file}.
 */
#include <microhttpd.h>
#include <sodium.h>
#include <string.h>

#include "http/server.h"
#include "core/announce.h"
#include "core/maintenance.h"
#include "lib/assets.h"
#include "lib/hostinfo.h"
#include "lib/metrics.h"
#include "lib/timeutil.h"
#include "ops/backup.h"
#include "store/db.h"
#include "store/writer.h"
#include "web/page.h"
#include "web/web.h"

#ifndef STAMPRALLY_VERSION
#define STAMPRALLY_VERSION "0.1.0"
#endif

void sys_healthz(req *r)
{
	r->status = 200;
	buf_puts(&r->out, "ok\n");
}

/* ---- /readyz ---- */

/* Whether component name is one that fails readiness (monitoring.ready_requires). */
static int required(const config *c, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = c->ready_requires; (p = strstr(p, name)); p += n)
		if ((p == c->ready_requires || p[-1] == ',' || p[-1] == ' ') && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return 1;
	return 0;
}

/* Add component name (ok or not, with details) to comps; 1 when it fails readiness. */
static int component(const config *c, json_t *comps, const char *name, int ok, json_t *details, int *degraded)
{
	int must = required(c, name);
	json_object_set_new(details, "status", json_string(ok ? "ok" : must ? "fail" : "warn"));
	json_object_set_new(comps, name, details);
	if (!ok && !must)
		*degraded = 1;
	return !ok && must;
}

/* Ready when every component in monitoring.ready_requires is (database,
 * writer, disk by default): 503 otherwise, to take this node out of the
 * pool. The others (clock, backup) make it "degraded", still 200: they page
 * someone (deploy/prometheus/alerts.yml) but do not stop this node from
 * answering. JSON with each component. */
void sys_readyz(req *r)
{
	const config *c = &r->srv->cfg;
	int64_t now = time_now_ms();
	json_t *comps = json_object();
	int fail = 0, degraded = 0;
	fail |= component(c, comps, "database", db_ping(r->db) == 0, json_object(), &degraded);

	struct writer_stats w;
	db_writer_stats(&w);
	int64_t idle_ms = now - w.progress_ms;
	fail |= component(c, comps, "writer", w.running && (w.queued == 0 || idle_ms < 5000),
			  json_pack("{s:I, s:I}", "queued", (json_int_t)w.queued, "since_last_batch_ms", (json_int_t)idle_ms),
			  &degraded);

	int64_t free_b = disk_free(c->data_dir), min_b = (int64_t)c->min_free_disk_mb * 1024 * 1024;
	fail |= component(c, comps, "disk", free_b >= min_b,
			  json_pack("{s:I, s:I}", "free_bytes", (json_int_t)free_b, "min_bytes", (json_int_t)min_b), &degraded);

	struct clock_state cs = {0};
	int have_clock = clock_state(&cs) == 0;
	fail |= component(c, comps, "clock", have_clock && cs.synced,
			  json_pack("{s:b, s:I}", "synced", cs.synced, "estimated_error_ms", (json_int_t)(cs.est_error_s * 1000)),
			  &degraded);

	if (strcmp(c->backup_time, "off") != 0) {
		int64_t at = 0;
		long long size = 0;
		int have = backup_last(c, r->db, &at, &size);
		int64_t age_ms = now - (have ? at : r->srv->started_ms);
		char when[40] = "";
		if (have)
			time_format_iso_jst(at, when, sizeof when);
		fail |= component(c, comps, "backup", age_ms <= (int64_t)c->backup_max_age_hours * 3600000,
				  json_pack("{s:s?, s:I, s:i}", "last", have ? when : NULL, "age_minutes", (json_int_t)(age_ms / 60000),
					    "max_age_hours", c->backup_max_age_hours),
				  &degraded);
	}
	json_t *o = json_pack("{s:s, s:b, s:o}", "status", fail ? "fail" : degraded ? "degraded" : "ok", "maintenance",
			      maintenance_on(now, NULL), "components", comps);
	json_respond(r, fail ? 503 : 200, o);
}

/* ---- /metrics ---- */

static void gauge(buf *out, const char *name, const char *help, double v)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", name, help, name, name, v);
}

void sys_metrics_text(struct server *srv, buf *out)
{
	const config *c = &srv->cfg;
	metrics_write(out);
	metrics_write_requests(out);
	const union MHD_DaemonInfo *di = srv->daemon ? MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS) : NULL;
	gauge(out, "stamprally_http_connections_open", "open client connections", di ? (double)di->num_connections : 0);

	struct writer_stats w;
	db_writer_stats(&w);
	gauge(out, "stamprally_writer_queue_depth", "write work waiting for the group-commit writer", (double)w.queued);
	buf_puts(out, "# HELP stamprally_writer_batch_size pieces of work per group commit\n"
		      "# TYPE stamprally_writer_batch_size histogram\n");
	long cum = 0;
	for (int i = 0; i <= WRITER_SIZE_BUCKETS; i++) {
		cum += w.sizes[i];
		if (i < WRITER_SIZE_BUCKETS)
			buf_printf(out, "stamprally_writer_batch_size_bucket{le=\"%d\"} %ld\n", w.bound[i], cum);
		else
			buf_printf(out, "stamprally_writer_batch_size_bucket{le=\"+Inf\"} %ld\n", cum);
	}
	buf_printf(out, "stamprally_writer_batch_size_sum %ld\nstamprally_writer_batch_size_count %ld\n", w.items, w.batches);

	char wal[600];
	snprintf(wal, sizeof wal, "%s-wal", c->database);
	gauge(out, "stamprally_database_size_bytes", "the database", (double)db_size_bytes(db_thread()));
	gauge(out, "stamprally_database_wal_size_bytes", "the database's write-ahead log", (double)file_size(wal));
	gauge(out, "stamprally_data_disk_free_bytes", "free bytes on the data directory's filesystem", (double)disk_free(c->data_dir));

	int64_t at = 0;
	long long size = 0;
	backup_last(c, db_thread(), &at, &size);
	gauge(out, "stamprally_backup_last_success_timestamp_seconds", "time of the newest good backup (0: none)", (double)(at / 1000));
	gauge(out, "stamprally_backup_last_size_bytes", "size of the newest good backup", (double)size);

	struct clock_state cs = {0};
	int have = clock_state(&cs) == 0;
	gauge(out, "stamprally_clock_synced", "1 when the kernel says the clock is synchronised (NTP)", have && cs.synced);
	gauge(out, "stamprally_clock_estimated_error_seconds", "the kernel's estimated clock error", cs.est_error_s);
	gauge(out, "stamprally_clock_max_error_seconds", "the kernel's maximum clock error", cs.max_error_s);

	gauge(out, "stamprally_process_resident_memory_bytes", "resident memory", (double)process_rss());
	gauge(out, "stamprally_process_open_fds", "open file descriptors", (double)process_fds());
	gauge(out, "stamprally_process_start_time_seconds", "when serve started", (double)(srv->started_ms / 1000));
	gauge(out, "stamprally_uptime_seconds", "seconds since serve started", (double)(time_now_ms() - srv->started_ms) / 1000.0);
	gauge(out, "stamprally_maintenance", "1 while maintenance mode is on", maintenance_on(time_now_ms(), NULL));
	buf_printf(out, "# HELP stamprally_build_info the running build\n# TYPE stamprally_build_info gauge\n"
			"stamprally_build_info{version=\"%s\",backend=\"%s\",sqlite=\"%s\",libpq=\"%s\",libmicrohttpd=\"%s\"} 1\n",
		   STAMPRALLY_VERSION, db_backend(), db_version_of("sqlite"), db_version_of("postgres"), MHD_get_version());
}

/* Prometheus text, for a scraper that sends the bearer token
 * (metrics.token or its file); with metrics.listen set, only there. */
void sys_metrics(req *r)
{
	const struct server *srv = r->srv;
	const char *auth = req_header(r, "Authorization");
	size_t tl = strlen(srv->metrics_token);
	if (srv->cfg.metrics_listen[0]) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	if (!tl || !auth || strncmp(auth, "Bearer ", 7) != 0 || strlen(auth + 7) != tl ||
	    sodium_memcmp(auth + 7, srv->metrics_token, tl) != 0) {
		req_add_header(r, "WWW-Authenticate", "Bearer realm=\"metrics\"");
		web_error(r, 401, "unauthorized", "error.login_required", NULL);
		return;
	}
	r->status = 200;
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	sys_metrics_text((struct server *)srv, &r->out);
}

/* ---- /status ---- */

struct status_list {
	req *r;
	json_t *items;
	int64_t now;
};

/* Public: maintenance and incidents meant for every tenant. */
static void add_status(const struct announcement *a, void *ud)
{
	struct status_list *l = ud;
	if (a->ntenants || (strcmp(a->kind, "maintenance") != 0 && strcmp(a->kind, "incident") != 0))
		return;
	char from[40], to[40];
	time_format_jst(a->starts_at, "%Y-%m-%d %H:%M", from, sizeof from);
	time_format_jst(a->ends_at, "%Y-%m-%d %H:%M", to, sizeof to);
	req *r = l->r;
	json_array_append_new(l->items,
			      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id", a->public_id, "kind", a->kind, "label",
					web_text(r, arena_printf(&r->a, "announce.kind.%s", a->kind)), "from", from, "to", to,
					"text", arena_strdup(&r->a, r->lang != LANG_JA && a->en[0] ? a->en : a->ja), "current",
					a->starts_at <= l->now));
}

/* The public status: maintenance mode, and current and upcoming
 * maintenance and incidents (from memory: it answers during maintenance). */
static json_t *status_view(req *r)
{
	struct status_list l = {r, json_array(), time_now_ms()};
	announce_open(l.now, add_status, &l);
	struct maintenance m;
	int on = maintenance_on(l.now, &m);
	json_t *v = json_pack("{s:o, s:b, s:b}", "items", l.items, "maintenance", on, "all_clear",
			      !on && json_array_size(l.items) == 0);
	if (on && m.until) {
		char until[40];
		time_format_jst(m.until, "%Y-%m-%d %H:%M", until, sizeof until);
		json_object_set_new(v, "maintenance_until", json_string(until));
	}
	return v;
}

void sys_status(req *r)
{
	page_render(r, 200, "status", status_view(r));
}

void sys_status_json(req *r)
{
	json_respond(r, 200, status_view(r));
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
