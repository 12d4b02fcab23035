/*
 * csv.h — CSV for Excel in Japan: UTF-8 with a BOM, CRLF line ends,
 * RFC 4180 quoting, and cells that a spreadsheet would run as a formula
 * (starting with = + - @, a tab or a carriage return) neutralised with a
 * leading apostrophe.
 */
#ifndef SR_CSV_H
#define SR_CSV_H

#include "lib/buf.h"

#define CSV_BOM "\xEF\xBB\xBF"

/* Append one cell (a comma first unless first is set). */
void csv_cell(buf *b, const char *s, int first);
/* End the row. */
void csv_end(buf *b);

#endif
