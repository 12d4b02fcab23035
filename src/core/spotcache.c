/*
 * spotcache.c — see spotcache.h.  An entry is one malloc'd block: the spot
 * array followed by its strings, so a hit is one memcpy into the request's
 * arena and a relocation of the string pointers.
 */
#include "core/spotcache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4

struct entry {
	int64_t rally_id, version;
	char *block; /* n struct spot, then their strings; NULL: empty slot */
	size_t size, n;
};

struct cache {
	struct entry e[SLOTS];
	unsigned next; /* the slot to replace next */
};

/* The string members of struct spot, relocated on every copy. */
static const size_t strings[] = {
	offsetof(struct spot, public_id), offsetof(struct spot, name),	     offsetof(struct spot, description),
	offsetof(struct spot, qr_token),  offsetof(struct spot, image),	     offsetof(struct spot, stamp_image),
};
#define NSTRINGS (sizeof strings / sizeof strings[0])

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const char **member(struct spot *s, size_t i)
{
	return (const char **)(void *)((char *)s + strings[i]);
}

static void free_cache(void *p)
{
	struct cache *c = p;
	for (int i = 0; i < SLOTS; i++)
		free(c->e[i].block);
	free(c);
}

static void make_key(void)
{
	pthread_key_create(&key, free_cache);
}

/* This thread's cache, created on first use; NULL when out of memory. */
static struct cache *mine(void)
{
	pthread_once(&once, make_key);
	struct cache *c = pthread_getspecific(key);
	if (!c && (c = calloc(1, sizeof *c)) && pthread_setspecific(key, c) != 0) {
		free(c);
		c = NULL;
	}
	return c;
}

/* The n spots at to were copied, with their strings, from a block at base
 * to one at to_base: point their strings into the new block (same offsets). */
static void relocate(struct spot *to, const char *base, char *to_base, size_t n)
{
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < NSTRINGS; i++) {
			const char **m = member(&to[k], i);
			if (*m)
				*m = to_base + (*m - base);
		}
}

int spotcache_get(int64_t rally_id, int64_t version, arena *a, struct spot **out, size_t *n)
{
	struct cache *c = mine();
	for (int i = 0; c && i < SLOTS; i++) {
		struct entry *e = &c->e[i];
		if (!e->block || e->rally_id != rally_id || e->version != version)
			continue;
		char *copy = arena_alloc_raw(a, e->size ? e->size : 1);
		memcpy(copy, e->block, e->size);
		relocate((struct spot *)(void *)copy, e->block, copy, e->n);
		*out = (struct spot *)(void *)copy;
		*n = e->n;
		return 1;
	}
	return 0;
}

void spotcache_put(int64_t rally_id, int64_t version, const struct spot *v, size_t n)
{
	struct cache *c = mine();
	if (!c)
		return;
	size_t size = n * sizeof *v;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < NSTRINGS; i++) {
			const char *s = *member((struct spot *)&v[k], i);
			size += s ? strlen(s) + 1 : 0;
		}
	char *block = malloc(size ? size : 1);
	if (!block)
		return;
	struct spot *copy = (struct spot *)(void *)block;
	memcpy(copy, v, n * sizeof *v);
	char *p = block + n * sizeof *v;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < NSTRINGS; i++) {
			const char **m = member(&copy[k], i);
			if (!*m)
				continue;
			size_t len = strlen(*m) + 1;
			memcpy(p, *m, len);
			*m = p;
			p += len;
		}
	struct entry *e = &c->e[c->next];
	c->next = (c->next + 1) % SLOTS;
	free(e->block);
	*e = (struct entry){rally_id, version, block, size, n};
}
