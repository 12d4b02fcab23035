/*
 * fuzz.h — shared by the libFuzzer harnesses (one parser each): the input as
 * a NUL-terminated heap copy, which every parser here expects.
 */
#ifndef SR_FUZZ_H
#define SR_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* data[0..n) as a new NUL-terminated string (caller frees), or NULL when it
 * holds a NUL itself (the HTTP layer never hands such text to a parser). */
static inline char *fuzz_text(const uint8_t *data, size_t n)
{
	if (memchr(data, 0, n))
		return NULL;
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, data, n);
		s[n] = '\0';
	}
	return s;
}

#endif
