/*
 * csv.c — see csv.h.
 */
#include "lib/csv.h"

#include <string.h>

void csv_cell(buf *b, const char *s, int first)
{
	if (!first)
		buf_putc(b, ',');
	if (!s)
		return;
	int formula = strchr("=+-@\t\r", s[0]) && s[0];
	int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_putc(b, '"');
	if (formula)
		buf_putc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	if (quote)
		buf_putc(b, '"');
}

void csv_end(buf *b)
{
	buf_puts(b, "\r\n");
}
