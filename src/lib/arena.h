/*
 * arena.h — per-request bump allocator (after lwan's arena).
 *
 * Everything a request allocates through its arena is released at once by
 * arena_free() when the request completes, so handlers never free piecemeal
 * and nothing request-scoped lives in a global.
 */
#ifndef SR_ARENA_H
#define SR_ARENA_H

#include <stddef.h>

struct arena_block;

typedef struct arena {
	struct arena_block *head;
} arena;

/* Allocate n zeroed bytes, aligned for any type; owned by the arena. */
void *arena_alloc(arena *a, size_t n);
/* The same, not zeroed: for memory the caller fills at once (strings, jansson). */
void *arena_alloc_raw(arena *a, size_t n);
/* Copy n bytes of s plus a NUL into the arena. */
char *arena_strndup(arena *a, const char *s, size_t n);
/* Copy a NUL-terminated string into the arena (NULL gives NULL). */
char *arena_strdup(arena *a, const char *s);
/* printf into a string owned by the arena. */
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Release every block. The arena can be reused afterwards. */
void arena_free(arena *a);

#endif
