/*
 * export.h — the console's exports as rows of typed cells, written either as
 * CSV (console_export.c, streamed row by row) or as an Excel workbook
 * (xlsx.c, libxlsxwriter, sent once finished).
 */
#ifndef SR_WEB_EXPORT_H
#define SR_WEB_EXPORT_H

#include <stdint.h>

enum cell_type {
	CELL_NONE, /* empty */
	CELL_TEXT, /* s: text, never a formula or a number (phone numbers keep their 0) */
	CELL_NUM,  /* n: an integer */
	CELL_TIME, /* n: a time (UTC ms), shown in Japan time */
};

struct cell {
	enum cell_type type;
	const char *s;
	int64_t n;
};

struct xlsx;

/* A new workbook of one sheet called sheet, written to an anonymous memory
 * file: the header row (head[0..n), bold, frozen), columns sized by their
 * types (types[0..n)). constant_memory: rows go to a temporary file as they
 * come (for exports without personal data; those with it stay in memory).
 * NULL on error. */
struct xlsx *xlsx_open(const char *sheet, const char *const *head, const enum cell_type *types, int n,
		       int constant_memory);
/* Append one row of n cells. 0 or -1. */
int xlsx_row(struct xlsx *x, const struct cell *c, int n);
/* Finish and free x: a file descriptor of the finished .xlsx positioned at
 * its start (the caller closes it), or -1 on error. */
int xlsx_finish(struct xlsx *x);
/* Free an unfinished workbook (after an error). */
void xlsx_abort(struct xlsx *x);

#endif
