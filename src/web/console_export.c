/*
 * console_export.c — CSV exports of a rally (participants, stamp log),
 * streamed: rows are read from their own database connection as
 * libmicrohttpd asks for more bytes, so ten million rows need no more
 * memory than ten. Each export is written to the security event log.
 */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "lib/csv.h"
#include "lib/metrics.h"
#include "lib/timeutil.h"
#include "web/console.h"
#include "web/page.h"
#include "web/web.h"

enum export_kind { EXPORT_PARTICIPANTS, EXPORT_STAMPS, EXPORT_REWARDS };

struct export {
	db *d;
	db_stmt *st;
	enum export_kind kind;
	buf pending;
	size_t off;
	int finished;
};

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
	free(e);
}

static void export(req *r, enum export_kind kind)
{
	struct rally ra;
	if (!console_rally(r, r->params[0], &ra))
		return;
	struct export *e = calloc(1, sizeof *e);
	if (!e || !(e->d = db_open())) {
		free(e);
		web_error(r, 503, "unavailable", "error.unavailable", NULL);
		return;
	}
	e->kind = kind;
	if (kind == EXPORT_PARTICIPANTS)
		e->st = db_query(e->d, "SELECT p.public_id, p.created_at,"
				       " (SELECT count(*) FROM stamps t WHERE t.participant_id = p.id), p.completed_at"
				       " FROM participants p WHERE p.rally_id = $1 ORDER BY p.id", "i", ra.id);
	else if (kind == EXPORT_STAMPS)
		e->st = db_query(e->d, "SELECT t.created_at, p.public_id, s.name, t.method FROM stamps t"
				       " JOIN spots s ON s.id = t.spot_id JOIN participants p ON p.id = t.participant_id"
				       " WHERE s.rally_id = $1 ORDER BY t.created_at, t.id", "i", ra.id);
	else
		e->st = db_query(e->d, "SELECT w.code, t.name, p.public_id, w.earned_at, w.redeemed_at FROM rewards w"
				       " JOIN reward_tiers t ON t.id = w.tier_id JOIN participants p ON p.id = w.participant_id"
				       " WHERE t.rally_id = $1 ORDER BY w.id", "i", ra.id);
	if (!e->st) {
		done(e);
		web_error(r, 503, "unavailable", "error.unavailable", NULL);
		return;
	}
	buf_puts(&e->pending, CSV_BOM);
	static const char *heads[] = {"csv.participants_header", "csv.stamps_header", "csv.rewards_header"};
	static const char *whats[] = {"participants", "stamps", "rewards"};
	const char *head = heads[kind];
	buf_puts(&e->pending, web_text(r, head));
	csv_end(&e->pending);
	const char *what = whats[kind];
	console_event(r, "export", web_json_text(r, json_pack("{s:s, s:s}", "rally", ra.slug, "what", what)));
	metric_add(M_EXPORTS, 1);
	r->status = 200;
	r->content_type = "text/csv; charset=utf-8";
	req_add_header(r, "Content-Disposition",
		       arena_printf(&r->a, "attachment; filename=\"%s-%s.csv\"", ra.slug, what));
	r->stream_fill = fill;
	r->stream_free = done;
	r->stream_cls = e;
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
