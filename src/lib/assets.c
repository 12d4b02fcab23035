/*
 * assets.c — see assets.h.  The table is read-only once assets_init() returns,
 * so lookups need no lock.
 */
#include "assets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static const struct asset *table = assets_embedded;

/* Read a whole file into a heap string; NULL on error. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	buf b = BUF_INIT;
	char tmp[8192];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

int assets_init(const char *dir)
{
	if (!dir || !*dir) {
		table = assets_embedded;
		return 0;
	}
	size_t n = 0;
	while (assets_embedded[n].name)
		n++;
	struct asset *t = calloc(n + 1, sizeof *t);
	if (!t)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, assets_embedded[i].name);
		t[i] = assets_embedded[i];
		size_t len;
		char *data = read_file(path, &len);
		if (data) {
			t[i].data = (const unsigned char *)data;
			t[i].len = len;
		}
	}
	table = t;
	return 0;
}

const struct asset *asset_find(const char *name)
{
	for (const struct asset *a = table; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

const struct asset *asset_at(size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (!table[k].name)
			return NULL;
	return table[i].name ? &table[i] : NULL;
}
