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
#include "lib/picture.h"
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
	IMAGE_UNDECODABLE,   /* the header was right but the picture could not be decoded */
};

/* Identify data[0..n) and read its dimensions from the header. */
enum image_check image_check(const unsigned char *data, size_t n, struct image_info *out);
/* The catalog key explaining a refusal. */
const char *image_check_key(enum image_check c);
/* Store an upload's variants for the tenant (lib/picture.h, as
 * picture_variants made them): the widest fallback is the image itself
 * (/images/{id}), the others its variants (/images/{id}/{variant}, migration
 * 0021). Its id, or -1. */
int64_t image_store_pictures(db *d, int64_t tenant_id, const struct picture *p, int n, int64_t now);
/* The variant of the image with this public id ("480", "480.webp",
 * "960.webp"; NULL or "960": the image itself) like image_load; an image
 * stored before variants existed answers every variant with itself. The
 * caller checks the name (image_variant_valid). */
int image_variant_valid(const char *variant);
int image_load_variant(db *d, arena *a, const char *public_id, const char *variant, const char **content_type,
		       const void **bytes, size_t *n);
/* Images stored before 0021 (as uploaded, metadata and all) made into
 * their variants for phones like a new upload, one at a time: decoded and
 * resized with no transaction open, then written in a short one. The number
 * rebuilt, or -1 on a database error. */
int image_rebuild_legacy(db *d);
/* The public id of image id (arena string), or NULL. */
const char *image_public_id(db *d, arena *a, int64_t id);
/* The image with this public id: its content type and bytes copied into
 * the arena. 1 found, 0 none, -1 error. */
int image_load(db *d, arena *a, const char *public_id, const char **content_type, const void **bytes, size_t *n);

#endif
