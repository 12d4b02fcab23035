/*
 * xlsx.c — see export.h. Excel workbooks with libxlsxwriter: times as real
 * date cells in Japan time (yyyy/mm/dd hh:mm:ss), text as text (a phone
 * number keeps its leading 0, nothing is ever run as a formula), numbers as
 * numbers. The workbook is written to a memfd, so no file with the export's
 * contents is left anywhere; libxlsxwriter finds it by /proc/self/fd/N.
 */
#include "web/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "lib/timeutil.h"

struct xlsx {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *head, *time;
	int fd;
	lxw_row_t row;
};

/* Column width in characters for a column of type t headed by title. */
static double width(enum cell_type t, const char *title)
{
	double w = t == CELL_TIME ? 20 : t == CELL_NUM ? 10 : 24;
	double h = 0;
	for (const unsigned char *p = (const unsigned char *)title; *p; p++)
		h += (*p & 0xC0) != 0x80 ? ((*p >= 0xE0) ? 2 : 1) : 0; /* CJK counts double */
	return h + 2 > w ? h + 2 : w;
}

struct xlsx *xlsx_open(const char *sheet, const char *const *head, const enum cell_type *types, int n,
		       int constant_memory)
{
	struct xlsx *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->fd = memfd_create("stamprally-export", MFD_CLOEXEC);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", x->fd);
	lxw_workbook_options opt = {.constant_memory = (uint8_t)(constant_memory ? LXW_TRUE : LXW_FALSE),
				    .use_zip64 = LXW_TRUE};
	if (x->fd < 0 || !(x->wb = workbook_new_opt(path, &opt)) || !(x->ws = workbook_add_worksheet(x->wb, sheet))) {
		xlsx_abort(x);
		return NULL;
	}
	x->head = workbook_add_format(x->wb);
	format_set_bold(x->head);
	format_set_bg_color(x->head, 0xEEEEEE);
	x->time = workbook_add_format(x->wb);
	format_set_num_format(x->time, "yyyy/mm/dd hh:mm:ss");
	for (int i = 0; i < n; i++)
		worksheet_set_column(x->ws, (lxw_col_t)i, (lxw_col_t)i, width(types[i], head[i]), NULL);
	worksheet_freeze_panes(x->ws, 1, 0);
	for (int i = 0; i < n; i++)
		worksheet_write_string(x->ws, 0, (lxw_col_t)i, head[i], x->head);
	x->row = 1;
	return x;
}

/* ms (UTC) as a date cell's value in Japan time. */
static lxw_datetime jst(int64_t ms)
{
	time_t t = (time_t)((ms + JST_OFFSET_MS) / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	return (lxw_datetime){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
}

int xlsx_row(struct xlsx *x, const struct cell *c, int n)
{
	for (int i = 0; i < n; i++) {
		lxw_error rc = LXW_NO_ERROR;
		lxw_datetime dt;
		switch (c[i].type) {
		case CELL_TEXT:
			if (c[i].s && *c[i].s)
				rc = worksheet_write_string(x->ws, x->row, (lxw_col_t)i, c[i].s, NULL);
			break;
		case CELL_NUM:
			rc = worksheet_write_number(x->ws, x->row, (lxw_col_t)i, (double)c[i].n, NULL);
			break;
		case CELL_TIME:
			dt = jst(c[i].n);
			rc = worksheet_write_datetime(x->ws, x->row, (lxw_col_t)i, &dt, x->time);
			break;
		case CELL_NONE:
			break;
		}
		if (rc != LXW_NO_ERROR)
			return -1;
	}
	x->row++;
	return 0;
}

int xlsx_finish(struct xlsx *x)
{
	int fd = x->fd;
	lxw_error rc = workbook_close(x->wb);
	free(x);
	if (rc != LXW_NO_ERROR || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void xlsx_abort(struct xlsx *x)
{
	if (!x)
		return;
	if (x->wb)
		workbook_close(x->wb); /* frees it; the memory file goes with fd */
	if (x->fd >= 0)
		close(x->fd);
	free(x);
}
