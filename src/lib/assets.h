/*
 * assets.h — files the binary serves or uses: templates, CSS, JS, message
 * catalogs, schema migrations.  They are embedded at build time
 * (tools/embed.c); with `assets_dir` set in the configuration they are read
 * from that directory at start instead (for development).
 */
#ifndef SR_ASSETS_H
#define SR_ASSETS_H

#include <stddef.h>

struct asset {
	const char *name;          /* path relative to the assets root, e.g. "static/app.css" */
	const unsigned char *data; /* NUL-terminated */
	size_t len;
};

/* The build's embedded table, terminated by a {NULL} entry. */
extern const struct asset assets_embedded[];

/* Use the embedded table (dir NULL or "") or, for each embedded name, the
 * file dir/NAME when it exists (development). Call once at start, before
 * threads. Returns 0, or -1 when out of memory. */
int assets_init(const char *dir);
/* The asset called name, or NULL. Valid until the process ends. */
const struct asset *asset_find(const char *name);
/* Iterate: the i-th asset, or NULL past the end. */
const struct asset *asset_at(size_t i);

#endif
