/*
 * jsonmem.c — see jsonmem.h.  Every block carries a 16-byte header saying
 * where it came from, so free() knows whether to do anything.
 */
#include "lib/jsonmem.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#define HDR 16
enum { FROM_HEAP = 0x48454150, FROM_ARENA = 0x4152454e };

static _Thread_local arena *current;

static void *json_alloc(size_t n)
{
	unsigned char *p;
	if (current) {
		p = arena_alloc_raw(current, n + HDR); /* jansson initialises what it uses */
		*(uint32_t *)p = FROM_ARENA;
	} else {
		p = malloc(n + HDR);
		if (!p)
			return NULL;
		*(uint32_t *)p = FROM_HEAP;
	}
	return p + HDR;
}

static void json_free(void *ptr)
{
	if (!ptr)
		return;
	unsigned char *p = (unsigned char *)ptr - HDR;
	if (*(uint32_t *)p == FROM_HEAP)
		free(p);
}

void jsonmem_init(void)
{
	json_set_alloc_funcs(json_alloc, json_free);
}

void jsonmem_use(arena *a)
{
	current = a;
}

char *json_heap_text(const json_t *j, size_t flags)
{
	size_t n = j ? json_dumpb(j, NULL, 0, flags) : 0;
	char *out = n ? malloc(n + 1) : NULL;
	if (out) {
		json_dumpb(j, out, n, flags);
		out[n] = '\0';
	}
	return out;
}
