/*
 * image.c — see image.h.  Only headers are read: PNG's IHDR, JPEG's SOFn
 * segment, WebP's VP8/VP8L/VP8X chunk. A file must also be complete: PNG
 * ends with IEND, JPEG with EOI, a WebP RIFF's size matches the file.
 */
#include "core/image.h"

#include <stdlib.h>
#include <string.h>

#include "lib/token.h"

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static enum image_check png(const unsigned char *d, size_t n, struct image_info *o)
{
	if (n < 33 || memcmp(d + 12, "IHDR", 4) != 0)
		return IMAGE_TRUNCATED;
	o->content_type = "image/png";
	o->width = be32(d + 16);
	o->height = be32(d + 20);
	/* Walk the chunks to IEND. */
	size_t p = 8;
	while (p + 12 <= n) {
		uint32_t len = be32(d + p);
		if (len > n || p + 12 + len > n)
			return IMAGE_TRUNCATED;
		if (memcmp(d + p + 4, "IEND", 4) == 0)
			return IMAGE_OK;
		p += 12 + len;
	}
	return IMAGE_TRUNCATED;
}

static enum image_check jpeg(const unsigned char *d, size_t n, struct image_info *o)
{
	size_t p = 2;
	int have_size = 0;
	o->content_type = "image/jpeg";
	while (p + 4 <= n) {
		if (d[p] != 0xFF)
			return IMAGE_TRUNCATED;
		unsigned char m = d[p + 1];
		if (m == 0xFF) {
			p++;
			continue;
		}
		if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) {
			p += 2;
			continue;
		}
		if (m == 0xD9)
			break;
		size_t len = (size_t)d[p + 2] << 8 | d[p + 3];
		if (len < 2 || p + 2 + len > n)
			return IMAGE_TRUNCATED;
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
			if (len < 7)
				return IMAGE_TRUNCATED;
			o->height = (uint32_t)d[p + 5] << 8 | d[p + 6];
			o->width = (uint32_t)d[p + 7] << 8 | d[p + 8];
			have_size = 1;
		}
		if (m == 0xDA) {
			/* Entropy-coded data follows: the file must end with EOI. */
			if (!have_size || n < 2 || d[n - 2] != 0xFF || d[n - 1] != 0xD9)
				return IMAGE_TRUNCATED;
			return IMAGE_OK;
		}
		p += 2 + len;
	}
	return have_size && p + 2 <= n && d[p] == 0xFF && d[p + 1] == 0xD9 ? IMAGE_OK : IMAGE_TRUNCATED;
}

static enum image_check webp(const unsigned char *d, size_t n, struct image_info *o)
{
	o->content_type = "image/webp";
	if (n < 30 || (size_t)le32(d + 4) + 8 != n)
		return IMAGE_TRUNCATED;
	const unsigned char *c = d + 12;
	if (memcmp(c, "VP8 ", 4) == 0) {
		if (c[11] != 0x9d || c[12] != 0x01 || c[13] != 0x2a)
			return IMAGE_TRUNCATED;
		o->width = (uint32_t)(c[14] | c[15] << 8) & 0x3fff;
		o->height = (uint32_t)(c[16] | c[17] << 8) & 0x3fff;
	} else if (memcmp(c, "VP8L", 4) == 0) {
		if (c[8] != 0x2f)
			return IMAGE_TRUNCATED;
		uint32_t b = le32(c + 9);
		o->width = (b & 0x3fff) + 1;
		o->height = ((b >> 14) & 0x3fff) + 1;
	} else if (memcmp(c, "VP8X", 4) == 0) {
		o->width = (uint32_t)(c[12] | c[13] << 8 | c[14] << 16) + 1;
		o->height = (uint32_t)(c[15] | c[16] << 8 | c[17] << 16) + 1;
	} else {
		return IMAGE_UNKNOWN_TYPE;
	}
	return IMAGE_OK;
}

enum image_check image_check(const unsigned char *d, size_t n, struct image_info *o)
{
	enum image_check rc;
	memset(o, 0, sizeof *o);
	if (n == 0)
		return IMAGE_EMPTY;
	if (n > IMAGE_MAX_BYTES)
		return IMAGE_TOO_LARGE;
	if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		rc = png(d, n, o);
	else if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		rc = jpeg(d, n, o);
	else if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
		rc = webp(d, n, o);
	else
		return IMAGE_UNKNOWN_TYPE;
	if (rc == IMAGE_OK && (o->width == 0 || o->height == 0 || o->width > IMAGE_MAX_SIDE || o->height > IMAGE_MAX_SIDE))
		return IMAGE_TOO_MANY_PIXELS;
	return rc;
}

const char *image_check_key(enum image_check c)
{
	static const char *keys[] = {"", "image.empty", "image.too_large", "image.unknown_type", "image.truncated",
				     "image.too_many_pixels"};
	return keys[c];
}

int64_t image_store(db *d, int64_t tenant_id, const unsigned char *data, size_t n, const struct image_info *info,
		    int64_t now)
{
	char pid[48];
	token_new(pid, sizeof pid, TOKEN_PUBLIC_BYTES);
	return db_int1(d, -1,
		       "INSERT INTO images(public_id, tenant_id, content_type, width, height, bytes, created_at)"
		       " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
		       "titiibi", pid, tenant_id, info->content_type, (int64_t)info->width, (int64_t)info->height, data, n,
		       now);
}

const char *image_public_id(db *d, arena *a, int64_t id)
{
	if (id <= 0)
		return NULL;
	return db_text1a(d, a, "SELECT public_id FROM images WHERE id = $1", "i", id);
}

int image_load(db *d, arena *a, const char *public_id, const char **content_type, const void **bytes, size_t *n)
{
	db_stmt *st = db_query(d, "SELECT content_type, bytes FROM images WHERE public_id = $1", "t", public_id);
	int rc = db_row(st);
	if (rc == DB_ROW) {
		const void *p = db_blob(st, 1, n);
		void *copy = arena_alloc(a, *n ? *n : 1);
		memcpy(copy, p, *n);
		*bytes = copy;
		*content_type = arena_strdup(a, db_text(st, 0));
	}
	db_done(st);
	return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}
