/*
 * ops_notices.c — what the operator says and what the service keeps:
 * announcements (/ops/announcements: list, create, close; core/announce.h),
 * the log of operator actions (/ops/audit), and the erasure certificates
 * (/ops/certificates: the list, a printable page in the page's language,
 * the signed document itself).
 */
#include <microhttpd.h>
#include <string.h>

#include "core/announce.h"
#include "core/audit.h"
#include "core/certificate.h"
#include "core/editor.h"
#include "lib/timeutil.h"
#include "ops/erasure.h"
#include "web/common.h"
#include "web/ops.h"
#include "web/page.h"
#include "web/web.h"

static void add_open(const struct announcement *a, void *ud)
{
	json_t *list = ud;
	char from[40], to[40];
	time_format_jst(a->starts_at, "%Y-%m-%d %H:%M", from, sizeof from);
	time_format_jst(a->ends_at, "%Y-%m-%d %H:%M", to, sizeof to);
	json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:i}", "id", a->public_id, "kind", a->kind,
					      "from", from, "to", to, "ja", a->ja, "en", a->en, "participants", a->participants,
					      "urgent", a->urgent, "tenants", a->ntenants));
}

void ops_announcements(req *r)
{
	json_t *v = ops_view(r), *list = json_array();
	announce_open(time_now_ms(), add_open, list);
	json_object_set_new(v, "announcements", list);
	page_render(r, 200, "ops_announcements", v);
}

/* The tenant slugs of the form's "tenants" field (space or comma
 * separated) into slugs (arena strings). The count, or -1 when too many. */
static int tenant_slugs(req *r, const char **slugs)
{
	const char *f = req_form(r, "tenants");
	char *s = arena_strdup(&r->a, f ? f : ""), *save = NULL;
	int n = 0;
	for (char *t = strtok_r(s, " ,\t\r\n", &save); t; t = strtok_r(NULL, " ,\t\r\n", &save)) {
		if (n == ANNOUNCE_TENANTS_MAX)
			return -1;
		slugs[n++] = t;
	}
	return n;
}

/* R_WRITE: check, store, and reload this process's banners at once. */
/* After the commit: this node's banners read again, so the page it
 * redirects to shows the change at once (the other nodes within a second).
 * Read inside the transaction instead, a refresh of the jobs thread that
 * read before the commit could put the old list back. */
static void refresh_banners(req *r)
{
	announce_refresh(r->db, time_now_ms());
}

void ops_announcement_create(req *r)
{
	struct announcement a = {0};
	const char *slugs[ANNOUNCE_TENANTS_MAX], *kind = req_form(r, "kind"), *ja = req_form(r, "ja"), *en = req_form(r, "en");
	int64_t now = time_now_ms();
	char err[300];
	snprintf(a.kind, sizeof a.kind, "%s", kind ? kind : "");
	snprintf(a.ja, sizeof a.ja, "%s", ja ? ja : "");
	snprintf(a.en, sizeof a.en, "%s", en ? en : "");
	a.participants = req_form(r, "participants") != NULL;
	a.urgent = req_form(r, "urgent") != NULL;
	int n = tenant_slugs(r, slugs);
	if (parse_jst_local(req_form(r, "from"), &a.starts_at) != 0 || parse_jst_local(req_form(r, "to"), &a.ends_at) != 0) {
		web_error(r, 422, "invalid_time", "ops.announce_time", NULL);
		return;
	}
	const char *why = n < 0 ? "tenants" : announce_problem(&a, now);
	if ((ja && strlen(ja) >= sizeof a.ja) || (en && strlen(en) >= sizeof a.en))
		why = "text";
	if (why) {
		web_error(r, 422, "invalid_announcement", arena_printf(&r->a, "ops.announce_%s", why),
			  json_pack("{s:i, s:i, s:i}", "days", ANNOUNCE_NOTICE_DAYS, "max", ANNOUNCE_TEXT_MAX, "tenants",
				    ANNOUNCE_TENANTS_MAX));
		return;
	}
	int rc = announce_create(r->db, &a, slugs, n, ops_actor(r), now, err, sizeof err);
	if (rc == 0) {
		web_error(r, 422, "no_tenant", "ops.no_tenant", NULL);
		return;
	}
	if (rc < 0) {
		r->failed = 1;
		return;
	}
	r->after_commit = refresh_banners;
	req_redirect(r, "/ops/announcements");
}

void ops_announcement_close(req *r)
{
	int64_t now = time_now_ms();
	int rc = announce_close(r->db, r->params[0], ops_actor(r), now);
	if (rc == 0)
		web_error(r, 404, "not_found", "error.not_found", NULL);
	else if (rc < 0)
		r->failed = 1;
	else {
		r->after_commit = refresh_banners;
		req_redirect(r, "/ops/announcements");
	}
}

void ops_audit(req *r)
{
	json_t *v = ops_view(r), *rows = json_array();
	db_stmt *st = audit_operator_rows(r->db, 300);
	while (st && db_row(st) == DB_ROW) {
		char when[40];
		time_format_jst(db_int(st, 1), "%Y-%m-%d %H:%M:%S", when, sizeof when);
		json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)db_int(st, 0), "at", when,
						      "kind", db_text(st, 2), "tenant", db_text(st, 3), "detail", db_text(st, 4)));
	}
	db_done(st);
	json_object_set_new(v, "events", rows);
	page_render(r, 200, "ops_audit", v);
}

void ops_certificates(req *r)
{
	json_t *v = ops_view(r), *rows = json_array(), *purging = json_array();
	db_stmt *st = db_query(r->db, "SELECT public_id, tenant_slug, tenant_name, issued_at, issued_by FROM erasure_certificates"
				      " ORDER BY issued_at DESC, id DESC LIMIT 500", NULL);
	while (st && db_row(st) == DB_ROW) {
		char when[40];
		time_format_jst(db_int(st, 3), "%Y-%m-%d %H:%M", when, sizeof when);
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", db_text(st, 0), "tenant", db_text(st, 1),
						      "name", db_text(st, 2), "at", when, "by", db_text(st, 4)));
	}
	db_done(st);
	st = db_query(r->db, "SELECT slug FROM tenants WHERE purge_requested_at IS NOT NULL ORDER BY slug", NULL);
	while (st && db_row(st) == DB_ROW)
		json_array_append_new(purging, json_string(db_text(st, 0)));
	db_done(st);
	json_object_set_new(v, "certificates", rows);
	json_object_set_new(v, "purging", purging);
	page_render(r, 200, "ops_certificates", v);
}

/* The certificate the URL names, verified (its body into *body). The
 * document's text (heap) or NULL (answered 404). */
static char *certificate_of(req *r, json_t **body)
{
	char *doc = erasure_document(r->db, r->params[0]), why[200];
	if (!doc || certificate_verify(doc, strlen(doc), NULL, body, why, sizeof why) != 0) {
		free(doc);
		if (!db_failed(r->db))
			web_error(r, 404, "not_found", "error.not_found", NULL);
		return NULL;
	}
	return doc;
}

/* The printable page: the certificate's fields with labels in the page's
 * language, and the signature to check it by. */
void ops_certificate(req *r)
{
	json_t *body = NULL;
	char *doc = certificate_of(r, &body);
	if (!doc)
		return;
	json_t *v = ops_view(r), *rows = json_array(), *erased = json_object_get(body, "erased");
	const char *table;
	json_t *count;
	json_object_foreach(json_object_get(erased, "rows"), table, count)
		json_array_append_new(rows, json_pack("{s:s, s:O}", "table", table, "count", count));
	json_object_set_new(v, "c", body);
	json_object_set_new(v, "rows", rows);
	json_object_set_new(v, "document", json_string(doc));
	free(doc);
	page_render(r, 200, "ops_certificate", v);
}

/* The signed document itself, to keep or to hand to the tenant. */
void ops_certificate_file(req *r)
{
	char *doc = certificate_of(r, NULL);
	if (!doc)
		return;
	r->status = 200;
	r->content_type = "application/json; charset=utf-8";
	req_add_header(r, "Content-Disposition", arena_printf(&r->a, "attachment; filename=\"erasure-certificate-%s.json\"",
							       r->params[0]));
	buf_puts(&r->out, doc);
	free(doc);
}
