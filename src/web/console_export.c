/*
 * console_export.c — exports of a rally (participants, stamp log, rewards,
 * lottery entries and winners) and of the audit log, as CSV or as an Excel
 * workbook. Rows are read from their own database connection as
 * libmicrohttpd asks for more bytes, as typed cells (web/export.h): CSV is
 * streamed row by row, so ten million rows need no more memory than ten; a
 * workbook is written whole by libxlsxwriter (web/xlsx.c), then sent.
 * Each export is written to the security event log. Lottery entries and winners are opened (lib/seal.c) row by row, for
 * owners and admins only (the route table's PERM_ENTRIES).
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/account.h"
#include "core/audit.h"
#include "core/export.h"
#include "core/lottery.h"
#include "core/methods.h"
#include "core/rewards.h"
#include "lib/csv.h"
#include "lib/metrics.h"
#include "lib/seal.h"
#include "lib/timeutil.h"
#include "web/console.h"
#include "web/export.h"
#include "web/page.h"
#include "web/web.h"

/* The columns of each kind (entries and winners then add a text column per
 * asked field). */
static const enum cell_type columns[][6] = {
	[EXPORT_PARTICIPANTS] = {CELL_TEXT, CELL_TIME, CELL_NUM, CELL_TIME},
	[EXPORT_STAMPS] = {CELL_TIME, CELL_TEXT, CELL_TEXT, CELL_TEXT},
	[EXPORT_REWARDS] = {CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TIME, CELL_TIME},
	[EXPORT_ENTRIES] = {CELL_NUM, CELL_TIME, CELL_TEXT, CELL_NUM},
	[EXPORT_WINNERS] = {CELL_NUM, CELL_NUM, CELL_TIME, CELL_TEXT},
	[EXPORT_AUDIT] = {CELL_NUM, CELL_TIME, CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT},
};
static const int ncolumns[] = {4, 4, 5, 4, 4, 6};

#define CELLS_MAX (6 + LF_COUNT)

struct export {
	db *d;
	db_stmt *st;
	enum export_kind kind;
	int xlsx;                 /* the format: an Excel workbook, else CSV */
	buf pending;
	size_t off;
	int finished;
	int fd;                   /* xlsx: the finished workbook, read out (-1 before) */
	struct lottery_form form; /* entries and winners: the fields asked */
	const char *unreadable;   /* the catalog's note for answers that do not open (static) */
	const char *deleted;      /* ... and for answers retention deleted (static) */
	const char *methods[SM_COUNT]; /* the stamp methods as words in the page's language */
	const char *ages[8];      /* the age bands as words, in lottery_age_bands order */
	const char *head[CELLS_MAX];
	enum cell_type types[CELLS_MAX];
	int ncells;
	arena a;                  /* one row's opened answers */
};

/* A cell of type t from column col of the current row (NULL: empty). */
static struct cell col(struct export *e, enum cell_type t, int c)
{
	if (db_is_null(e->st, c))
		return (struct cell){CELL_NONE, NULL, 0};
	if (t == CELL_TEXT)
		return (struct cell){t, db_text(e->st, c), 0};
	return (struct cell){t, NULL, db_int(e->st, c)};
}

/* An answer as the export shows it: an age band as its words. */
static const char *answer(struct export *e, enum lottery_field f, const char *v)
{
	if (f == LF_AGE && v)
		for (int i = 0; lottery_age_bands[i] && i < 8; i++)
			if (!strcmp(v, lottery_age_bands[i]))
				return e->ages[i];
	return v;
}

/* One lottery entry's cells: number, time, participant, rank (entries: empty
 * when it has not won; winners: first), then each asked field's answer. */
static int entry_cells(struct export *e, struct cell *c)
{
	int n = 0;
	int64_t rank = db_int(e->st, 3);
	if (e->kind == EXPORT_WINNERS)
		c[n++] = (struct cell){CELL_NUM, NULL, rank};
	c[n++] = col(e, CELL_NUM, 0);
	c[n++] = col(e, CELL_TIME, 1);
	c[n++] = col(e, CELL_TEXT, 2);
	if (e->kind == EXPORT_ENTRIES)
		c[n++] = rank ? (struct cell){CELL_NUM, NULL, rank} : (struct cell){CELL_NONE, NULL, 0};
	const char *sealed = db_text(e->st, 4);
	const char *opened = *sealed ? unseal(&e->a, sealed) : NULL;
	json_t *answers = opened ? json_loads(opened, 0, NULL) : NULL;
	int first = 1;
	for (int i = 0; i < LF_COUNT; i++)
		if (e->form.asked[i]) {
			/* an entry that does not open (another data key) says so in its first cell */
			const char *v = answers ? json_string_value(json_object_get(answers, lottery_field_key(i)))
						: first ? (*sealed ? e->unreadable : e->deleted) : NULL;
			v = answer(e, (enum lottery_field)i, v);
			c[n++] = (struct cell){v ? CELL_TEXT : CELL_NONE, v ? arena_strdup(&e->a, v) : NULL, 0};
			first = 0;
		}
	json_decref(answers);
	return n;
}

/* The current row of the query as cells into c; their count. Text cells
 * point into the statement's row or e->a: valid until the next row. */
static int cells(struct export *e, struct cell *c)
{
	switch (e->kind) {
	case EXPORT_ENTRIES:
	case EXPORT_WINNERS:
		return entry_cells(e, c);
	case EXPORT_STAMPS:
		c[0] = col(e, CELL_TIME, 0);
		c[1] = col(e, CELL_TEXT, 1);
		c[2] = col(e, CELL_TEXT, 2);
		enum stamp_method m = stamp_method_parse(db_text(e->st, 3), -1);
		c[3] = (struct cell){CELL_TEXT, m != SM_NONE ? e->methods[m] : db_text(e->st, 3), 0};
		return 4;
	case EXPORT_AUDIT: {
		static const int order[] = {0, 1, 2, 5, 3, 4}; /* id, time, kind, account, address, detail (JSON) */
		for (int i = 0; i < 6; i++)
			c[i] = col(e, columns[EXPORT_AUDIT][i], order[i]);
		return 6;
	}
	default:
		for (int i = 0; i < ncolumns[e->kind]; i++)
			c[i] = col(e, columns[e->kind][i], i);
		return ncolumns[e->kind];
	}
}

/* Append cells as one CSV row to e->pending: times as yyyy/mm/dd hh:mm:ss
 * in Japan time, which spreadsheets read as times. */
static void csv_row(struct export *e, const struct cell *c, int n)
{
	char t[40];
	for (int i = 0; i < n; i++) {
		const char *v = c[i].s;
		if (c[i].type == CELL_NUM) {
			snprintf(t, sizeof t, "%lld", (long long)c[i].n);
			v = t;
		} else if (c[i].type == CELL_TIME) {
			time_format_jst(c[i].n, "%Y/%m/%d %H:%M:%S", t, sizeof t);
			v = t;
		}
		csv_cell(&e->pending, c[i].type == CELL_NONE ? NULL : v, i == 0);
	}
	csv_end(&e->pending);
}

/* xlsx: write every row into the workbook, then keep its file to read out.
 * 0 or -1. */
static int build_xlsx(struct export *e)
{
	struct cell c[CELLS_MAX];
	/* Rows with personal data (lottery answers) stay in memory rather than
	 * in libxlsxwriter's temporary files. */
	int personal = e->kind == EXPORT_ENTRIES || e->kind == EXPORT_WINNERS;
	static const char *const sheets[] = {"participants", "stamps", "rewards", "entries", "winners", "audit"};
	struct xlsx *x = xlsx_open(sheets[e->kind], e->head, e->types, e->ncells, !personal);
	int rc;
	if (!x)
		return -1;
	while ((rc = db_row(e->st)) == DB_ROW) {
		int n = cells(e, c);
		int bad = xlsx_row(x, c, n);
		arena_free(&e->a);
		if (bad) {
			xlsx_abort(x);
			return -1;
		}
	}
	if (rc != DB_DONE) {
		xlsx_abort(x);
		return -1;
	}
	e->fd = xlsx_finish(x);
	return e->fd < 0 ? -1 : 0;
}

/* Stream callback: fill out with up to max bytes of the file. */
static long fill(void *cls, char *out, size_t max)
{
	struct export *e = cls;
	if (e->xlsx) {
		if (e->fd < 0 && build_xlsx(e) != 0)
			return -1;
		ssize_t n = read(e->fd, out, max);
		return n < 0 ? -1 : (long)n;
	}
	struct cell c[CELLS_MAX];
	while (e->pending.len - e->off < max && !e->finished) {
		int rc = db_row(e->st);
		if (rc == DB_ROW) {
			csv_row(e, c, cells(e, c));
			arena_free(&e->a);
		} else {
			e->finished = rc == DB_DONE ? 1 : -1;
		}
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
	if (e->fd >= 0)
		close(e->fd);
	buf_free(&e->pending);
	arena_free(&e->a);
	free(e);
}

/* The header: the catalog's comma-separated titles of head, then the
 * lottery fields asked, into e->head/e->types (strings in r's arena). */
static void header(req *r, struct export *e, const char *head)
{
	char *titles = arena_strdup(&r->a, web_text(r, head));
	int n = 0;
	for (char *save = NULL, *t = strtok_r(titles, ",", &save); t && n < ncolumns[e->kind]; t = strtok_r(NULL, ",", &save)) {
		e->head[n] = t;
		e->types[n] = columns[e->kind][n];
		n++;
	}
	for (int i = 0; i < LF_COUNT && n < CELLS_MAX; i++)
		if (e->form.asked[i]) {
			e->head[n] = e->form.label[i] ? e->form.label[i]
						      : web_text(r, arena_printf(&r->a, "lottery.field.%s", lottery_field_key(i)));
			e->types[n++] = CELL_TEXT;
		}
	e->ncells = n;
	for (int m = SM_NONE + 1; m < SM_COUNT; m++)
		e->methods[m] = web_text(r, arena_printf(&r->a, "csv.method.%s", stamp_method_name((enum stamp_method)m)));
	for (int i = 0; lottery_age_bands[i] && i < 8; i++)
		e->ages[i] = web_text(r, arena_printf(&r->a, "lottery.age.%s", lottery_age_bands[i]));
}

/* Start streaming e as the file "{slug}-{what}.csv" or ".xlsx" (slug: the
 * rally's, or the tenant's for the audit log): the header row (head: a
 * catalog key; then the lottery fields, if any), the event log entry, the
 * response. Takes e (freed when the stream ends). */
static void stream(req *r, struct export *e, const char *slug, const char *head, const char *what, json_t *detail)
{
	if (!e->st) {
		json_decref(detail);
		done(e);
		r->failed = 1;
		return;
	}
	header(r, e, head);
	if (!e->xlsx) {
		buf_puts(&e->pending, CSV_BOM);
		for (int i = 0; i < e->ncells; i++)
			csv_cell(&e->pending, e->head[i], i == 0);
		csv_end(&e->pending);
	}
	if (e->kind != EXPORT_AUDIT)
		json_object_set_new(detail, "rally", json_string(slug));
	json_object_set_new(detail, "what", json_string(what));
	json_object_set_new(detail, "format", json_string(e->xlsx ? "xlsx" : "csv"));
	console_event(r, "export", web_json_text(r, detail));
	if (r->failed) { /* no export without its audit record */
		done(e);
		return;
	}
	metric_add(M_EXPORTS, 1);
	r->status = 200;
	r->content_type = e->xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8";
	req_add_header(r, "Content-Disposition", arena_printf(&r->a, "attachment; filename=\"%s-%s.%s\"", slug, what,
							      e->xlsx ? "xlsx" : "csv"));
	r->stream_fill = fill;
	r->stream_free = done;
	r->stream_cls = e;
}

/* A new export of kind with its own database connection, in the format the
 * route's path ends with (.xlsx or .csv); NULL (after a 503) when none. */
static struct export *export_new(req *r, enum export_kind kind)
{
	struct export *e = calloc(1, sizeof *e);
	if (!e || !(e->d = db_open())) {
		free(e);
		r->failed = 1;
		return NULL;
	}
	size_t n = strlen(r->route->pattern);
	e->kind = kind;
	e->xlsx = n > 5 && !strcmp(r->route->pattern + n - 5, ".xlsx");
	e->fd = -1;
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
