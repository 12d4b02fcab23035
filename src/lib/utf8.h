/*
 * utf8.h — small checks on UTF-8 text (jansson already guarantees validity
 * of the strings it hands out).
 */
#ifndef SR_UTF8_H
#define SR_UTF8_H

#include <stddef.h>

/* Number of code points in valid UTF-8 text. */
size_t utf8_chars(const char *s);
/* True when s has no control characters other than tab, CR and LF. */
int utf8_printable(const char *s);
/* Append the first n code points of s to out (outsz bytes, NUL-terminated),
 * never cutting a character; returns the code points copied. */
size_t utf8_prefix(const char *s, size_t n, char *out, size_t outsz);
/* Remove surrounding white space (ASCII and the ideographic space U+3000)
 * in place; returns the new length in bytes. */
size_t utf8_trim(char *s);
/* True when s is valid UTF-8 (checked: for text that did not come through
 * jansson, e.g. the command line), printable, and min..max code points. */
int utf8_text(const char *s, size_t min_chars, size_t max_chars);
/* Length in bytes of the UTF-8 character starting at s (1 for bad bytes). */
size_t utf8_len(const char *s);

#endif
