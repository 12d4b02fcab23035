/*
 * utf8.c — see utf8.h.
 */
#include "utf8.h"

#include <string.h>
#include <unistr.h>

size_t utf8_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
	for (size_t i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

int utf8_printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
			return 0;
	return 1;
}

size_t utf8_prefix(const char *s, size_t n, char *out, size_t outsz)
{
	size_t used = 0, k = 0;
	while (*s && k < n) {
		size_t l = utf8_len(s);
		if (used + l + 1 > outsz)
			break;
		memcpy(out + used, s, l);
		used += l;
		s += l;
		k++;
	}
	if (outsz)
		out[used] = '\0';
	return k;
}

/* Bytes of white space at s: an ASCII space, tab, CR, LF, or U+3000. */
static size_t space_at(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		return 1;
	return memcmp(s, "\xE3\x80\x80", 3) == 0 ? 3 : 0;
}

size_t utf8_trim(char *s)
{
	size_t n = strlen(s), start = 0, k;
	while ((k = space_at(s + start)) > 0)
		start += k;
	memmove(s, s + start, n - start + 1);
	n -= start;
	for (;;) {
		if (n >= 1 && space_at(s + n - 1) == 1)
			n -= 1;
		else if (n >= 3 && space_at(s + n - 3) == 3)
			n -= 3;
		else
			break;
		s[n] = '\0';
	}
	return n;
}

int utf8_text(const char *s, size_t min_chars, size_t max_chars)
{
	if (!s || u8_check((const uint8_t *)s, strlen(s)) || !utf8_printable(s))
		return 0;
	size_t n = utf8_chars(s);
	return n >= min_chars && n <= max_chars;
}
