/*
 * image.h — uploaded images: recognised by their content (PNG, JPEG,
 * WebP), never by their name; size and dimensions checked from the header
 * before anything would decode them; stored in the database.
 */
#ifndef SR_IMAGE_H
#define SR_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "store/db.h"

#define IMAGE_MAX_BYTES (5L * 1024 * 1024)
#define IMAGE_MAX_SIDE 4096

struct image_info {
	const char *content_type; /* "image/png", "image/jpeg", "image/webp" */
	uint32_t width, height;
};

enum image_check {
	IMAGE_OK,
	IMAGE_EMPTY,
	IMAGE_TOO_LARGE,     /* more than IMAGE_MAX_BYTES */
	IMAGE_UNKNOWN_TYPE,  /* not PNG, JPEG or WebP */
	IMAGE_TRUNCATED,     /* the structure ends early or has no end marker */
	IMAGE_TOO_MANY_PIXELS, /* a side above IMAGE_MAX_SIDE, or zero */
};

/* Identify data[0..n) and read its dimensions from the header. */
enum image_check image_check(const unsigned char *data, size_t n, struct image_info *out);
/* The catalog key explaining a refusal. */
const char *image_check_key(enum image_check c);
/* Store a checked image for the tenant; its id or -1. Public id into pid (≥ 48). */
int64_t image_store(db *d, int64_t tenant_id, const unsigned char *data, size_t n, const struct image_info *info,
		    int64_t now);
/* The public id of image id (arena string), or NULL. */
const char *image_public_id(db *d, arena *a, int64_t id);
/* The image with this public id: its content type and bytes copied into
 * the arena. 1 found, 0 none, -1 error. */
int image_load(db *d, arena *a, const char *public_id, const char **content_type, const void **bytes, size_t *n);

#endif
