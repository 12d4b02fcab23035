/*
 * console_audit.c — the tenant's slice of the security event log for its
 * owners and admins (PERM_AUDIT): filters by kind, account and dates, 100
 * records a page, newest first, and the same slice as CSV
 * (console_export.c). The whole log, every tenant's, is the operator's:
 * `stamprally audit list` until the operator console exists.
 */
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/audit.h"
#include "lib/timeutil.h"
#include "web/console.h"
#include "web/page.h"
#include "web/web.h"

#define PAGE_ROWS 100

/* A "YYYY-MM-DD" date (Japan time) into the UTC ms of its midnight. */
static int parse_day(const char *s, int64_t *out)
{
	char iso[40];
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	snprintf(iso, sizeof iso, "%sT00:00+09:00", s);
	return time_parse_iso(iso, out);
}

/* An optional query argument: NULL when absent or empty. */
static const char *arg(req *r, const char *name)
{
	const char *v = req_query(r, name);
	return v && *v ? v : NULL;
}

int console_audit_filter(req *r, struct audit_filter *f)
{
	memset(f, 0, sizeof *f);
	f->kind = arg(r, "kind"), f->login = arg(r, "login");
	f->from_text = arg(r, "from"), f->to_text = arg(r, "to");
	const char *before = arg(r, "before");
	char *end = NULL;
	int bad = (f->kind && strlen(f->kind) > 64) || (f->login && strlen(f->login) > 64) ||
		  (f->from_text && parse_day(f->from_text, &f->from) != 0) ||
		  (f->to_text && parse_day(f->to_text, &f->to) != 0) ||
		  (before && ((f->before = strtoll(before, &end, 10)) <= 0 || *end));
	if (bad) {
		web_error(r, 400, "bad_filter", "audit.bad_filter", NULL);
		return 0;
	}
	if (f->to)
		f->to += 86400000; /* the "to" day is included */
	return 1;
}

/* The catalog's name of an event kind, or the kind itself. */
static const char *kind_label(req *r, const char *kind)
{
	const char *key = arena_printf(&r->a, "audit.kind.%s", kind);
	const char *t = web_text(r, key);
	return strcmp(t, key) == 0 ? kind : t;
}

/* The filters again as a query string (for the CSV and the next page). */
static const char *query_of(req *r, const struct audit_filter *f)
{
	json_t *q = json_pack("{s:s?, s:s?, s:s?, s:s?}", "kind", f->kind, "login", f->login, "from", f->from_text, "to",
			      f->to_text);
	buf b = BUF_INIT;
	const char *k;
	json_t *v;
	json_object_foreach(q, k, v) {
		if (!json_is_string(v))
			continue;
		buf_printf(&b, "%s%s=", b.len ? "&" : "", k);
		for (const unsigned char *p = (const unsigned char *)json_string_value(v); *p; p++)
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-_.", *p))
				buf_putc(&b, (char)*p);
			else
				buf_printf(&b, "%%%02X", *p);
	}
	json_decref(q);
	const char *s = arena_strdup(&r->a, b.len ? buf_str(&b) : "");
	buf_free(&b);
	return s;
}

void console_audit(req *r)
{
	struct audit_filter f;
	if (!console_audit_filter(r, &f))
		return;
	json_t *view = console_view(r), *rows = json_array(), *kinds = json_array();
	db_stmt *st = audit_rows(r->db, r->staff->tenant_id, f.kind, f.login, f.from, f.to, f.before, PAGE_ROWS + 1);
	int n = 0;
	int64_t last = 0;
	while (st && n < PAGE_ROWS && db_row(st) == DB_ROW) {
		char when[40];
		time_format_jst(db_int(st, 1), "%Y-%m-%d %H:%M:%S", when, sizeof when);
		last = db_int(st, 0);
		json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)last, "at", when,
						      "kind", kind_label(r, db_text(st, 2)), "ip", db_text(st, 3), "detail",
						      db_text(st, 4), "login", db_text(st, 5)));
		n++;
	}
	int more = st && n == PAGE_ROWS && db_row(st) == DB_ROW;
	db_done(st);
	for (const char **k = audit_kinds(r->db, &r->a, r->staff->tenant_id); *k; k++)
		json_array_append_new(kinds, json_pack("{s:s, s:s, s:b}", "kind", *k, "label", kind_label(r, *k), "selected",
						       f.kind && strcmp(f.kind, *k) == 0));
	const char *q = query_of(r, &f);
	json_object_set_new(view, "rows", rows);
	json_object_set_new(view, "kinds", kinds);
	json_object_set_new(view, "empty", json_boolean(n == 0));
	json_object_set_new(view, "f", json_pack("{s:s, s:s, s:s}", "login", f.login ? f.login : "", "from",
						  f.from_text ? f.from_text : "", "to", f.to_text ? f.to_text : ""));
	json_object_set_new(view, "csv_query", json_string(q));
	if (more)
		json_object_set_new(view, "older", json_string(arena_printf(&r->a, "%s%sbefore=%lld", q, *q ? "&" : "",
									    (long long)last)));
	page_render(r, 200, "audit", view);
}
