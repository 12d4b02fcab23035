/*
 * console_export.c — CSV exports of a rally (participants, stamp log),
 * streamed: rows are read from their own database connection as
 * libmicrohttpd asks for more bytes, so ten million rows need no more
 * memory than ten. Each export is written to the security event log.
 * Lottery entries and winners are opened (lib/seal.c) row by row, for
 * owners and admins only (the route table's PERM_ENTRIES).
 */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/audit.h"
#include "core/export.h"
#include "core/lottery.h"
#include "core/rewards.h"
#include "lib/csv.h"
#include "lib/metrics.h"
#include "lib/seal.h"
#include "lib/timeutil.h"
#include "web/console.h"
#include "web/page.h"
#include "web/web.h"

struct export {
	db *d;
	db_stmt *st;
	enum export_kind kind;
	buf pending;
	size_t off;
	int finished;
	struct lottery_form form; /* entries and winners: the fields asked */
	const char *unreadable;   /* the catalog's note for answers that do not open (static) */
	const char *deleted;      /* ... and for answers retention deleted (static) */
	arena a;                  /* one row's opened answers */
};

/* One lottery entry: number, time, participant, rank (entries: empty when
 * it has not won; winners: first), then each asked field's answer. */
static void entry_row(struct export *e)
{
	char t[40];
	buf *b = &e->pending;
	int64_t rank = db_int(e->st, 3);
	if (e->kind == EXPORT_WINNERS)
		buf_printf(b, "%lld,", (long long)rank);
	buf_printf(b, "%lld", (long long)db_int(e->st, 0));
	time_format_iso_jst(db_int(e->st, 1), t, sizeof t);
	csv_cell(b, t, 0);
	csv_cell(b, db_text(e->st, 2), 0);
	if (e->kind == EXPORT_ENTRIES) {
		buf_putc(b, ',');
		if (rank)
			buf_printf(b, "%lld", (long long)rank);
	}
	const char *sealed = db_text(e->st, 4);
	const char *opened = *sealed ? unseal(&e->a, sealed) : NULL;
	json_t *answers = opened ? json_loads(opened, 0, NULL) : NULL;
	int first = 1;
	for (int i = 0; i < LF_COUNT; i++)
		if (e->form.asked[i]) {
			/* an entry that does not open (another data key) says so in its first cell */
			const char *v = answers ? json_string_value(json_object_get(answers, lottery_field_key(i)))
						: first ? (*sealed ? e->unreadable : e->deleted) : NULL;
			csv_cell(b, v, 0);
			first = 0;
		}
	json_decref(answers);
	arena_free(&e->a);
}

/* Append one row of the query's current result to e->pending. */
static void row(struct export *e)
{
	char t[40];
	buf *b = &e->pending;
	if (e->kind == EXPORT_PARTICIPANTS) {
		csv_cell(b, db_text(e->st, 0), 1);
		time_format_iso_jst(db_int(e->st, 1), t, sizeof t);
		csv_cell(b, t, 0);
		buf_printf(b, ",%lld,", (long long)db_int(e->st, 2));
		if (!db_is_null(e->st, 3)) {
			time_format_iso_jst(db_int(e->st, 3), t, sizeof t);
			buf_puts(b, t);
		}
	} else if (e->kind == EXPORT_STAMPS) {
		time_format_iso_jst(db_int(e->st, 0), t, sizeof t);
		csv_cell(b, t, 1);
		csv_cell(b, db_text(e->st, 1), 0);
		csv_cell(b, db_text(e->st, 2), 0);
		csv_cell(b, db_text(e->st, 3), 0);
	} else if (e->kind == EXPORT_ENTRIES || e->kind == EXPORT_WINNERS) {
		entry_row(e);
	} else if (e->kind == EXPORT_AUDIT) {
		buf_printf(b, "%lld", (long long)db_int(e->st, 0));
		time_format_iso_jst(db_int(e->st, 1), t, sizeof t);
		csv_cell(b, t, 0);
		csv_cell(b, db_text(e->st, 2), 0); /* kind */
		csv_cell(b, db_text(e->st, 5), 0); /* account */
		csv_cell(b, db_text(e->st, 3), 0); /* address */
		csv_cell(b, db_text(e->st, 4), 0); /* detail (JSON) */
	} else {
		csv_cell(b, db_text(e->st, 0), 1);
		csv_cell(b, db_text(e->st, 1), 0);
		csv_cell(b, db_text(e->st, 2), 0);
		time_format_iso_jst(db_int(e->st, 3), t, sizeof t);
		csv_cell(b, t, 0);
		buf_putc(b, ',');
		if (!db_is_null(e->st, 4)) {
			time_format_iso_jst(db_int(e->st, 4), t, sizeof t);
			buf_puts(b, t);
		}
	}
	csv_end(b);
}

/* Stream callback: fill out with up to max bytes of CSV. */
static long fill(void *cls, char *out, size_t max)
{
	struct export *e = cls;
	while (e->pending.len - e->off < max && !e->finished) {
		int rc = db_row(e->st);
		if (rc == DB_ROW)
			row(e);
		else
			e->finished = rc == DB_DONE ? 1 : -1;
	}
	if (e->finished < 0)
		return -1;
	size_t n = e->pending.len - e->off;
	if (n > max)
		n = max;
	memcpy(out, e->pending.data + e->off, n);
	e->off += n;
	if (e->off == e->pending.len) {
		buf_reset(&e->pending);
		e->off = 0;
	}
	return (long)n;
}

static void done(void *cls)
{
	struct export *e = cls;
	db_done(e->st);
	db_close(e->d);
	buf_free(&e->pending);
	arena_free(&e->a);
	free(e);
}

/* Start streaming e as the CSV file "{slug}-{what}.csv" (slug: the rally's,
 * or the tenant's for the audit log): the header row
 * (head: a catalog key; then the lottery fields, if any), the event log
 * entry, the response. Takes e (freed when the stream ends). */
static void stream(req *r, struct export *e, const char *slug, const char *head, const char *what, json_t *detail)
{
	if (!e->st) {
		json_decref(detail);
		done(e);
		r->failed = 1;
		return;
	}
	buf_puts(&e->pending, CSV_BOM);
	buf_puts(&e->pending, web_text(r, head));
	for (int i = 0; i < LF_COUNT; i++)
		if (e->form.asked[i])
			csv_cell(&e->pending, e->form.label[i] ? e->form.label[i]
							     : web_text(r, arena_printf(&r->a, "lottery.field.%s", lottery_field_key(i))), 0);
	csv_end(&e->pending);
	if (e->kind != EXPORT_AUDIT)
		json_object_set_new(detail, "rally", json_string(slug));
	json_object_set_new(detail, "what", json_string(what));
	console_event(r, "export", web_json_text(r, detail));
	if (r->failed) { /* no export without its audit record */
		done(e);
		return;
	}
	metric_add(M_EXPORTS, 1);
	r->status = 200;
	r->content_type = "text/csv; charset=utf-8";
	req_add_header(r, "Content-Disposition",
		       arena_printf(&r->a, "attachment; filename=\"%s-%s.csv\"", slug, what));
	r->stream_fill = fill;
	r->stream_free = done;
	r->stream_cls = e;
}

/* A new export of kind with its own database connection; NULL (after a 503) when none. */
static struct export *export_new(req *r, enum export_kind kind)
{
	struct export *e = calloc(1, sizeof *e);
	if (!e || !(e->d = db_open())) {
		free(e);
		r->failed = 1;
		return NULL;
	}
	e->kind = kind;
	return e;
}

static void export(req *r, enum export_kind kind)
{
	struct rally ra;
	struct export *e;
	if (!console_rally(r, r->params[0], &ra) || !(e = export_new(r, kind)))
		return;
	e->st = export_rows(e->d, kind, ra.id, 0);
	static const char *heads[] = {"csv.participants_header", "csv.stamps_header", "csv.rewards_header"};
	static const char *whats[] = {"participants", "stamps", "rewards"};
	stream(r, e, ra.slug, heads[kind], whats[kind], json_object());
}

void console_export_participants(req *r)
{
	export(r, EXPORT_PARTICIPANTS);
}

void console_export_stamps(req *r)
{
	export(r, EXPORT_STAMPS);
}

void console_export_rewards(req *r)
{
	export(r, EXPORT_REWARDS);
}

void console_export_entries(req *r)
{
	struct rally ra;
	struct tier t;
	struct export *e;
	if (!console_lottery_tier(r, &ra, &t) || !(e = export_new(r, EXPORT_ENTRIES)))
		return;
	lottery_form_parse(&r->a, t.form, &e->form);
	e->unreadable = web_text(r, "csv.unreadable");
	e->deleted = web_text(r, "csv.deleted");
	e->st = export_rows(e->d, EXPORT_ENTRIES, t.id, 0);
	stream(r, e, ra.slug, "csv.entries_header", "entries", json_pack("{s:s}", "tier", t.public_id));
}

void console_export_winners(req *r)
{
	struct rally ra;
	struct tier t;
	struct draw d;
	struct export *e;
	if (!console_lottery_tier(r, &ra, &t))
		return;
	if (lottery_draw_load(r->db, &r->a, t.id, r->params[2], 0, &d) != 1) {
		web_error(r, 404, "not_found", "error.not_found", NULL);
		return;
	}
	if (!(e = export_new(r, EXPORT_WINNERS)))
		return;
	lottery_form_parse(&r->a, t.form, &e->form);
	e->unreadable = web_text(r, "csv.unreadable");
	e->deleted = web_text(r, "csv.deleted");
	e->st = export_rows(e->d, EXPORT_WINNERS, t.id, d.id);
	stream(r, e, ra.slug, "csv.winners_header", "winners", json_pack("{s:s, s:s}", "tier", t.public_id, "draw", d.public_id));
}

void console_export_audit(req *r)
{
	struct audit_filter f;
	struct export *e;
	if (!console_audit_filter(r, &f) || !(e = export_new(r, EXPORT_AUDIT)))
		return;
	e->st = audit_rows(e->d, r->staff->tenant_id, f.kind, f.login, f.from, f.to, 0, 0);
	json_t *detail = json_object();
	const char *filters[][2] = {{"kind", f.kind}, {"login", f.login}, {"from", f.from_text}, {"to", f.to_text}};
	for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
		if (filters[i][1])
			json_object_set_new(detail, filters[i][0], json_string(filters[i][1]));
	stream(r, e, r->staff->tenant_slug, "csv.audit_header", "audit", detail);
}
