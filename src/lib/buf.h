/*
 * buf.h — the one growable byte buffer used for strings, SQL results and
 * response bodies (in the spirit of Fossil's Blob and Redis' sds).
 *
 * A buf owns its heap memory; buf_free() releases it.  The data is always
 * NUL-terminated so it can be used as a C string when it holds text.
 * Allocation failure aborts the process (a server that cannot allocate a
 * few bytes cannot answer anyway); everything else is the caller's input.
 */
#ifndef SR_BUF_H
#define SR_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
	char *data;   /* NUL-terminated; NULL until the first append */
	size_t len;   /* bytes used, not counting the NUL */
	size_t cap;   /* bytes allocated */
} buf;

#define BUF_INIT {NULL, 0, 0}

/* Make room for at least n more bytes (plus the NUL). */
void buf_grow(buf *b, size_t n);
/* Append n bytes from p. */
void buf_append(buf *b, const void *p, size_t n);
/* Append a NUL-terminated string. */
void buf_puts(buf *b, const char *s);
/* Append one byte. */
void buf_putc(buf *b, char c);
/* Append printf-formatted text. */
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap);
/* Append s with & < > " ' replaced by entities: safe in HTML text and in
 * quoted attribute values. */
void buf_html(buf *b, const char *s, size_t n);
/* Empty the buffer, keeping its memory. */
void buf_reset(buf *b);
/* Return the data as a C string ("" when empty); the buffer still owns it. */
const char *buf_str(const buf *b);
/* Hand the heap string to the caller (who frees it) and reset the buffer. */
char *buf_detach(buf *b);
/* Release the memory. */
void buf_free(buf *b);

#endif
