/*
 * jsonmem.h — let jansson allocate from the current request's arena.
 *
 * A view model is built from hundreds of small JSON values and thrown away
 * when the response is written; allocating them one by one with malloc and
 * freeing them one by one was the largest cost of a stamp card page. With
 * jsonmem_use(&r->a) a thread's JSON values come from the request arena and
 * json_decref() of them costs nothing; they are released with the arena.
 * Without an arena (start-up, commands), jansson uses the heap as usual.
 */
#ifndef SR_JSONMEM_H
#define SR_JSONMEM_H

#include <jansson.h>

#include "lib/arena.h"

/* Install the allocator in jansson. Call once, before any JSON is made. */
void jsonmem_init(void);
/* Allocate this thread's JSON values from a (NULL: from the heap again).
 * Values made from an arena must not outlive it. */
void jsonmem_use(arena *a);

/* j as text in a new heap string (caller free()s; NULL on failure), whoever
 * jansson allocates from just now: never free() json_dumps()'s result. */
char *json_heap_text(const json_t *j, size_t flags);

#endif
